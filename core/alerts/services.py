"""Raising, recording and delivering security alerts. Flushes, never commits: an alert belongs to the
transaction of the fact it tells (a rolled-back sign-in raises nothing), and its mail and webhook wait
in their outboxes until ``cop mail send`` delivers them, so no request ever waits on a mail server or
a webhook."""
from __future__ import annotations

import datetime as dt
import json
import logging
import urllib.error
import urllib.request
from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from core import mail
from core.alerts import rules
from core.alerts.models import AlertCounter, AlertWebhook, SecurityAlert
from core.alerts.rules import AlertKind, AlertSettings
from core.clock import london
from core.db import insert_on_conflict
from core.roles import Actor, Role, require_role



def _logger() -> logging.Logger:
    """The app's logger, where ``Access refused`` lines go too, so one log shipping rule sees both."""
    from flask import current_app, has_app_context

    return current_app.logger if has_app_context() else logging.getLogger("cop.security")


SUBJECT_MAX = 400
RECENT_LIMIT = 200
# Counters of windows that ended this long ago are deleted when a new window begins.
COUNTER_KEEP = dt.timedelta(days=1)


def current_settings() -> AlertSettings:
    """The app's settings (checked when the app was configured), or none at all outside an app: then
    an alert is only logged. Read here rather than passed in, because alerts are heard deep inside
    services (sign-in, the audit log) whose every caller would otherwise carry the settings."""
    from flask import current_app, has_app_context

    if has_app_context():
        return AlertSettings.from_config(current_app.config)
    return AlertSettings()


def _json(details: dict) -> str:
    return json.dumps(details, sort_keys=True, default=str)


def raise_alert(session: Session, *, kind: AlertKind, subject: str, details: dict, now: dt.datetime,
                settings: AlertSettings | None = None) -> SecurityAlert | None:
    """Record and send one alert, unless its kind is silenced or it repeats an alert of the same kind
    about the same subject sent less than ``repeat_after`` ago (then None). Always a WARNING log line
    starting ``Security alert:``; mail to ``ALERT_EMAILS`` and a webhook when configured and the
    hourly limit allows. Flushes."""
    settings = settings or current_settings()
    if kind in settings.silenced:
        return None
    subject = subject[:SUBJECT_MAX]
    last = session.scalar(select(func.max(SecurityAlert.raised_at)).where(
        SecurityAlert.kind == kind.value, SecurityAlert.subject == subject))
    if kind != AlertKind.TEST and rules.is_repeat(last, now, settings):
        return None
    sent_last_hour = session.scalar(select(func.count()).select_from(SecurityAlert).where(
        SecurityAlert.raised_at > now - dt.timedelta(hours=1), SecurityAlert.channels != "log")) or 0
    limited = bool(settings.emails or settings.webhook_url) and rules.over_hourly_limit(sent_last_hour, settings)
    where = rules.channels(settings, limited=limited)
    alert = SecurityAlert(raised_at=now, kind=kind.value, subject=subject, details=_json(details),
                          channels=",".join(where))
    session.add(alert)
    session.flush()
    _logger().warning("%s %s (%s) about %s: %s%s", rules.LOG_PREFIX, kind.value, kind.title, subject, alert.details,
                   " (not mailed: hourly limit reached)" if limited else "")
    lines = rules.message_lines(kind, subject, details, london(now))
    if "email" in where:
        body = ("The Certificate of Proficiency service noticed something that may be an attack.\n\n"
                + "\n".join(lines)
                + f"\n\nAlert number {alert.id}. Recent alerts are listed on the administrators' "
                  "Security alerts page. Alerts of this kind about this subject are not sent again for "
                  f"{int(settings.repeat_after.total_seconds() // 60)} minutes.\n")
        for address in settings.emails:
            mail.queue(session, to=address, subject=f"Security alert: {kind.title}", body=body, now=now)
    if "webhook" in where:
        payload = {"alert_id": alert.id, "kind": kind.value, "title": kind.title, "subject": subject,
                   "details": details, "raised_at": now.astimezone(dt.timezone.utc).isoformat(),
                   "text": " ".join(lines)}
        session.add(AlertWebhook(alert_id=alert.id, url=settings.webhook_url, payload=_json(payload),
                                 created_at=now, tries=0, last_error=""))
        session.flush()
    return alert


# --- detectors ---------------------------------------------------------------------------------------

def heard_audit(session: Session, *, action: str, target_type: str, target_id: str | None,
                client_address: str | None, after, now: dt.datetime) -> None:
    """Called by ``core.audit.record`` for every entry: the few actions that are alerts raise one;
    for every other action this is one dictionary look-up."""
    kind = rules.AUDIT_ACTIONS.get(action)
    if kind is None:
        return
    details: dict = {"address": client_address or "unknown"}
    if isinstance(after, dict):
        details.update({k: v for k, v in after.items() if isinstance(v, (int, float, str, bool))})
    raise_alert(session, kind=kind, subject=f"{target_type} {target_id}", details=details, now=now)


def failed_sign_in_from(session: Session, *, client_address: str | None, distinct_accounts: int,
                        now: dt.datetime) -> SecurityAlert | None:
    """After a failed sign-in: ``distinct_accounts`` is how many different accounts have failed from
    that address inside the spraying window (``spray_window``, which the caller counted over)."""
    settings = current_settings()
    if not client_address or not rules.is_spraying(distinct_accounts, settings):
        return None
    return raise_alert(session, kind=AlertKind.PASSWORD_SPRAYING, subject=f"address {client_address}",
                       details={"accounts_failed": distinct_accounts,
                                "window_minutes": int(settings.spray_window.total_seconds() // 60)},
                       now=now, settings=settings)


def _count(session: Session, *, kind: str, subject: str, window_start: dt.datetime, now: dt.datetime) -> int:
    """Add one to a counter and read it back in one statement (an upsert), so that two processes
    counting at once both count."""
    table = AlertCounter.__table__
    statement = insert_on_conflict(session, table).values(kind=kind, subject=subject, window_start=window_start,
                                                          count=1)
    statement = statement.on_conflict_do_update(index_elements=["kind", "subject", "window_start"],
                                                set_={"count": table.c.count + 1}).returning(table.c.count)
    count = session.execute(statement).scalar_one()
    if count == 1:  # a new window: forget windows long over
        session.execute(delete(AlertCounter).where(AlertCounter.window_start < now - COUNTER_KEEP))
    return count


def refused_request(session: Session, *, status: int, client_address: str | None, user_id: int | None,
                    now: dt.datetime) -> list[SecurityAlert]:
    """A request was refused (401, 403, or 400 for a failed CSRF check): count it against its address
    and, when signed in, its account; a count reaching ``refusals`` in one window raises an alert.
    Flushes; the caller commits (its request's own writes rolled back first)."""
    settings = current_settings()
    start = rules.window_start(now, settings.refusals_window)
    raised = []
    for subject in ([f"address {client_address}"] if client_address else []) + \
                   ([f"user {user_id}"] if user_id is not None else []):
        count = _count(session, kind=AlertKind.REFUSAL_BURST.value, subject=subject, window_start=start, now=now)
        if rules.crosses_threshold(count, settings.refusals):
            alert = raise_alert(session, kind=AlertKind.REFUSAL_BURST, subject=subject, now=now, settings=settings,
                                details={"refused_requests": count, "last_status": status,
                                         "window_minutes": int(settings.refusals_window.total_seconds() // 60),
                                         "window_started": london(start)})
            if alert is not None:
                raised.append(alert)
    return raised


def send_test_alert(session: Session, *, actor: Actor, now: dt.datetime,
                    settings: AlertSettings | None = None) -> SecurityAlert:
    """An operator checks the wiring: a test alert through every configured channel, never held back
    as a repeat."""
    require_role(actor, Role.ADMIN)
    alert = raise_alert(session, kind=AlertKind.TEST, subject=f"sent by {actor.label}", now=now, settings=settings,
                        details={"note": "a test of the alert channels; nothing happened"})
    assert alert is not None  # a test alert is never silenced or a repeat
    return alert


# --- reading and delivering ----------------------------------------------------------------------------

def recent(session: Session, *, actor: Actor, limit: int = RECENT_LIMIT) -> list[SecurityAlert]:
    require_role(actor, Role.ADMIN)
    return list(session.scalars(select(SecurityAlert).order_by(SecurityAlert.id.desc()).limit(limit)))


@dataclass(frozen=True)
class WebhookDelivery:
    sent: int
    failed: int
    errors: list[str]


def post_json(url: str, payload: str, timeout_s: float) -> None:
    request = urllib.request.Request(url, data=payload.encode("utf-8"), method="POST",
                                     headers={"Content-Type": "application/json",
                                              "User-Agent": "cop-security-alerts"})
    with urllib.request.urlopen(request, timeout=timeout_s) as answer:  # noqa: S310 - the operator's own URL
        if not 200 <= answer.status < 300:
            raise OSError(f"the webhook answered {answer.status}")


def send_pending_webhooks(session: Session, *, now: dt.datetime, timeout_s: float = 5.0,
                          retry_failed: bool = False) -> WebhookDelivery:
    """POST every queued webhook (a short timeout each); a failure is kept on its row and tried again
    next time, up to the mail's ``MAX_TRIES`` unless ``retry_failed``. Flushes."""
    query = select(AlertWebhook).where(AlertWebhook.sent_at.is_(None)).order_by(AlertWebhook.id)
    if not retry_failed:
        query = query.where(AlertWebhook.tries < mail.MAX_TRIES)
    sent, errors = 0, []
    for row in session.scalars(query).all():
        row.tries += 1
        try:
            post_json(row.url, row.payload, timeout_s)
        except (OSError, urllib.error.URLError, ValueError) as error:
            row.last_error = f"{type(error).__name__}: {error}"[:2000]
            errors.append(f"webhook {row.id} for alert {row.alert_id}: {row.last_error}")
        else:
            row.sent_at, row.last_error = now, ""
            sent += 1
        session.flush()
    return WebhookDelivery(sent, len(errors), errors)
