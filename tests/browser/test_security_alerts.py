"""The administrators' security alerts page in a real browser: reached from the navigation with the
keyboard, alerts newest first in UK time, axe-core clean at 1280 and 320 px wide with no sideways
scroll of the page (the table scrolls in its own region)."""
from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from tests.browser.test_foundation_journeys import sign_in

pytestmark = pytest.mark.browser


def _raise_alerts(live) -> None:
    from core import db
    from core.alerts import services as alerts
    from core.alerts.rules import AlertKind, AlertSettings

    now = dt.datetime.now(dt.timezone.utc)
    with live.app.app_context():
        session = db.session()
        alerts.raise_alert(session, kind=AlertKind.ACCOUNT_LOCKED, subject="account locked.out@example.org",
                           details={"address": "203.0.113.66", "locked_for_s": 900},
                           now=now - dt.timedelta(minutes=10), settings=AlertSettings())
        alerts.raise_alert(session, kind=AlertKind.REFUSAL_BURST, subject="address 203.0.113.66",
                           details={"refused_requests": 30, "last_status": 403, "window_minutes": 5},
                           now=now - dt.timedelta(minutes=5), settings=AlertSettings())
        session.commit()


def test_an_administrator_reads_recent_security_alerts(page, live):
    _raise_alerts(live)
    sign_in(page, "admin@example.org")
    link = page.get_by_role("link", name="Security alerts")
    link.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Security alerts", level=1)).to_be_visible()
    rows = page.get_by_role("region", name="Security alerts").get_by_role("row")
    expect(rows.nth(1)).to_contain_text("A burst of refused requests")  # newest first
    expect(rows.nth(2)).to_contain_text("Account locked after failed sign-ins")
    expect(page.get_by_text("Not set (ALERT_EMAILS)")).to_be_visible()
    page.checked("security-alerts")
    page.set_viewport_size({"width": 320, "height": 900})
    assert page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth") <= 0
    page.checked("security-alerts-320")
