"""Throttling that holds under concurrency and across instances: sign-in failures, password-reset
requests and sign-ups, counted from rows in the database; a reset lifts the lock-out; the answers do
not say whether an account exists."""
from __future__ import annotations

import datetime as dt
import re
import threading

import pytest
from sqlalchemy import func, select

from assessment.accounts import policy
from assessment.accounts.models import LoginAttempt, PasswordResetToken, User
from tests.cop_testing import TEST_PASSWORD, own_schema, postgres_schema_url, reset_postgres_schema

T0 = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.timezone.utc)


@pytest.fixture
def served_app(backend, tmp_path):
    """The app on a database of its own, committing for real (no outer test transaction), so that
    concurrent requests meet as they would in production."""
    from assessment.app import create_app
    from assessment.models import metadata

    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'throttle.sqlite3'}"
    else:
        schema = own_schema("cop_throttle")
        reset_postgres_schema(schema)
        url = postgres_schema_url(schema)
    app = create_app({"TESTING": True, "DATABASE_URL": url, "WTF_CSRF_ENABLED": False,
                      "PASSWORD_HASH_PROFILE": "fast", "SECRET_KEY": "test-secret"})
    metadata.create_all(app.extensions["cop.db"].engine)
    app.extensions["cop.clock"].set(T0)
    yield app
    app.extensions["cop.db"].engine.dispose()


def test_sixteen_simultaneous_wrong_passwords_get_only_three_checks(served_app):
    from core import db
    from core.roles import SYSTEM, Role
    from assessment.accounts import services

    with served_app.app_context():
        services.create_user(db.session(), actor=SYSTEM, email="target@example.org", full_name="Target",
                             password=TEST_PASSWORD, roles={Role.CANDIDATE}, now=T0, hash_profile="fast")
        db.session().commit()
    barrier = threading.Barrier(16)
    statuses: list[int] = []

    def guess(n: int) -> None:
        client = served_app.test_client()
        barrier.wait()
        response = client.post("/login", data={"email": "target@example.org", "password": f"wrong guess {n}"})
        statuses.append(response.status_code)

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with served_app.app_context():
        checked = db.session().scalar(select(func.count()).select_from(LoginAttempt)
                                      .where(LoginAttempt.email == "target@example.org"))
    assert checked == policy.SLOW_AFTER
    assert sorted(statuses) == [401] * policy.SLOW_AFTER + [429] * (16 - policy.SLOW_AFTER)


def reset_link(caplog) -> str:
    found = re.findall(r"https?://\S+/password/reset/\S+", caplog.text)
    assert found, caplog.text
    return found[-1]


def test_a_password_reset_lifts_the_lock_out(client, db, make_user, clock, caplog):
    person = make_user()
    for n in range(policy.LOCK_AFTER):
        assert client.post("/login", data={"email": person.email, "password": f"wrong {n}"}).status_code == 401
        clock.advance(minutes=1, seconds=30)  # past each growing delay, so that every failure counts
    assert client.post("/login", data={"email": person.email, "password": TEST_PASSWORD}).status_code == 429
    with caplog.at_level("WARNING"):
        client.post("/password/forgot", data={"email": person.email})
    path = reset_link(caplog).split("://", 1)[1].split("/", 1)[1]
    new_password = "another long passphrase"
    assert client.post(f"/{path}", data={"password": new_password, "confirm_password": new_password}).status_code == 302
    assert client.post("/login", data={"email": person.email, "password": new_password}).status_code == 302


def test_reset_requests_are_limited_per_account_with_the_same_answer(client, db, make_user, clock, caplog):
    person = make_user()
    answers = []
    with caplog.at_level("WARNING"):
        for _ in range(policy.REQUEST_LIMITS["password_reset"][0] + 1):
            answers.append(client.post("/password/forgot", data={"email": person.email}).get_data(as_text=True))
            clock.advance(minutes=1)
    unknown = client.post("/password/forgot", data={"email": "nobody@example.org"}).get_data(as_text=True)
    assert len(set(answers + [unknown])) == 1  # known, unknown and refused read alike
    tokens = db.scalar(select(func.count()).select_from(PasswordResetToken)
                       .where(PasswordResetToken.user_id == person.id))
    assert tokens == policy.REQUEST_LIMITS["password_reset"][0]
    clock.advance(hours=1)
    client.post("/password/forgot", data={"email": person.email})
    assert db.scalar(select(func.count()).select_from(PasswordResetToken)
                     .where(PasswordResetToken.user_id == person.id)) == tokens + 1


def test_reset_requests_are_limited_per_address_whether_or_not_accounts_exist(client, db, make_user):
    per_address = policy.REQUEST_LIMITS["password_reset"][1]
    for n in range(per_address):
        client.post("/password/forgot", data={"email": f"nobody{n}@example.org"})
    person = make_user()
    client.post("/password/forgot", data={"email": person.email})
    assert db.scalar(select(func.count()).select_from(PasswordResetToken)
                     .where(PasswordResetToken.user_id == person.id)) == 0


def sign_up(client, email, address="192.0.2.1"):
    return client.post("/register", data={"full_name": "Sam", "email": email, "password": TEST_PASSWORD,
                                          "confirm_password": TEST_PASSWORD},
                       environ_overrides={"REMOTE_ADDR": address})


def test_sign_ups_are_limited_per_address(app, db, clock):
    per_address = policy.REQUEST_LIMITS["sign_up"][1]
    for n in range(per_address):
        assert sign_up(app.test_client(), f"new{n}@example.org").status_code == 200
    refused = sign_up(app.test_client(), "one-more@example.org")
    assert refused.status_code == 429 and "Too many accounts" in refused.get_data(as_text=True)
    assert db.scalar(select(User).where(User.email == "one-more@example.org")) is None
    # Audited, so that the operator hears of it (docs/operations.md, alerts).
    from core.alerts.models import SecurityAlert
    from core.audit import AuditEntry

    refusal = db.scalars(select(AuditEntry).where(AuditEntry.action == "account.sign_up_refused_rate_limited")).one()
    assert refusal.target_id == "one-more@example.org" and refusal.client_address == "192.0.2.1"
    alert = db.scalars(select(SecurityAlert).where(SecurityAlert.kind == "sign_up_throttled")).one()
    assert alert.subject == "account one-more@example.org"
    clock.advance(hours=1, minutes=1)
    assert sign_up(app.test_client(), "one-more@example.org").status_code == 200


def test_sign_ups_are_limited_per_email_address_whether_or_not_it_has_an_account(app, db, make_user):
    taken = make_user().email
    per_email = policy.REQUEST_LIMITS["sign_up"][0]
    addresses = iter(f"198.51.100.{n}" for n in range(1, 100))  # a different connection each time
    for _ in range(per_email):
        assert sign_up(app.test_client(), taken, next(addresses)).status_code == 200
    assert sign_up(app.test_client(), taken, next(addresses)).status_code == 429
    for _ in range(per_email):
        assert sign_up(app.test_client(), "fresh@example.org", next(addresses)).status_code == 200
    assert sign_up(app.test_client(), "fresh@example.org", next(addresses)).status_code == 429


def test_the_reset_link_is_built_from_the_configured_base_url_not_the_host_header(app, client, db, make_user,
                                                                                   caplog):
    app.config["BASE_URL"] = "https://exam.example.org/"
    person = make_user()
    with caplog.at_level("WARNING"):
        client.post("/password/forgot", data={"email": person.email}, headers={"Host": "evil.example"})
    link = reset_link(caplog)
    assert link.startswith("https://exam.example.org/password/reset/")
    assert "evil.example" not in caplog.text
