"""What a sign-in is, and how long it lasts, checked on every request.

Flask's session is a signed cookie held by the browser. Three things live on the server:

* one row per sign-in in ``sign_ins`` (accounts/models.py ``SignIn``): every sign-in (a password, or
  a password and a code for staff) makes one, and puts a random token in the cookie
  (``core.web.SIGN_IN_KEY``); the row keeps only the token's SHA-256. Every request that relies on the
  cookie checks that row has not ended: the user loader in ``assessment/app.py`` and, for the autosave
  fast path, the same EXISTS as the rest of its claim (``accounts.services.CLAIM_HOLDS``). Signing
  out ends this browser's row; the list at ``/account/sessions`` (accounts/sign_ins) ends any other.
  A signed-in cookie with no token was issued before sign-ins were recorded: it is treated as ended,
  and its holder signs in again (once, after the upgrade that added the table).
* the account's ``session_version`` (in the database, part of the id in the cookie): a password change
  or reset, losing a role, a reset of two-factor sign-in and erasure bump it, so every cookie issued
  before stops working at once; they end every sign-in row too, so the list stays truthful.
* the time limits: the cookie records when the person signed in and when they were last seen.
  The cookie is signed, so a browser cannot move those times; a replayed old cookie carries its old
  times and is refused once they are too old (policy.py has the limits). A session that lapses ends
  its row. The row's own last-seen time (for the list) is written at most every
  ``policy.SIGN_IN_SEEN_EVERY``, so that thousands of autosaving candidates do not each write a row
  a minute.

A candidate is never signed out mid-exam: the composition root passes ``attempt_deadlines``, the
deadlines of the person's attempts, and each keeps the session until an hour after it.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

from flask import Flask, flash, jsonify, redirect, request, session, url_for
from flask_login import logout_user, user_logged_in, user_logged_out

from core import db
from core.clock import utcnow
from core.web import SIGN_IN_KEY, client_address, is_api_request, sign_in_digest, signed_in_claim
from assessment.accounts import policy, services

SIGNED_IN_AT = "_cop_signed_in_at"
LAST_SEEN_AT = "_cop_last_seen_at"
# When this browser last moved its sign-in row's last-seen time on (the row is written far less often).
ROW_SEEN_AT = "_cop_sign_in_seen_at"
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
    session[SIGNED_IN_AT] = session[LAST_SEEN_AT] = session[ROW_SEEN_AT] = _stamp(now)


def _on_login(_app, user=None, **_extra) -> None:
    """Every ``login_user`` (password sign-in, the end of a two-factor sign-in, a new account, a
    password change carrying this browser on) comes here, so no sign-in can be made without its row.
    This commits the row, since the cookie about to be sent names it, and with it whatever the view
    has not committed yet (the password sign-in's attempt and audit entry: one transaction)."""
    now = utcnow()
    _end_this_browsers("replaced", now)  # signing in again over a sign-in: the old one is done
    session[SIGN_IN_KEY] = services.start_sign_in(db.session(), user_id=user.id,
                                                  user_agent=request.headers.get("User-Agent"),
                                                  client_address=client_address(), now=now)
    db.session().commit()
    start(now)


def _on_logout(_app, user=None, **_extra) -> None:
    """Every ``logout_user`` ends this browser's sign-in row, whoever calls it."""
    _end_this_browsers("signed_out", utcnow())
    forget()


def _end_this_browsers(reason: str, now: dt.datetime) -> None:
    token = session.get(SIGN_IN_KEY)
    if isinstance(token, str) and token:
        services.end_sign_in_with_digest(db.session(), digest=sign_in_digest(token), now=now, reason=reason)
        db.session().commit()


def end_here(reason: str) -> None:
    """End this browser's sign-in row, with ``reason``, and forget it; the caller then signs out."""
    _end_this_browsers(reason, utcnow())
    forget()


def forget() -> None:
    for key in (SIGN_IN_KEY, SIGNED_IN_AT, LAST_SEEN_AT, ROW_SEEN_AT):
        session.pop(key, None)


def _note_seen(claim, now: dt.datetime) -> None:
    """Move the row's last-seen time on, at most every ``policy.SIGN_IN_SEEN_EVERY``: the cookie says
    when this browser last did, so only that rare request writes (and commits, before the request's
    own work begins)."""
    seen = session.get(ROW_SEEN_AT)
    if claim[2] is None or (isinstance(seen, int) and _stamp(now) - seen < policy.SIGN_IN_SEEN_EVERY.total_seconds()):
        return
    services.note_sign_in_seen(db.session(), digest=claim[2], now=now)
    db.session().commit()
    session[ROW_SEEN_AT] = _stamp(now)


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
        end_here("timed_out")
        logout_user()
        if is_api_request():
            return jsonify({"error": ENDED_MESSAGE}), 401
        flash(ENDED_MESSAGE, "info")
        return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))
    if _stamp(now) - session[LAST_SEEN_AT] >= SEEN_GRANULARITY_S:
        session[LAST_SEEN_AT] = _stamp(now)
        # Piggy-backs on the cookie's once-a-minute stamp, with the row's far coarser interval.
        _note_seen(claim, now)
    return None


def init_app(app: Flask, attempt_deadlines: AttemptDeadlines) -> None:
    user_logged_in.connect(_on_login, app)
    user_logged_out.connect(_on_logout, app)
    app.before_request(lambda: _check(attempt_deadlines))
