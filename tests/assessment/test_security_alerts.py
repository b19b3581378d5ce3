"""Security alerts end to end (ASVS V11.1.8), through the app as an attacker meets it: wrong passwords
lock an account and the alert lands in the mail outbox and, after ``cop mail send``, at a real webhook
server on 127.0.0.1; password spraying across accounts from one address; throttling; bursts of refused
requests (403, 401 and failed CSRF checks); a recovery code used; ``cop alerts test``; the
administrators' page; and the settings refused when they make no sense."""
from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import select

from assessment.accounts import policy, two_factor_services
from assessment.config import ConfigError, load_config
from core import mail
from core.alerts.models import SecurityAlert
from core.roles import SYSTEM, Role
from tests.core.alerts.webhook import webhook  # noqa: F401 - a fixture

ATTACKER = "203.0.113.66"
SECURITY = "security@example.org"


@pytest.fixture
def app(database_url, webhook, tmp_path):  # noqa: F811 - the webhook fixture
    from assessment.app import create_app

    app = create_app({"TESTING": True, "DATABASE_URL": database_url, "WTF_CSRF_ENABLED": False,
                      "PASSWORD_HASH_PROFILE": "fast", "SECRET_KEY": "test-secret",
                      "ALERT_EMAILS": f"{SECURITY}, oncall@example.org", "ALERT_WEBHOOK_URL": webhook.url,
                      "ALERT_REFUSALS": 6, "ALERT_SPRAY_ACCOUNTS": 5, "MAIL_FOLDER": str(tmp_path / "mail")})
    yield app
    app.extensions["cop.db"].engine.dispose()


def _alerts(db, kind: str | None = None) -> list[SecurityAlert]:
    query = select(SecurityAlert).order_by(SecurityAlert.id)
    return list(db.scalars(query.where(SecurityAlert.kind == kind) if kind else query))


def _alert_mail(db) -> list[mail.MailMessage]:
    return list(db.scalars(select(mail.MailMessage).where(mail.MailMessage.to_address == SECURITY)
                           .order_by(mail.MailMessage.id)))


def _wrong_password(client, email, n):
    return client.post("/login", data={"email": email, "password": f"wrong guess {n}"},
                       environ_overrides={"REMOTE_ADDR": ATTACKER})


def test_wrong_passwords_lock_an_account_and_the_alert_reaches_the_outbox_and_the_webhook(
        client, db, make_user, clock, runner, webhook, caplog):  # noqa: F811
    person = make_user()
    with caplog.at_level("WARNING"):
        for n in range(policy.LOCK_AFTER):
            assert _wrong_password(client, person.email, n).status_code == 401
            clock.advance(minutes=1, seconds=30)  # past each growing delay, so that every failure counts
    [locked] = _alerts(db, "account_locked")
    assert locked.subject == f"account {person.email}" and locked.channels == "log,email,webhook"
    assert json.loads(locked.details) == {"address": ATTACKER, "locked_for_s": int(policy.LOCK_FOR.total_seconds())}
    assert any(r.levelname == "WARNING" and r.getMessage().startswith("Security alert: account_locked")
               for r in caplog.records)
    [message] = _alert_mail(db)
    assert message.subject == "Security alert: Account locked after failed sign-ins"
    assert person.email in message.body and ATTACKER in message.body
    assert webhook.received == []  # nothing leaves during the request: the outboxes wait for the sender

    # Trying on while locked is refused by the throttle: one more alert, and no more however often.
    for n in range(3):
        assert _wrong_password(client, person.email, 100 + n).status_code == 429
    assert [a.subject for a in _alerts(db, "sign_in_throttled")] == [f"account {person.email}"]

    result = runner.invoke(args=["mail", "send"])
    assert result.exit_code == 0, result.output
    assert "Posted 2 security alert webhooks." in result.output
    assert [body["kind"] for body in webhook.received] == ["account_locked", "sign_in_throttled"]
    assert webhook.received[0]["subject"] == f"account {person.email}"
    assert webhook.received[0]["details"]["address"] == ATTACKER
    db.expire_all()  # the command marked the rows sent through the app's own session
    assert all(m.sent_at is not None for m in _alert_mail(db))


def test_password_spraying_from_one_address_raises_one_alert(client, db, clock):
    for n in range(8):  # one wrong password each for many accounts (known or not): no account is locked
        _wrong_password(client, f"target{n}@example.org", n)
        clock.advance(seconds=10)
    [spraying] = _alerts(db, "password_spraying")
    assert spraying.subject == f"address {ATTACKER}"
    assert json.loads(spraying.details) == {"accounts_failed": 5, "window_minutes": 15}
    assert _alerts(db, "account_locked") == []


def test_a_burst_of_refused_requests_from_one_account_and_address_raises_an_alert(client, db, login_as, clock):
    candidate = login_as(Role.CANDIDATE)
    for _ in range(10):
        assert client.get("/admin/audit", environ_overrides={"REMOTE_ADDR": ATTACKER}).status_code == 403
    burst = _alerts(db, "refusal_burst")
    assert sorted(a.subject for a in burst) == sorted([f"address {ATTACKER}", f"user {candidate.id}"])
    assert json.loads(burst[0].details)["refused_requests"] == 6
    assert len(_alert_mail(db)) == 2


def test_unauthenticated_api_calls_and_failed_csrf_checks_count_as_refusals(app, client, db, clock):
    for _ in range(3):
        assert client.get("/api/v1/attempts/1/state", environ_overrides={"REMOTE_ADDR": ATTACKER}) \
            .status_code == 401
    app.config["WTF_CSRF_ENABLED"] = True
    for _ in range(3):
        assert client.post("/login", data={"email": "x@example.org", "password": "y"},
                           environ_overrides={"REMOTE_ADDR": ATTACKER}).status_code == 400
    [burst] = _alerts(db, "refusal_burst")
    assert burst.subject == f"address {ATTACKER}"
    assert json.loads(burst.details)["last_status"] == 400


def test_one_refusal_is_counted_in_the_database_but_raises_no_alert(client, db, login_as):
    from core.alerts.models import AlertCounter

    candidate = login_as(Role.CANDIDATE)
    client.get("/admin/audit", environ_overrides={"REMOTE_ADDR": ATTACKER})
    counts = dict(db.execute(select(AlertCounter.subject, AlertCounter.count)).all())
    assert counts == {f"address {ATTACKER}": 1, f"user {candidate.id}": 1}
    assert _alerts(db) == []


def test_a_recovery_code_used_to_sign_in_is_an_alert(app, db, make_user):
    staff = make_user(Role.EXAMINER)
    with app.app_context():
        codes = two_factor_services.enrol_with_secret(db, actor=SYSTEM, user_id=staff.id,
                                                      secret="JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP",
                                                      now=dt.datetime.now(dt.timezone.utc), secret_key="test-secret")
        result = two_factor_services.complete_sign_in(db, user=staff, code=codes[0],
                                                      now=dt.datetime.now(dt.timezone.utc), secret_key="test-secret",
                                                      client_address="192.0.2.10")
    assert result.sign_in.ok
    [used] = _alerts(db, "recovery_code_used")
    assert used.subject == f"user {staff.id}"
    assert json.loads(used.details)["address"] == "192.0.2.10"


def test_cop_alerts_test_sends_through_every_channel_at_once(runner, db, webhook, tmp_path):  # noqa: F811
    result = runner.invoke(args=["alerts", "test"])
    assert result.exit_code == 0, result.output
    assert f"mailed to {SECURITY}, oncall@example.org" in result.output
    assert "Sent 2 messages" in result.output and "Posted 1 security alert webhook." in result.output
    [test_alert] = _alerts(db, "test")
    assert test_alert.subject == "sent by system"
    assert webhook.received[0]["kind"] == "test"
    written = sorted((tmp_path / "mail").glob("*.eml"))
    assert len(written) == 2 and b"Security alert: Test alert" in written[0].read_bytes()


def test_the_administrators_page_lists_alerts_newest_first_in_uk_time(client, db, login_as, clock):
    from core.alerts import services as alerts
    from core.alerts.rules import AlertKind, AlertSettings

    summer = dt.datetime(2026, 7, 1, 11, 30, tzinfo=dt.timezone.utc)
    alerts.raise_alert(db, kind=AlertKind.ACCOUNT_LOCKED, subject="account first@example.org", details={},
                       now=summer, settings=AlertSettings())
    alerts.raise_alert(db, kind=AlertKind.PASSWORD_SPRAYING, subject=f"address {ATTACKER}",
                       details={"accounts_failed": 11}, now=summer + dt.timedelta(minutes=5), settings=AlertSettings())
    login_as(Role.ADMIN)
    page = client.get("/admin/security-alerts").get_data(as_text=True)
    assert page.index(f"address {ATTACKER}") < page.index("account first@example.org")
    assert "1 July 2026, 12:35" in page and "1 July 2026, 12:30" in page  # British Summer Time
    assert "Failed sign-ins to many accounts from one address" in page and "Accounts failed: 11" in page
    assert SECURITY in page and "Security alerts</a>" in page  # the settings, and the navigation link


@pytest.mark.parametrize("environ, named", [
    ({"COP_ALERT_EMAILS": "security@example.org other@example.org"}, "ALERT_EMAILS"),
    ({"COP_ALERT_WEBHOOK_URL": "file:///etc/passwd"}, "ALERT_WEBHOOK_URL"),
    ({"COP_ALERT_REFUSALS": "0"}, "ALERT_REFUSALS"),
    ({"COP_ALERT_SILENCED": "everything"}, "ALERT_SILENCED"),
])
def test_settings_that_make_no_sense_stop_the_app_from_starting(tmp_path, environ, named):
    with pytest.raises(ConfigError, match=named):
        load_config(tmp_path, environ={"COP_SECRET_KEY": "k", **environ})
