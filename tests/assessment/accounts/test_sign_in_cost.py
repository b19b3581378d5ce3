"""What a password sign-in costs the database (issue 13: 5,000 candidates sign in within a minute
of each other). Statements are counted, not timed: the count is the same on any machine."""
from __future__ import annotations

import pytest
from sqlalchemy import event, select

from core.audit import AuditEntry
from core.roles import Role
from assessment.accounts.models import LoginAttempt, SignIn, ThrottleLock
from tests.cop_testing import TEST_PASSWORD


@pytest.fixture
def sent(engine):
    seen: list[str] = []

    def note(_connection, _cursor, statement, *_args):
        seen.append(" ".join(statement.split()))

    event.listen(engine, "before_cursor_execute", note)
    yield seen
    event.remove(engine, "before_cursor_execute", note)


def _work(sent: list[str]) -> list[str]:
    return [s for s in sent if s.split(None, 1)[0].upper() in ("SELECT", "INSERT", "UPDATE", "DELETE")]


def test_a_password_sign_in_is_one_transaction_of_ten_statements(app, db, make_user, sent):
    person = make_user(Role.CANDIDATE, email="sam@example.org")
    sent.clear()
    answer = app.test_client().post("/login", data={"email": "sam@example.org", "password": TEST_PASSWORD},
                                    environ_base={"REMOTE_ADDR": "192.0.2.7"})
    assert answer.status_code == 302
    # The test's session commits by releasing a savepoint: one commit is one savepoint.
    assert len([s for s in sent if s.upper().startswith("SAVEPOINT")]) == 1, sent
    work = _work(sent)
    postgres = db.get_bind().dialect.name == "postgresql"
    # The person with their roles; a lock row for the email and one for the address, each one upsert;
    # the recent tries and the last reset in one union; the try; the last sign-in time; the audit
    # entry (its chain's lock on PostgreSQL, the previous hash, the entry); the sign-in row.
    assert len(work) == (10 if postgres else 9), work
    assert "role_grants" in work[0]
    assert [s.split(" ON CONFLICT")[0].split(" (")[0] for s in work[1:3]] == ["INSERT INTO throttle_locks"] * 2
    assert " UNION ALL " in work[3]
    assert work[-1].startswith("INSERT INTO sign_ins")
    assert db.scalar(select(SignIn.user_id)) == person.id
    assert db.scalars(select(LoginAttempt.is_success)).all() == [True]
    assert db.scalars(select(AuditEntry.action).where(AuditEntry.action.like("login.%"))).all() == ["login.succeeded"]
    assert sorted(db.scalars(select(ThrottleLock.key))) == ["address:192.0.2.7", "email:sam@example.org"]


def test_a_wrong_password_is_kept_though_nobody_signs_in(app, db, make_user, sent):
    make_user(Role.CANDIDATE, email="sam@example.org")
    answer = app.test_client().post("/login", data={"email": "sam@example.org", "password": "not it at all"},
                                    environ_base={"REMOTE_ADDR": "192.0.2.7"})
    assert answer.status_code == 401
    assert db.scalars(select(LoginAttempt.is_success)).all() == [False]
    assert db.scalar(select(SignIn.id)) is None
    assert db.scalars(select(AuditEntry.action).where(AuditEntry.action.like("login.%"))).all() == ["login.failed"]
