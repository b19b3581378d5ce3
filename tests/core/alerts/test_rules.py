"""The pure rules of security alerts: settings from configuration, thresholds, windows and the
throttle of repeats. No database, no app."""
from __future__ import annotations

import datetime as dt

import pytest

from core.alerts import rules
from core.alerts.rules import AlertKind, AlertSettings

T0 = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.timezone.utc)


def test_the_defaults_send_nowhere_but_the_log():
    settings = AlertSettings.from_config({})
    assert settings == AlertSettings()
    assert rules.channels(settings, limited=False) == ("log",)
    assert settings.refusals == 30 and settings.refusals_window == dt.timedelta(minutes=5)
    assert settings.repeat_after == dt.timedelta(minutes=15)


def test_settings_read_addresses_a_webhook_numbers_and_silenced_kinds():
    settings = AlertSettings.from_config({
        "ALERT_EMAILS": " security@example.org, oncall@example.org ,", "ALERT_WEBHOOK_URL": "https://hooks.example.org/x",
        "ALERT_REPEAT_MINUTES": 30, "ALERT_SPRAY_ACCOUNTS": 4, "ALERT_REFUSALS": 12,
        "ALERT_REFUSALS_WINDOW_MINUTES": 2, "ALERT_SILENCED": "recovery_code_used"})
    assert settings.emails == ("security@example.org", "oncall@example.org")
    assert settings.webhook_url == "https://hooks.example.org/x"
    assert settings.repeat_after == dt.timedelta(minutes=30)
    assert (settings.spray_accounts, settings.refusals) == (4, 12)
    assert settings.refusals_window == dt.timedelta(minutes=2)
    assert settings.silenced == {AlertKind.RECOVERY_CODE_USED}
    assert rules.channels(settings, limited=False) == ("log", "email", "webhook")
    assert rules.channels(settings, limited=True) == ("log",)


@pytest.mark.parametrize("config, named", [
    ({"ALERT_EMAILS": "security@example.org; other@example.org"}, "ALERT_EMAILS"),
    ({"ALERT_EMAILS": "nobody"}, "ALERT_EMAILS"),
    ({"ALERT_WEBHOOK_URL": "ftp://hooks.example.org"}, "ALERT_WEBHOOK_URL"),
    ({"ALERT_WEBHOOK_URL": "javascript:alert(1)"}, "ALERT_WEBHOOK_URL"),
    ({"ALERT_REFUSALS": 1}, "ALERT_REFUSALS"),
    ({"ALERT_REFUSALS": True}, "ALERT_REFUSALS"),
    ({"ALERT_REPEAT_MINUTES": 0}, "ALERT_REPEAT_MINUTES"),
    ({"ALERT_SPRAY_ACCOUNTS": "ten"}, "ALERT_SPRAY_ACCOUNTS"),
    ({"ALERT_SILENCED": "account_locked,nonsense"}, "ALERT_SILENCED"),
])
def test_nonsense_settings_are_refused_naming_the_setting(config, named):
    with pytest.raises(ValueError, match=named):
        AlertSettings.from_config(config)


def test_spraying_starts_at_the_configured_number_of_accounts():
    settings = AlertSettings(spray_accounts=5)
    assert not rules.is_spraying(4, settings)
    assert rules.is_spraying(5, settings) and rules.is_spraying(9, settings)


def test_a_counting_window_is_the_same_for_every_process_and_starts_on_the_clock():
    window = dt.timedelta(minutes=5)
    assert rules.window_start(T0 + dt.timedelta(minutes=4, seconds=59), window) == T0
    assert rules.window_start(T0 + dt.timedelta(minutes=5), window) == T0 + window
    assert rules.window_start(T0 + dt.timedelta(minutes=7), window) == T0 + window


def test_a_threshold_is_crossed_once_per_window():
    assert [rules.crosses_threshold(n, 3) for n in range(1, 6)] == [False, False, True, False, False]


def test_a_repeat_inside_the_quiet_period_is_held_back():
    settings = AlertSettings(repeat_after=dt.timedelta(minutes=15))
    assert not rules.is_repeat(None, T0, settings)
    assert rules.is_repeat(T0, T0 + dt.timedelta(minutes=14, seconds=59), settings)
    assert not rules.is_repeat(T0, T0 + dt.timedelta(minutes=15), settings)


def test_the_hourly_limit_holds_back_mail_past_the_maximum():
    settings = AlertSettings(max_sent_per_hour=3)
    assert not rules.over_hourly_limit(2, settings)
    assert rules.over_hourly_limit(3, settings)


def test_only_the_listed_audit_actions_are_alerts():
    assert rules.AUDIT_ACTIONS["account.locked"] == AlertKind.ACCOUNT_LOCKED
    assert rules.AUDIT_ACTIONS["two_factor.reset"] == AlertKind.SECOND_FACTOR_RESET
    assert "login.failed" not in rules.AUDIT_ACTIONS and "login.succeeded" not in rules.AUDIT_ACTIONS


def test_an_alert_reads_as_sentences_with_its_numbers():
    lines = rules.message_lines(AlertKind.REFUSAL_BURST, "address 203.0.113.9", {"refused_requests": 30},
                                "23 November 2026, 10:00")
    assert lines == ["A burst of refused requests.", "Subject: address 203.0.113.9",
                     "When: 23 November 2026, 10:00 (UK time)", "Refused requests: 30"]
    assert all(kind.title for kind in AlertKind)


def test_details_read_as_words_with_units_spelt_out():
    from core.alerts.rules import detail_lines

    assert detail_lines({"window_minutes": 5, "locked_for_s": 900, "last_status": 403}) == [
        "Last status: 403", "Locked for (seconds): 900", "Window (minutes): 5"]
