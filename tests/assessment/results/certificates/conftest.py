"""Fixtures for certificates: the app's issuer on a base URL of our choosing with keys in a fresh
folder, and a release with two passes and a fail."""
from __future__ import annotations

import datetime as dt

import pytest

from core.roles import Role
from tests.assessment.results.certificates.factories import make_release

BASE_URL = "https://register.example.org"
NOW = dt.datetime(2026, 12, 5, 9, 0, tzinfo=dt.timezone.utc)


@pytest.fixture
def issuer(app, tmp_path):
    from assessment.results.certificates import services

    app.config["BASE_URL"] = BASE_URL
    app.config["CERTIFICATE_KEY_FOLDER"] = str(tmp_path / "keys")
    return services.issuer_from_config(app.config)


@pytest.fixture
def people(make_user):
    return {"examiner": make_user(Role.EXAMINER, name="Emery Examiner"),
            "ada": make_user(Role.CANDIDATE, name="Ada Lovelace"),
            "bo": make_user(Role.CANDIDATE, name="Bo Fail"),
            "cy": make_user(Role.CANDIDATE, name="Cy O’Brien")}


@pytest.fixture
def release(db, people):
    return make_release(db, people["examiner"], [people["ada"], people["bo"], people["cy"]], ["pass", "fail", "pass"])


@pytest.fixture
def issued(db, release, people, issuer):
    from assessment.results.certificates import services

    return services.issue_for_release(db, release, people["examiner"].actor, NOW, issuer=issuer)
