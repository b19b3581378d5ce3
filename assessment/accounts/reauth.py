"""The web side of two-factor sign-in: the half-finished sign-in and the re-authentication time,
both in the Flask session, and the guard that sensitive actions put on their POST.

* A half-finished sign-in (password accepted, code not yet) lives under ``PENDING_KEY``: who, which
  session version, when, and where to go afterwards. It is not a signed-in session — Flask-Login's
  ``_user_id`` is only written once the second factor passes — and it lapses after
  ``two_factor.PENDING_SIGN_IN_FOR``.
* A re-authentication (password and a current code, or a whole sign-in with both) is remembered
  under ``REAUTH_KEY`` with the person's id and the time; it covers sensitive actions for
  ``two_factor.REAUTH_FRESH_FOR``.

Upper layers import :func:`fresh_reauthentication_required` and put it under ``roles_required``:
GET shows the page as before, and a POST without a fresh re-authentication is sent to
``/reauthenticate`` (a JSON request gets 401 with a message). The services behind those actions do
not change: the route decides freshness.
"""
from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from dataclasses import dataclass

from flask import flash, jsonify, redirect, request, session, url_for
from flask_login import current_user

from core.clock import utcnow
from core.web import is_api_request
from assessment.accounts import two_factor

PENDING_KEY = "_cop_2fa_pending"
REAUTH_KEY = "_cop_reauth"
REAUTH_MESSAGE = "For your security, confirm your password and a code from your authenticator app to do this."
# What the tests' ``login_as`` stamps: the last second of 9999. Only the server writes the (signed) session,
# and it writes the time of the re-authentication, so a stamp after now appears only from tests.
ALWAYS_FRESH_STAMP = 253402300799
JSON_MESSAGE = ("This action needs a recent re-authentication: confirm your password and a code from your "
                "authenticator app at /reauthenticate, then try again.")


def _stamp(now: dt.datetime) -> int:
    return int(now.timestamp())


def _instant(stamp: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(stamp, dt.timezone.utc)


@dataclass(frozen=True)
class PendingSignIn:
    user_id: int
    session_version: int
    started_at: dt.datetime
    next: str


def start_pending(user_id: int, session_version: int, next_url: str, now: dt.datetime) -> None:
    session[PENDING_KEY] = {"user_id": user_id, "version": session_version, "at": _stamp(now), "next": next_url}


def read_pending(now: dt.datetime) -> PendingSignIn | None:
    """The half-finished sign-in, if there is one still in time (an expired one is dropped)."""
    value = session.get(PENDING_KEY)
    if not isinstance(value, dict):
        return None
    try:
        pending = PendingSignIn(int(value["user_id"]), int(value["version"]), _instant(int(value["at"])),
                                str(value.get("next") or ""))
    except (KeyError, TypeError, ValueError):
        session.pop(PENDING_KEY, None)
        return None
    if not two_factor.pending_sign_in_current(pending.started_at, now):
        session.pop(PENDING_KEY, None)
        return None
    return pending


def clear_pending() -> None:
    session.pop(PENDING_KEY, None)


def mark_reauthenticated(user_id: int, now: dt.datetime) -> None:
    session[REAUTH_KEY] = {"user_id": user_id, "at": _stamp(now)}


def forget_reauthentication() -> None:
    session.pop(REAUTH_KEY, None)


def is_fresh(user_id: int | None, now: dt.datetime) -> bool:
    value = session.get(REAUTH_KEY)
    if user_id is None or not isinstance(value, dict) or value.get("user_id") != user_id \
            or not isinstance(value.get("at"), int):
        return False
    return two_factor.reauthentication_fresh(_instant(value["at"]), now)


def fresh_reauthentication_required(back: Callable[..., str] | None = None, when: Callable[[], bool] | None = None):
    """Guard for a sensitive action: its POST needs a re-authentication within the last
    ``REAUTH_FRESH_FOR``. ``back(**view_args)`` gives the page to return to afterwards (the GET of
    the same address when not given); ``when()``, if given, narrows the guard to the POSTs that do
    the sensitive thing (e.g. a form whose chosen action is "void")."""

    def decorate(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            if request.method in ("GET", "HEAD", "OPTIONS") or (when is not None and not when()) \
                    or is_fresh(getattr(current_user, "id", None), utcnow()):
                return view(*args, **kwargs)
            if is_api_request() or request.is_json:
                return jsonify({"error": JSON_MESSAGE, "reauthenticate": url_for("accounts.reauthenticate")}), 401
            target = back(**kwargs) if back is not None else request.path
            flash(REAUTH_MESSAGE, "info")
            return redirect(url_for("accounts.reauthenticate", next=target))

        wrapper.needs_reauthentication = True
        return wrapper

    return decorate
