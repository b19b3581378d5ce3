"""Raising, recording and delivering security alerts, on SQLite and PostgreSQL: the log line, the
mail in the outbox, the webhook outbox posted to a real local server, the throttle of repeats, the
hourly limit, refusal counts kept in the database (two app instances add up), and the admin's list."""
from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import func, select

from core import audit, mail
from core.alerts import services as alerts
from core.alerts.models import AlertCounter, AlertWebhook, SecurityAlert
from core.alerts.rules import AlertKind, AlertSettings
from core.errors import Forbidden
from core.roles import SYSTEM, Actor, Role
from tests.core.alerts.webhook import webhook  # noqa: F401 - a fixture
from tests.cop_testing import own_database_url

T0 = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.timezone.utc)
SETTINGS = AlertSettings(emails=("security@example.org", "oncall@example.org"))


def _mail_to(db, address):
    return list(db.scalars(select(mail.MailMessage).where(mail.MailMessage.to_address == address)
                           .order_by(mail.MailMessage.id)))


def test_an_alert_is_recorded_logged_and_mailed_to_each_address(db, caplog):
    with caplog.at_level("WARNING"):
        alert = alerts.raise_alert(db, kind=AlertKind.ACCOUNT_LOCKED, subject="account sam@example.org",
                                   details={"address": "203.0.113.9", "locked_for_s": 900}, now=T0, settings=SETTINGS)
    assert alert.channels == "log,email"
    assert json.loads(alert.details) == {"address": "203.0.113.9", "locked_for_s": 900}
    line = next(r.getMessage() for r in caplog.records if r.getMessage().startswith("Security alert:"))
    assert r"account_locked" in line and "account sam@example.org" in line and r"203.0.113.9" in line
    for address in SETTINGS.emails:
        [message] = _mail_to(db, address)
        assert message.subject == "Security alert: Account locked after failed sign-ins"
        assert "Subject: account sam@example.org" in message.body
        assert "When: 23 November 2026, 10:00 (UK time)" in message.body
        assert "Locked for (seconds): 900" in message.body
        assert message.user_id is None and message.sent_at is None  # waits in the outbox for cop mail send


def test_a_repeat_about_the_same_subject_is_held_back_until_the_quiet_period_ends(db):
    def raise_at(when, subject="account sam@example.org"):
        return alerts.raise_alert(db, kind=AlertKind.ACCOUNT_LOCKED, subject=subject, details={}, now=when,
                                  settings=SETTINGS)

    assert raise_at(T0) is not None
    assert raise_at(T0 + dt.timedelta(minutes=14)) is None
    assert raise_at(T0 + dt.timedelta(minutes=5), subject="account kim@example.org") is not None  # another subject
    assert alerts.raise_alert(db, kind=AlertKind.SIGN_IN_THROTTLED, subject="account sam@example.org", details={},
                              now=T0 + dt.timedelta(minutes=1), settings=SETTINGS) is not None  # another kind
    assert raise_at(T0 + dt.timedelta(minutes=15)) is not None
    assert len(_mail_to(db, "security@example.org")) == 4


def test_a_silenced_kind_raises_nothing(db, caplog):
    settings = AlertSettings(emails=("security@example.org",), silenced=frozenset({AlertKind.RECOVERY_CODE_USED}))
    with caplog.at_level("WARNING"):
        assert alerts.raise_alert(db, kind=AlertKind.RECOVERY_CODE_USED, subject="user 1", details={}, now=T0,
                                  settings=settings) is None
    assert db.scalar(select(func.count()).select_from(SecurityAlert)) == 0
    assert not [r for r in caplog.records if r.getMessage().startswith("Security alert:")]


def test_past_the_hourly_limit_alerts_are_recorded_and_logged_but_not_mailed(db, caplog):
    settings = AlertSettings(emails=("security@example.org",), max_sent_per_hour=2)
    with caplog.at_level("WARNING"):
        raised = [alerts.raise_alert(db, kind=AlertKind.ACCOUNT_LOCKED, subject=f"account p{n}@example.org",
                                     details={}, now=T0 + dt.timedelta(minutes=n), settings=settings) for n in range(3)]
    assert [a.channels for a in raised] == ["log,email", "log,email", "log"]
    assert len(_mail_to(db, "security@example.org")) == 2
    assert "not mailed: hourly limit reached" in caplog.records[-1].getMessage()
    later = alerts.raise_alert(db, kind=AlertKind.ACCOUNT_LOCKED, subject="account p9@example.org", details={},
                               now=T0 + dt.timedelta(minutes=61), settings=settings)
    assert later.channels == "log,email"


def test_the_audited_lock_out_and_second_factor_facts_are_alerts_and_nothing_else_is(app, db):
    with app.app_context():
        audit.record(db, actor=SYSTEM, action="login.failed", target_type="account", target_id="sam@example.org",
                     now=T0, client_address="203.0.113.9")
        assert db.scalar(select(func.count()).select_from(SecurityAlert)) == 0
        audit.record(db, actor=SYSTEM, action="account.locked", target_type="account", target_id="sam@example.org",
                     after={"locked_for_s": 900}, now=T0, client_address="203.0.113.9")
        audit.record(db, actor=SYSTEM, action="two_factor.reset", target_type="user", target_id=12,
                     before={"enrolled": True}, after={"enrolled": False}, now=T0)
    rows = list(db.scalars(select(SecurityAlert).order_by(SecurityAlert.id)))
    assert [(r.kind, r.subject) for r in rows] == [("account_locked", "account sam@example.org"),
                                                  ("second_factor_reset", "user 12")]
    assert json.loads(rows[0].details) == {"address": "203.0.113.9", "locked_for_s": 900}


def test_refusals_raise_one_alert_per_window_for_the_address_and_for_the_account(app, db):
    app.config.update(ALERT_REFUSALS=5, ALERT_REFUSALS_WINDOW_MINUTES=5)
    with app.app_context():
        raised = [alerts.refused_request(db, status=403, client_address="203.0.113.9", user_id=7,
                                         now=T0 + dt.timedelta(seconds=n)) for n in range(8)]
        assert [len(r) for r in raised] == [0, 0, 0, 0, 2, 0, 0, 0]
        assert {a.subject for a in raised[4]} == {"address 203.0.113.9", "user 7"}
        assert json.loads(raised[4][0].details)["refused_requests"] == 5
        # The next window starts counting again, but the quiet period holds back the repeat.
        later = [alerts.refused_request(db, status=403, client_address="203.0.113.9", user_id=None,
                                        now=T0 + dt.timedelta(minutes=5, seconds=n)) for n in range(5)]
        assert not any(later)
        # A window after the quiet period raises again.
        again = [alerts.refused_request(db, status=401, client_address="203.0.113.9", user_id=None,
                                        now=T0 + dt.timedelta(minutes=20, seconds=n)) for n in range(5)]
        assert [len(r) for r in again] == [0, 0, 0, 0, 1]


def test_counter_windows_long_over_are_deleted_when_a_new_one_begins(app, db):
    with app.app_context():
        alerts.refused_request(db, status=403, client_address="198.51.100.1", user_id=None, now=T0)
        alerts.refused_request(db, status=403, client_address="198.51.100.2", user_id=None,
                               now=T0 + dt.timedelta(days=1, minutes=10))
    assert list(db.scalars(select(AlertCounter.subject))) == ["address 198.51.100.2"]


@pytest.fixture
def two_instances(backend, tmp_path):
    """Two app instances on one database that commits for real, as two servers behind a balancer."""
    from assessment.app import create_app
    from assessment.models import metadata

    url = own_database_url(backend, tmp_path, "alerts")
    apps = [create_app({"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": "test-secret", "ALERT_REFUSALS": 6})
            for _ in range(2)]
    metadata.create_all(apps[0].extensions["cop.db"].engine)
    yield apps
    for each in apps:
        each.extensions["cop.db"].engine.dispose()


def test_refusals_counted_by_two_app_instances_add_up_to_one_alert(two_instances):
    from core import db as database

    raised = []
    for n in range(6):
        app = two_instances[n % 2]  # the requests alternate between the two instances
        with app.app_context():
            raised += alerts.refused_request(database.session(), status=403, client_address="203.0.113.50",
                                             user_id=None, now=T0 + dt.timedelta(seconds=n))
            database.session().commit()
    assert [a.subject for a in raised] == ["address 203.0.113.50"]
    with two_instances[0].app_context():
        assert database.session().scalar(select(AlertCounter.count)) == 6


def test_webhooks_are_posted_to_a_real_server_and_a_failure_is_kept_for_the_next_try(db, webhook):
    settings = AlertSettings(webhook_url=webhook.url)
    alert = alerts.raise_alert(db, kind=AlertKind.PASSWORD_SPRAYING, subject="address 203.0.113.9",
                               details={"accounts_failed": 12}, now=T0, settings=settings)
    assert alert.channels == "log,webhook"
    webhook.status = 500
    outcome = alerts.send_pending_webhooks(db, now=T0, timeout_s=5)
    assert (outcome.sent, outcome.failed) == (0, 1) and "500" in outcome.errors[0]
    row = db.scalar(select(AlertWebhook))
    assert row.sent_at is None and row.tries == 1 and "500" in row.last_error
    webhook.status = 204
    outcome = alerts.send_pending_webhooks(db, now=T0 + dt.timedelta(minutes=1), timeout_s=5)
    assert (outcome.sent, outcome.failed) == (1, 0)
    assert row.sent_at == T0 + dt.timedelta(minutes=1) and row.last_error == ""
    body = webhook.received[-1]
    assert body["alert_id"] == alert.id and body["kind"] == "password_spraying"
    assert body["subject"] == "address 203.0.113.9" and body["details"] == {"accounts_failed": 12}
    assert webhook.headers[-1]["Content-Type"] == "application/json"
    assert alerts.send_pending_webhooks(db, now=T0, timeout_s=5).sent == 0  # nothing is posted twice


def test_an_unreachable_webhook_is_a_recorded_failure_not_an_error(db):
    settings = AlertSettings(webhook_url="http://127.0.0.1:9/nothing-listens-here")
    alerts.raise_alert(db, kind=AlertKind.TEST, subject="sent by system", details={}, now=T0, settings=settings)
    outcome = alerts.send_pending_webhooks(db, now=T0, timeout_s=2)
    assert outcome.failed == 1 and db.scalar(select(AlertWebhook.tries)) == 1


def test_only_administrators_read_the_alerts_newest_first(db):
    for n in range(3):
        alerts.raise_alert(db, kind=AlertKind.ACCOUNT_LOCKED, subject=f"account p{n}@example.org", details={},
                           now=T0 + dt.timedelta(minutes=n), settings=AlertSettings())
    admin = Actor(user_id=1, label="admin@example.org", roles=frozenset({Role.ADMIN}))
    assert [a.subject for a in alerts.recent(db, actor=admin)] == [f"account p{n}@example.org" for n in (2, 1, 0)]
    with pytest.raises(Forbidden):
        alerts.recent(db, actor=Actor(user_id=2, label="examiner@example.org", roles=frozenset({Role.EXAMINER})))


def test_a_test_alert_needs_an_administrator_and_is_never_held_back(db):
    with pytest.raises(Forbidden):
        alerts.send_test_alert(db, actor=Actor(user_id=2, label="x@example.org", roles=frozenset({Role.CANDIDATE})),
                               now=T0, settings=SETTINGS)
    first = alerts.send_test_alert(db, actor=SYSTEM, now=T0, settings=SETTINGS)
    second = alerts.send_test_alert(db, actor=SYSTEM, now=T0, settings=SETTINGS)
    assert first.id != second.id and len(_mail_to(db, "oncall@example.org")) == 2
