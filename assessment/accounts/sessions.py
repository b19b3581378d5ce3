"""How long a sign-in lasts, checked on every request.

Flask's session is a signed cookie held by the browser, so two things live on the server:

* the account's ``session_version`` (in the database, part of the id in the cookie): signing out,
  a password reset and losing a role bump it, so every cookie issued before stops working, on every
  app instance at once (no per-process state);
* the time limits: the cookie records when the person signed in and when they were last seen.
  The cookie is signed, so a browser cannot move those times; a replayed old cookie carries its old
  times and is refused once they are too old (policy.py has the limits).

A candidate is never signed out mid-exam: the composition root passes ``attempt_deadlines``, the
deadlines of the person's attempts, and each keeps the session until an hour after it.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

from flask import Flask, flash, jsonify, redirect, request, session, url_for
from flask_login import logout_user, user_logged_in

from core import db
from core.clock import utcnow
from core.web import is_api_request, signed_in_claim
from assessment.accounts import policy

SIGNED_IN_AT = "_cop_signed_in_at"
LAST_SEEN_AT = "_cop_last_seen_at"
# Writing the cookie on every request would only add traffic; a minute is fine against 30.
SEEN_GRANULARITY_S = 60
ENDED_MESSAGE = "Your session has ended because it was idle or long. Sign in again to continue."

AttemptDeadlines = Callable[[object, int, dt.datetime], Sequence[dt.datetime]]


def _stamp(now: dt.datetime) -> int:
    return int(now.timestamp())


def _instant(stamp: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(stamp, dt.timezone.utc)


def start(now: dt.datetime) -> None:
    """A sign-in: the limits count from now."""
    session[SIGNED_IN_AT] = session[LAST_SEEN_AT] = _stamp(now)


def _on_login(_app, user=None, **_extra) -> None:
    start(utcnow())


def _check(attempt_deadlines: AttemptDeadlines):
    # The cookie's claim, not ``current_user``: loading the person here would cost every autosave a
    # query. A stale claim is refused later by whatever loads or confirms the person.
    claim = signed_in_claim()
    if request.endpoint == "static" or claim is None:
        return None
    now = utcnow()
    if not isinstance(session.get(SIGNED_IN_AT), int) or not isinstance(session.get(LAST_SEEN_AT), int):
        # Only this server can write the cookie, so a signed-in cookie without the times predates
        # them: count from now.
        start(now)
        return None
    times = policy.SessionTimes(_instant(session[SIGNED_IN_AT]), _instant(session[LAST_SEEN_AT]))
    if policy.session_lapsed(times, now) and \
            not policy.exam_keeps_session(attempt_deadlines(db.session(), claim[0], now), now):
        logout_user()
        session.pop(SIGNED_IN_AT, None)
        session.pop(LAST_SEEN_AT, None)
        if is_api_request():
            return jsonify({"error": ENDED_MESSAGE}), 401
        flash(ENDED_MESSAGE, "info")
        return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))
    if _stamp(now) - session[LAST_SEEN_AT] >= SEEN_GRANULARITY_S:
        session[LAST_SEEN_AT] = _stamp(now)
    return None


def init_app(app: Flask, attempt_deadlines: AttemptDeadlines) -> None:
    user_logged_in.connect(_on_login, app)
    app.before_request(lambda: _check(attempt_deadlines))
