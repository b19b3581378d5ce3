from __future__ import annotations

import pytest

from core.roles import Role
from item_bank.qti import schemas


@pytest.fixture(scope="session")
def xsd(qti_reference):
    return schemas(qti_reference / "xsd")


@pytest.fixture
def writer(make_user, framework):
    return make_user(Role.ITEM_WRITER)


@pytest.fixture
def examiner(make_user):
    return make_user(Role.EXAMINER)


@pytest.fixture(autouse=True)
def _standards_loaded(framework):
    """Every test here writes or reads case studies, which need the Standards of Proficiency."""
