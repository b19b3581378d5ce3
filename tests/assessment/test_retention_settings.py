"""Retention in one place: docs/privacy.md's retention table names every retention setting and no other;
`cop privacy sweep` deletes exactly what has passed its period, and says so."""
from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

from sqlalchemy import select

from assessment.accounts.models import PasswordResetToken
from assessment.config import DEFAULTS, ConfigError, load_config
from assessment.privacy.retention import RetentionPeriods, sweep
from core.audit import AuditEntry
from core.mail import MailMessage
from core.notifications import Notification
from core.roles import SYSTEM, Role

import pytest

PRIVACY = Path(__file__).resolve().parents[2] / "docs" / "privacy.md"
NOW = dt.datetime(2026, 12, 6, 12, 0, tzinfo=dt.timezone.utc)


def _retention_table_settings() -> set[str]:
    text = PRIVACY.read_text(encoding="utf-8")
    section = text[text.index("## Retention schedule"):]
    section = section[:section.index("\n## ", 1)]
    rows = [line for line in section.splitlines() if line.startswith("| ") and not line.startswith("| Personal data")]
    named = set()
    for row in rows:
        setting = row.split(" | ")[3]
        named |= set(re.findall(r"`([A-Z][A-Z0-9_]+)`", setting))
    return named


def test_the_privacy_retention_table_lists_every_retention_setting_and_only_real_ones():
    retention_keys = {key for key in DEFAULTS if "RETENTION" in key}
    named = _retention_table_settings()
    assert retention_keys - named == set(), "add these settings to docs/privacy.md's retention table"
    assert named - set(DEFAULTS) == set(), "docs/privacy.md's retention table names settings that do not exist"
    assert {"RETENTION_EVIDENCE_YEARS", "INVIGILATION_RETENTION_DAYS_AFTER_APPEALS"} <= named


def test_a_retention_period_must_be_a_whole_number_of_one_or_more(tmp_path):
    with pytest.raises(ConfigError, match="RETENTION_SENT_MAIL_DAYS must be a whole number, 1 or more"):
        load_config(tmp_path, {"RETENTION_SENT_MAIL_DAYS": 0}, environ={})
    assert load_config(tmp_path, {}, environ={"COP_RETENTION_SENT_MAIL_DAYS": "30"})["RETENTION_SENT_MAIL_DAYS"] == 30


def test_the_sweep_deletes_only_what_has_passed_its_period_and_is_audited(app, db, make_user, tmp_path):
    person = make_user(Role.CANDIDATE)
    day = dt.timedelta(days=1)
    db.add_all([
        PasswordResetToken(user_id=person.id, token_hash="a" * 64, created_at=NOW - 3 * day, expires_at=NOW - 2 * day),
        PasswordResetToken(user_id=person.id, token_hash="b" * 64, created_at=NOW, expires_at=NOW + day),
        MailMessage(user_id=person.id, to_address="x@example.org", subject="old", body="b", created_at=NOW - 100 * day,
                    sent_at=NOW - 91 * day),
        MailMessage(user_id=person.id, to_address="x@example.org", subject="recent", body="b", created_at=NOW,
                    sent_at=NOW - 10 * day),
        MailMessage(user_id=person.id, to_address="x@example.org", subject="unsent", body="b", created_at=NOW),
        Notification(user_id=person.id, message="read long ago", created_at=NOW - 400 * day, read_at=NOW - 366 * day),
        Notification(user_id=person.id, message="unread", created_at=NOW - 400 * day),
    ])
    db.flush()
    folder = tmp_path / "mail"
    folder.mkdir()
    old, recent = folder / "message-000001.eml", folder / "message-000002.eml"
    old.write_text("old"), recent.write_text("recent")
    stamp = (NOW - 91 * day).timestamp()
    import os
    os.utime(old, (stamp, stamp))
    os.utime(recent, ((NOW - day).timestamp(),) * 2)
    periods = RetentionPeriods.from_config(app.config)
    counted = sweep(db, actor=SYSTEM, periods=periods, mail_folder=folder, now=NOW, dry_run=True)
    assert counted.line() == ("Retention sweep would delete 1 expired password reset link(s), 1 sent e-mail(s), "
                              "1 .eml file(s), 1 read notification(s), 0 ended sign-in(s) and 0 browser storage key(s) "
                              "of ended attempts.")
    assert old.exists() and db.scalar(select(AuditEntry).where(AuditEntry.action == "privacy.retention_sweep")) is None
    done = sweep(db, actor=SYSTEM, periods=periods, mail_folder=folder, now=NOW)
    assert done.line().startswith("Retention sweep deleted 1 expired password reset link(s), 1 sent e-mail(s)")
    assert [m.subject for m in db.scalars(select(MailMessage).order_by(MailMessage.id))] == ["recent", "unsent"]
    assert [t.token_hash[0] for t in db.scalars(select(PasswordResetToken))] == ["b"]
    assert [n.message for n in db.scalars(select(Notification))] == ["unread"]
    assert not old.exists() and recent.exists()
    assert db.scalar(select(AuditEntry).where(AuditEntry.action == "privacy.retention_sweep")) is not None
    again = sweep(db, actor=SYSTEM, periods=periods, mail_folder=folder, now=NOW)
    assert again.line() == ("Retention sweep deleted 0 expired password reset link(s), 0 sent e-mail(s), "
                            "0 .eml file(s), 0 read notification(s), 0 ended sign-in(s) and 0 browser storage key(s) "
                            "of ended attempts.")


def test_the_sweep_command(runner):
    result = runner.invoke(args=["privacy", "sweep", "--dry-run"])
    assert result.exit_code == 0 and result.output.startswith("Retention sweep would delete 0 expired")


def test_the_sweep_deletes_the_browser_storage_key_of_an_attempt_only_a_period_after_it_ended(app, db, login_as,
                                                                                              framework):
    """The key opens what a player left in a browser. An open attempt's player still needs it; a
    week after the attempt ended, nobody should be able to open those leftovers."""
    from assessment.delivery import services as delivery
    from assessment.delivery.models import AttemptStorageKey
    from tests.assessment.delivery.player_data import make_exam

    periods = RetentionPeriods.from_config(app.config)
    assert periods.ended_attempt_storage_keys_days == 7
    day = dt.timedelta(days=1)
    attempts = {}
    for name, ended_days_ago in (("long ended", 8), ("just ended", 6), ("open", None)):
        person = login_as(Role.CANDIDATE)
        ends = NOW - ended_days_ago * day if ended_days_ago is not None else NOW
        started = ends - dt.timedelta(minutes=30)  # within the hour the exam allows
        sitting, _ = make_exam(db, candidate=person, now=started)
        attempt = delivery.start_attempt(db, actor=person.actor, sitting_id=sitting.id, device_id="d", now=started)
        delivery.storage_key_for(db, person.actor, attempt.id, started)
        if ended_days_ago is not None:
            delivery.submit_attempt(db, actor=person.actor, attempt_id=attempt.id, now=ends)
        attempts[name] = attempt.id
    db.flush()
    counted = sweep(db, actor=SYSTEM, periods=periods, mail_folder=None, now=NOW, dry_run=True)
    assert counted.storage_keys == 1 and counted.line().endswith("and 1 browser storage key(s) of ended attempts.")
    done = sweep(db, actor=SYSTEM, periods=periods, mail_folder=None, now=NOW)
    assert done.storage_keys == 1
    kept = set(db.scalars(select(AttemptStorageKey.attempt_id)))
    assert kept == {attempts["just ended"], attempts["open"]}
    entry = db.scalars(select(AuditEntry).where(AuditEntry.action == "privacy.retention_sweep")).one()
    assert json.loads(entry.after_summary)["storage_keys"] == 1
