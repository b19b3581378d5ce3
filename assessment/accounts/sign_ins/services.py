"""A person's own sign-ins: list them, and end one or all the others after re-entering their password
(the route asks staff for a code too, through the re-authentication flow). Flushes, never commits."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import audit
from core.errors import FieldProblem, NotFound, ValidationFailed
from core.roles import Actor
from assessment.accounts import policy
from assessment.accounts import services as accounts
from assessment.accounts.credentials.services import notify_sign_in_changed
from assessment.accounts.models import SignIn
from assessment.accounts.passwords import verify_password

NOT_FOUND = "There is no such sign-in."
WRONG_PASSWORD = "Your password is not right"


def active_sign_ins(session: Session, *, actor: Actor, now: dt.datetime) -> list[SignIn]:
    """The person's sign-ins that have not ended and could still be used, newest first."""
    rows = session.scalars(select(SignIn).where(SignIn.user_id == actor.user_id, SignIn.ended_at.is_(None))
                           .order_by(SignIn.started_at.desc(), SignIn.id.desc()))
    return [row for row in rows if policy.sign_in_listed(row.last_seen_at, now)]


def confirm_password(session: Session, *, actor: Actor, password: str, now: dt.datetime,
                     hash_profile: str = "standard", client_address: str | None = None, throttle: bool = True) -> None:
    """The person re-enters their password before ending a sign-in (for people who sign in without a
    second factor; staff re-authenticate with both). A wrong one counts towards the same throttling
    as a wrong password at sign-in, so this is no side door for guessing. Raises ``RateLimited`` or
    ``ValidationFailed``."""
    user = accounts.get_user(session, actor.user_id)
    checked = accounts._throttle(session, email=user.email, user=user, client_address=client_address, now=now,
                                 throttle=throttle)
    if not checked.decision.allowed:
        raise accounts.RateLimited(checked.decision.message)
    if not verify_password(user.password_hash, password, hash_profile):
        accounts._record_failure(session, email=user.email, actor=actor, action="reauth.failed", checked=checked,
                                 client_address=client_address, now=now, throttle=throttle,
                                 after={"password": False, "for": "sign_ins"})
        session.flush()
        raise ValidationFailed("There is a problem", [FieldProblem("password", WRONG_PASSWORD)])
    audit.record(session, actor=actor, action="reauth.succeeded", target_type="user", target_id=user.id,
                 after={"for": "sign_ins"}, now=now, client_address=client_address)
    session.flush()


def own_sign_in(session: Session, *, actor: Actor, sign_in_id: int) -> SignIn:
    """One of the person's own sign-ins; anyone else's (or none) is NotFound, not Forbidden, so
    numbers reveal nothing."""
    row = session.get(SignIn, sign_in_id)
    if row is None or row.user_id != actor.user_id:
        raise NotFound(NOT_FOUND)
    return row


def end_sign_in(session: Session, *, actor: Actor, sign_in_id: int, now: dt.datetime,
                client_address: str | None = None) -> SignIn:
    """End one of the person's own sign-ins: its cookie is refused from the next request on. Someone
    else's (or no such) sign-in is NotFound; one already ended is left as it is, unaudited."""
    row = own_sign_in(session, actor=actor, sign_in_id=sign_in_id)
    if row.ended_at is not None:
        return row
    accounts.end_sign_ins(session, user_id=actor.user_id, now=now, reason="ended_from_list", sign_in_id=row.id)
    session.refresh(row)
    audit.record(session, actor=actor, action="sign_in.ended", target_type="sign_in", target_id=row.id,
                 after={"device": row.device, "ip_address": row.ip_address}, now=now, client_address=client_address)
    user = accounts.get_user(session, actor.user_id)
    notify_sign_in_changed(session, user=user, what=f"You signed out of your account on {row.device}", now=now)
    session.flush()
    return row


def end_other_sign_ins(session: Session, *, actor: Actor, keep_digest: str, now: dt.datetime,
                       client_address: str | None = None) -> int:
    """End every sign-in of the person's but this browser's (``keep_digest``); how many ended."""
    ended = accounts.end_sign_ins(session, user_id=actor.user_id, now=now, reason="ended_from_list",
                                  keep_digest=keep_digest)
    if ended:
        audit.record(session, actor=actor, action="sign_in.others_ended", target_type="user",
                     target_id=actor.user_id, after={"ended": ended}, now=now, client_address=client_address)
        user = accounts.get_user(session, actor.user_id)
        notify_sign_in_changed(session, user=user, what="You signed out of your account on every other device",
                               now=now)
    session.flush()
    return ended
