"""Two-factor use cases: enrolment, the second step of a staff sign-in, recovery codes, an
administrator's reset and re-authentication before sensitive actions. Each takes the session and
``now`` (and the acting person where there is one); flushes, never commits. The rules are in
two_factor.py; wrong codes count towards the same sign-in throttling as wrong passwords."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from core import audit
from core.errors import Conflict, NotFound
from core.roles import Actor, Role, require_role
from assessment.accounts import policy, two_factor
from assessment.accounts.credentials.services import notify_sign_in_changed
from assessment.accounts.models import RecoveryCode, TwoFactorCredential, User
from assessment.accounts.passwords import verify_password
from assessment.accounts.services import (SignInResult, _record_failure, _record_success, _throttle, end_sign_ins,
                                          get_user, requires_second_factor)

WRONG_CODE = "The code is not right, or it has been used already. Enter the current code from your app."


def credential_of(session: Session, user_id: int) -> TwoFactorCredential | None:
    return session.scalar(select(TwoFactorCredential).where(TwoFactorCredential.user_id == user_id))


def is_enrolled(session: Session, user_id: int) -> bool:
    credential = credential_of(session, user_id)
    return credential is not None and credential.confirmed_at is not None


def remaining_recovery_codes(session: Session, user_id: int) -> int:
    return session.scalar(select(func.count()).select_from(RecoveryCode).where(
        RecoveryCode.user_id == user_id, RecoveryCode.used_at.is_(None))) or 0


def pending_user(session: Session, user_id: int, session_version: int) -> User | None:
    """The person a half-finished sign-in names, if that sign-in still stands: the account exists, is
    enabled, and no password reset or sign-out has moved its session version since."""
    user = session.get(User, user_id)
    if user is None or not user.is_enabled or user.session_version != session_version:
        return None
    return user


def _issue_recovery_codes(session: Session, user_id: int, now: dt.datetime) -> list[str]:
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user_id))
    codes = two_factor.new_recovery_codes()
    session.add_all(RecoveryCode(user_id=user_id, code_digest=two_factor.recovery_code_digest(code), created_at=now)
                    for code in codes)
    session.flush()
    return codes


@dataclass(frozen=True)
class Enrolment:
    """What the enrolment page shows while it waits for the first code (never after)."""
    secret: str
    uri: str
    qr: str

    @property
    def grouped(self) -> str:
        return two_factor.grouped_secret(self.secret)


def start_enrolment(session: Session, *, user: User, now: dt.datetime, secret_key: str) -> Enrolment:
    """The secret waiting for its first code: made now, or the one made earlier (so that reloading
    the page does not change the QR code already scanned)."""
    credential = credential_of(session, user.id)
    if credential is not None and credential.confirmed_at is not None:
        raise Conflict("Two-factor sign-in is already set up for this account.")
    secret = None
    if credential is not None:
        try:
            secret = two_factor.decrypt_secret(credential.secret_encrypted, secret_key)
        except two_factor.SecretUnreadable:
            secret = None
    if secret is None:
        secret = two_factor.new_secret()
        if credential is None:
            credential = TwoFactorCredential(user_id=user.id, created_at=now)
            session.add(credential)
        credential.secret_encrypted = two_factor.encrypt_secret(secret, secret_key)
        credential.created_at = now
        session.flush()
    uri = two_factor.provisioning_uri(secret, user.email)
    return Enrolment(secret=secret, uri=uri, qr=two_factor.qr_data_uri(uri))


@dataclass(frozen=True)
class SecondFactorResult:
    """``sign_in`` is the outcome as a sign-in; ``recovery_codes`` are set once, when enrolment is
    confirmed (to be shown once); ``message`` says what was wrong."""
    sign_in: SignInResult
    recovery_codes: list[str] = field(default_factory=list)
    message: str = ""

    @property
    def ok(self) -> bool:
        return self.sign_in.ok


def _refused(decision: policy.ThrottleDecision, message: str = WRONG_CODE) -> SecondFactorResult:
    return SecondFactorResult(SignInResult(None, decision), message=decision.message or message)


def _check_totp(credential: TwoFactorCredential, code: str, now: dt.datetime, secret_key: str) -> two_factor.CodeCheck:
    try:
        secret = two_factor.decrypt_secret(credential.secret_encrypted, secret_key)
    except two_factor.SecretUnreadable:
        return two_factor.CodeCheck(False)
    checked = two_factor.check_totp(secret, code, now, credential.last_used_step)
    if checked.accepted:
        credential.last_used_step = checked.step
    return checked


def confirm_enrolment(session: Session, *, user: User, code: str, now: dt.datetime, secret_key: str,
                      client_address: str | None = None, throttle: bool = True) -> SecondFactorResult:
    """The first code from the app confirms the secret: the person is enrolled, gets ten recovery
    codes, and the sign-in completes."""
    checked = _throttle(session, email=user.email, user=user, client_address=client_address, now=now,
                        throttle=throttle)
    if not checked.decision.allowed:
        return _refused(checked.decision)
    credential = credential_of(session, user.id)
    if credential is None or credential.confirmed_at is not None:
        raise Conflict("There is no two-factor set-up waiting for a code. Sign in again.")
    outcome = _check_totp(credential, code, now, secret_key)
    if not outcome.accepted:
        _record_failure(session, email=user.email, actor=user.actor, action="two_factor.failed", checked=checked,
                        client_address=client_address, now=now, throttle=throttle,
                        after={"stage": "enrolment", "replayed": outcome.replayed})
        return _refused(policy.ThrottleDecision(True))
    credential.confirmed_at = now
    codes = _issue_recovery_codes(session, user.id, now)
    audit.record(session, actor=user.actor, action="two_factor.enrolled", target_type="user", target_id=user.id,
                 after={"recovery_codes": len(codes)}, now=now, client_address=client_address)
    notify_sign_in_changed(session, user=user, what="Two-factor sign-in was set up on your account", now=now)
    _record_success(session, user=user, client_address=client_address, now=now)
    session.flush()
    return SecondFactorResult(SignInResult(user, policy.ThrottleDecision(True)), recovery_codes=codes)


def complete_sign_in(session: Session, *, user: User, code: str, now: dt.datetime, secret_key: str,
                     client_address: str | None = None, throttle: bool = True) -> SecondFactorResult:
    """The second step of a staff sign-in: a current code from the app, or one unused recovery code."""
    checked = _throttle(session, email=user.email, user=user, client_address=client_address, now=now,
                        throttle=throttle)
    if not checked.decision.allowed:
        return _refused(checked.decision)
    credential = credential_of(session, user.id)
    if credential is None or credential.confirmed_at is None:
        raise Conflict("Two-factor sign-in is not set up for this account. Sign in again to set it up.")
    method, replayed = "totp", False
    normal = two_factor.normalise_code(code)
    if two_factor.looks_like_totp(normal):
        outcome = _check_totp(credential, normal, now, secret_key)
        accepted, replayed = outcome.accepted, outcome.replayed
    else:
        method = "recovery_code"
        row = session.scalar(select(RecoveryCode).where(
            RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None),
            RecoveryCode.code_digest == two_factor.recovery_code_digest(normal)).limit(1)) \
            if two_factor.looks_like_recovery_code(normal) else None
        accepted = row is not None
        if row is not None:
            row.used_at = now
    if not accepted:
        _record_failure(session, email=user.email, actor=user.actor, action="two_factor.failed", checked=checked,
                        client_address=client_address, now=now, throttle=throttle,
                        after={"stage": "sign_in", "method": method, "replayed": replayed})
        return _refused(policy.ThrottleDecision(True))
    if method == "recovery_code":
        session.flush()
        audit.record(session, actor=user.actor, action="two_factor.recovery_code_used", target_type="user",
                     target_id=user.id, after={"remaining": remaining_recovery_codes(session, user.id)}, now=now,
                     client_address=client_address)
        notify_sign_in_changed(session, user=user, what="A recovery code was used to sign in to your account",
                               now=now)
    audit.record(session, actor=user.actor, action="two_factor.succeeded", target_type="user", target_id=user.id,
                 after={"method": method}, now=now, client_address=client_address)
    _record_success(session, user=user, client_address=client_address, now=now)
    session.flush()
    return SecondFactorResult(SignInResult(user, policy.ThrottleDecision(True)))


def enrol_with_secret(session: Session, *, actor: Actor, user_id: int, secret: str, now: dt.datetime,
                      secret_key: str) -> list[str]:
    """Enrol someone with a secret chosen beforehand (the demo loader's test accounts): confirmed at
    once, with fresh recovery codes (returned). Only the system or an administrator may."""
    require_role(actor, Role.ADMIN)
    user = get_user(session, user_id)
    credential = credential_of(session, user.id)
    if credential is None:
        credential = TwoFactorCredential(user_id=user.id, created_at=now)
        session.add(credential)
    credential.secret_encrypted = two_factor.encrypt_secret(secret, secret_key)
    credential.created_at = credential.confirmed_at = now
    credential.last_used_step = None
    codes = _issue_recovery_codes(session, user.id, now)
    audit.record(session, actor=actor, action="two_factor.enrolled", target_type="user", target_id=user.id,
                 after={"recovery_codes": len(codes), "secret_chosen_by": actor.label}, now=now)
    session.flush()
    return codes


def regenerate_recovery_codes(session: Session, *, actor: Actor, now: dt.datetime,
                              client_address: str | None = None) -> list[str]:
    """New recovery codes for the acting person; the old ones stop working."""
    user = get_user(session, actor.user_id)
    if not is_enrolled(session, user.id):
        raise Conflict("Two-factor sign-in is not set up for this account.")
    codes = _issue_recovery_codes(session, user.id, now)
    audit.record(session, actor=actor, action="two_factor.recovery_codes_regenerated", target_type="user",
                 target_id=user.id, after={"recovery_codes": len(codes)}, now=now, client_address=client_address)
    notify_sign_in_changed(session, user=user, what="New recovery codes were made for your account", now=now)
    return codes


def reset_two_factor(session: Session, *, actor: Actor, user_id: int, now: dt.datetime,
                     client_address: str | None = None) -> User:
    """An administrator removes someone's authenticator and recovery codes (a lost phone): their
    sessions end and their next sign-in sets up two-factor sign-in again."""
    require_role(actor, Role.ADMIN)
    user = get_user(session, user_id)
    credential = credential_of(session, user.id)
    if credential is None:
        raise NotFound(f"{user.email} has not set up two-factor sign-in.")
    was_confirmed = credential.confirmed_at is not None
    session.delete(credential)
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    user.session_version += 1
    end_sign_ins(session, user_id=user.id, now=now, reason="two_factor_reset")
    session.flush()
    audit.record(session, actor=actor, action="two_factor.reset", target_type="user", target_id=user.id,
                 before={"enrolled": was_confirmed}, after={"enrolled": False}, now=now, client_address=client_address)
    notify_sign_in_changed(session, user=user, what="Two-factor sign-in was reset on your account by an administrator",
                           now=now)
    return user


@dataclass(frozen=True)
class Reauthentication:
    ok: bool
    message: str = ""
    decision: policy.ThrottleDecision = policy.ThrottleDecision(True)


def reauthenticate(session: Session, *, actor: Actor, password: str, code: str, now: dt.datetime, secret_key: str,
                   hash_profile: str = "standard", client_address: str | None = None,
                   throttle: bool = True) -> Reauthentication:
    """The signed-in person confirms their password and a current code before a sensitive action.
    Failures count towards sign-in throttling (a stolen session must not become a password oracle)."""
    user = get_user(session, actor.user_id)
    checked = _throttle(session, email=user.email, user=user, client_address=client_address, now=now,
                        throttle=throttle)
    if not checked.decision.allowed:
        return Reauthentication(False, checked.decision.message, checked.decision)
    credential = credential_of(session, user.id)
    if credential is None or credential.confirmed_at is None:
        if requires_second_factor(user):
            raise Conflict("Set up two-factor sign-in first: sign out and sign in again.")
    password_ok = verify_password(user.password_hash, password, hash_profile)
    code_ok = credential is not None and password_ok and _check_totp(credential, code, now, secret_key).accepted
    if not (password_ok and code_ok):
        _record_failure(session, email=user.email, actor=actor, action="reauth.failed", checked=checked,
                        client_address=client_address, now=now, throttle=throttle,
                        after={"password": password_ok})
        return Reauthentication(False, "The password or the code is not right. Try again with the current code.")
    audit.record(session, actor=actor, action="reauth.succeeded", target_type="user", target_id=user.id, now=now,
                 client_address=client_address)
    session.flush()
    return Reauthentication(True)
