"""A signed-in person changing their own password, and the notice sent whenever a way of signing in
changes (ASVS V2.1.5–6, V2.2.3, V2.5.5, V3.3.3). Flushes, never commits."""
from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from core import audit, mail
from core.clock import london
from core.errors import FieldProblem, Problems, ValidationFailed
from core.roles import Actor
from assessment.accounts import services as accounts
from assessment.accounts.models import User
from assessment.accounts.passwords import hash_password, password_problems

NOTICE_SUBJECT = "Your Certificate of Proficiency account: {what}"
NOTICE_BODY = (
    "Hello {name},\n\n"
    "{what_sentence}: {when} (UK time).\n\n"
    "If this was you, you need do nothing. If it was not, reset your password straight away with "
    "\"Forgotten your password?\" on the sign-in page, and tell the register's office.\n\n"
    "This message holds no password, code or link that signs you in.\n"
)


def notify_sign_in_changed(session: Session, *, user: User, what: str, now: dt.datetime) -> None:
    """Queue a plain notice to the account's own address. It says what changed and when, never the
    new secret, and carries no link that signs anyone in."""
    mail.queue(session, to=user.email, user_id=user.id, now=now,
               subject=NOTICE_SUBJECT.format(what=what.lower()),
               body=NOTICE_BODY.format(name=user.full_name, what_sentence=what, when=london(now)))


def change_password(session: Session, *, actor: Actor, current_password: str, new_password: str, now: dt.datetime,
                    hash_profile: str = "standard", client_address: str | None = None,
                    throttle: bool = True) -> User:
    """Check the current password exactly as a sign-in would (the same throttling and lock-out, the same
    record of the attempt, so this page is no side door for guessing), apply the password rules to the
    new one, then end every other sign-in: the session version moves on, so each cookie issued before
    stops working. The caller signs the current browser in again with the new version."""
    user = accounts.get_user(session, actor.user_id)
    problems = Problems()
    for message in password_problems(new_password, user.email):
        problems.add("new_password", message)
    if new_password and new_password == current_password:
        problems.add("new_password", "Your new password must be different from your current one")
    checked = accounts.sign_in(session, email=user.email, password=current_password, now=now,
                               client_address=client_address, hash_profile=hash_profile, throttle=throttle)
    if not checked.decision.allowed:
        raise accounts.RateLimited(checked.decision.message)
    if checked.user is None:
        problems.items.insert(0, FieldProblem("current_password", "Your current password is not right"))
    if problems.items:
        # The failed check is kept (it counts towards the lock-out); the password is not changed.
        raise ValidationFailed("There is a problem", list(problems.items))
    user.password_hash = hash_password(new_password, hash_profile)
    user.session_version += 1
    accounts.end_sign_ins(session, user_id=user.id, now=now, reason="password_changed")
    audit.record(session, actor=actor, action="password.changed", target_type="user", target_id=user.id,
                 after={"other_sessions_ended": True}, now=now, client_address=client_address)
    notify_sign_in_changed(session, user=user, what="Your password was changed", now=now)
    session.flush()
    return user

