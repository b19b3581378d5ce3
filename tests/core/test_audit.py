import datetime as dt

from sqlalchemy import text

from core import append_only, audit
from core.roles import Actor

T0 = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.timezone.utc)
ADMIN = Actor(user_id=None, label="admin@example.org")


def write_entries(db, n=5):
    return [audit.record(db, actor=ADMIN, action="role.granted", target_type="user", target_id=i,
                         before={"roles": []}, after={"roles": ["examiner"]}, now=T0 + dt.timedelta(minutes=i),
                         client_address="127.0.0.1") for i in range(n)]


def tamper(db, sql, params):
    """Rewrite the log as someone with the database owner's rights would: drop the append-only
    triggers first (they refuse this SQL otherwise), then put them back. The test's transaction is
    rolled back, so the triggers come back whatever happens; the hash chain is the second line."""
    connection = db.connection()
    append_only.drop_triggers(connection, "audit_entries")
    db.execute(text(sql), params)
    append_only.create_triggers(connection, "audit_entries")


def test_each_row_chains_to_the_previous(db):
    entries = write_entries(db, 3)
    assert entries[0].previous_hash == audit.GENESIS_HASH
    assert entries[1].previous_hash == entries[0].entry_hash
    assert entries[2].previous_hash == entries[1].entry_hash
    assert audit.verify_chain(db).ok


def test_a_changed_row_is_named(db):
    entries = write_entries(db)
    tamper(db, "UPDATE audit_entries SET after_summary = :s WHERE id = :id",
           {"s": '{"roles": ["admin"]}', "id": entries[2].id})
    db.expire_all()
    check = audit.verify_chain(db)
    assert check.first_broken_id == entries[2].id
    assert "content" in check.reason


def test_a_removed_row_breaks_the_link_of_the_next(db):
    entries = write_entries(db)
    tamper(db, "DELETE FROM audit_entries WHERE id = :id", {"id": entries[1].id})
    db.expire_all()
    check = audit.verify_chain(db)
    assert check.first_broken_id == entries[2].id
    assert "link" in check.reason


def test_cli_verify_reports_intact_then_the_tampered_row(db, runner):
    entries = write_entries(db, 4)
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0
    assert "4 rows verified" in result.output
    tamper(db, "UPDATE audit_entries SET actor_label = 'someone-else' WHERE id = :id", {"id": entries[3].id})
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert f"broken at row {entries[3].id}" in result.output
    assert "Traceback" not in result.output
