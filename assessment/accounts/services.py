"""Account use cases. Each takes the session, the acting person and ``now``; flushes, never commits."""
from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from itsdangerous import BadData, URLSafeSerializer
from sqlalchemy import Boolean, Integer, String, bindparam, cast, exists, func, literal, null, select, union_all, update
from sqlalchemy.orm import Session, joinedload

from core import audit
from core.alerts import services as alerts
from core.db import insert_on_conflict
from core.web import sign_in_digest
from core.errors import Conflict, DomainError, NotFound, Problems, ValidationFailed
from core.roles import SYSTEM, Actor, Role, require_role
from assessment.accounts import policy
from assessment.accounts.models import (ROLE_ENUM, AccountRequest, LoginAttempt, PasswordResetToken, RoleGrant,
                                        SignIn, ThrottleLock, User)
from assessment.accounts.passwords import dummy_hash, hash_password, password_problems, verify_password


def _account_ref(email: str) -> str:
    """An email address as an audit target (the column holds 80 characters; addresses may hold 320)."""
    return email[:80]


class RateLimited(DomainError):
    http_status = 429


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_user_by_email(session: Session, email: str) -> User | None:
    # With the roles in the same statement: a sign-in asks for them at once (the second factor).
    return session.scalars(select(User).where(User.email == normalise_email(email))
                           .options(joinedload(User.role_grants))).unique().first()


def get_user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("There is no such account.")
    return user


def _check_new_account(session: Session, email: str, full_name: str, password: str) -> Problems:
    problems = Problems()
    if not full_name.strip():
        problems.add("full_name", "Enter your full name")
    if "@" not in email or email.startswith("@") or email.endswith("@"):
        problems.add("email", "Enter an email address in the correct format, like name@example.org")
    for message in password_problems(password, email):
        problems.add("password", message)
    return problems


def create_user(
    session: Session, *, actor: Actor, email: str, full_name: str, password: str,
    roles: set[Role], now: dt.datetime, hash_profile: str = "standard", client_address: str | None = None,
) -> User:
    """Create an account with roles. Only an admin (or the system) may create staff accounts."""
    if roles - {Role.CANDIDATE}:
        require_role(actor, Role.ADMIN)
    email = normalise_email(email)
    problems = _check_new_account(session, email, full_name, password)
    problems.raise_if_any()
    return _add_account(session, actor=actor, email=email, full_name=full_name,
                        password_hash=hash_password(password, hash_profile), roles=roles, now=now,
                        client_address=client_address)


def _add_account(session: Session, *, actor: Actor, email: str, full_name: str, password_hash: str,
                 roles: set[Role], now: dt.datetime, client_address: str | None) -> User:
    if find_user_by_email(session, email) is not None:
        raise Conflict("An account with that email address already exists.")
    user = User(email=email, full_name=full_name.strip(), password_hash=password_hash, created_at=now)
    session.add(user)
    session.flush()
    for role in sorted(roles):
        session.add(RoleGrant(user_id=user.id, role=role, granted_at=now, granted_by_id=actor.user_id))
    session.flush()
    session.refresh(user)
    audit.record(session, actor=actor, action="account.created", target_type="user", target_id=user.id,
                 after={"email": email, "roles": sorted(roles)}, now=now, client_address=client_address)
    return user


SIGN_UP_LIMITED = ("Too many accounts have been asked for from this connection or for this email address. "
                   "Try again in an hour.")


class SignUpLinkRefused(DomainError):
    """A sign-up link that is forged, expired or already used: nothing is created."""
    http_status = 410

    def __init__(self, message: str, *, already_used: bool = False) -> None:
        super().__init__(message)
        self.already_used = already_used


@dataclass(frozen=True)
class SignUpRequest:
    """What a sign-up asks to send. ``token`` is the confirmation link's token for a new address;
    for an address that already has an account it is None and the holder gets a notice instead.
    The person signing up is told the same either way."""
    email: str
    token: str | None

    @property
    def account_exists(self) -> bool:
        return self.token is None


@dataclass(frozen=True)
class PendingSignUp:
    email: str
    full_name: str
    password_hash: str
    requested_at: dt.datetime


# The token carries the sign-up itself (address, name, the password's argon2 hash, when asked), signed
# with the app's secret: no table holds pending sign-ups, and the account's existence makes it single use.
_SIGN_UP_SALT = "cop.accounts.sign-up"


def _sign_up_serializer(secret_key: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret_key, salt=_SIGN_UP_SALT)


def register_candidate(session: Session, *, email: str, full_name: str, password: str, now: dt.datetime,
                       secret_key: str, hash_profile: str = "standard",
                       client_address: str | None = None) -> SignUpRequest:
    """A candidate asks for an account. Nothing is created yet: a new address gets a link that
    confirms it and creates the account (``confirm_sign_up``); an address that has an account gets
    a notice. Rate-limited per email address and per client address (``RateLimited``) before
    anything about the account is looked at, and the password is hashed and a token signed in both
    cases, so neither the answer nor the work behind it tells who is registered."""
    email_key = normalise_email(email)
    _take_turns(session, email_key, client_address, now)
    if not _request_allowed(session, "sign_up", email_key, client_address, now):
        # Audited (and so alerted, core/alerts) like a refused password reset; the caller commits
        # this row before answering 429, since nothing else of the request is kept.
        audit.record(session, actor=Actor(None, email_key), action="account.sign_up_refused_rate_limited",
                     target_type="account", target_id=_account_ref(email_key), now=now, client_address=client_address)
        session.flush()
        raise RateLimited(SIGN_UP_LIMITED)
    session.add(AccountRequest(kind="sign_up", email=email_key, client_address=client_address, requested_at=now))
    _check_new_account(session, email_key, full_name, password).raise_if_any()
    password_hash = hash_password(password, hash_profile)
    token = _sign_up_serializer(secret_key).dumps(
        {"email": email_key, "full_name": full_name.strip(), "password_hash": password_hash,
         "requested_at": now.isoformat()})
    exists = find_user_by_email(session, email_key) is not None
    audit.record(session, actor=Actor(None, email_key), action="account.sign_up_requested", target_type="account",
                 target_id=_account_ref(email_key), now=now, client_address=client_address)
    session.flush()
    return SignUpRequest(email=email_key, token=None if exists else token)


def read_sign_up_link(session: Session, *, token: str, now: dt.datetime, secret_key: str) -> PendingSignUp:
    """The sign-up a link carries, if the link is genuine, in date and not used yet
    (``SignUpLinkRefused`` otherwise)."""
    try:
        data = _sign_up_serializer(secret_key).loads(token)
        pending = PendingSignUp(email=normalise_email(data["email"]), full_name=data["full_name"],
                                password_hash=data["password_hash"],
                                requested_at=dt.datetime.fromisoformat(data["requested_at"]))
    except (BadData, KeyError, TypeError, ValueError, AttributeError):
        raise SignUpLinkRefused("This link is not valid.") from None
    if pending.requested_at.tzinfo is None or not policy.sign_up_link_in_date(pending.requested_at, now):
        raise SignUpLinkRefused("This link has expired.")
    if find_user_by_email(session, pending.email) is not None:
        raise SignUpLinkRefused("This link has already been used: the account exists.", already_used=True)
    return pending


def confirm_sign_up(session: Session, *, token: str, now: dt.datetime, secret_key: str,
                    client_address: str | None = None) -> User:
    """Create the candidate account a sign-up link carries. Its holder has shown they read the
    address's mail. A second use finds the account and is refused."""
    pending = read_sign_up_link(session, token=token, now=now, secret_key=secret_key)
    # Two uses of the link at once take turns on the address's lock; the second then finds the account.
    _lock(session, f"email:{pending.email}", now)
    pending = read_sign_up_link(session, token=token, now=now, secret_key=secret_key)
    actor = Actor(user_id=None, label=pending.email, roles=frozenset())
    return _add_account(session, actor=actor, email=pending.email, full_name=pending.full_name,
                        password_hash=pending.password_hash, roles={Role.CANDIDATE}, now=now,
                        client_address=client_address)


@dataclass(frozen=True)
class SignInResult:
    user: User | None
    decision: policy.ThrottleDecision
    # The password was right but the person holds a staff role: the sign-in is only half done
    # until their second factor is accepted (two_factor_services).
    needs_second_factor: bool = False

    @property
    def ok(self) -> bool:
        return self.user is not None


def requires_second_factor(user: User) -> bool:
    """Every role but candidate signs in with a second factor."""
    return bool(user.roles - {Role.CANDIDATE})


def _lock(session: Session, key: str, now: dt.datetime) -> None:
    """Hold the lock row for ``key`` until the transaction ends (created on first use). One upsert:
    its update locks the row on PostgreSQL (waiting for a transaction that holds it or is inserting
    it) and takes SQLite's write lock, so a second request for the same key waits here and then,
    statement by statement under READ COMMITTED, sees what the first one wrote."""
    table = ThrottleLock.__table__
    session.execute(insert_on_conflict(session, table).values(key=key, touched_at=now)
                    .on_conflict_do_update(index_elements=["key"], set_={"touched_at": now}))


def _take_turns(session: Session, email: str, client_address: str | None, now: dt.datetime) -> None:
    # Always the email first, then the address: one order, so two requests never wait on each other.
    _lock(session, f"email:{email}", now)
    if client_address:
        _lock(session, f"address:{client_address}", now)


def _request_times(session: Session, kind: str, column, value, now: dt.datetime) -> list[dt.datetime]:
    return list(session.scalars(select(AccountRequest.requested_at).where(
        AccountRequest.kind == kind, column == value, AccountRequest.requested_at > now - policy.REQUEST_WINDOW)))


def _request_allowed(session: Session, kind: str, email: str, client_address: str | None, now: dt.datetime) -> bool:
    by_address = _request_times(session, kind, AccountRequest.client_address, client_address, now) \
        if client_address else []
    return policy.request_allowed(kind, _request_times(session, kind, AccountRequest.email, email, now), by_address,
                                  now)


_BY_ACCOUNT, _BY_ADDRESS, _RESET = 0, 1, 2


def _recent_attempts(session: Session, *, email: str, client_address: str | None, user: User | None,
                     since: dt.datetime) -> tuple[list[policy.Attempt], list[policy.Attempt], dt.datetime | None]:
    """The account's tries since ``since``, the address's, and when the account's password was last
    reset (which clears its failures): one statement for the three, since every sign-in asks."""
    def tries(source: int, column, value):
        return select(literal(source).label("source"), LoginAttempt.attempted_at.label("at"),
                      LoginAttempt.is_success.label("ok")).where(column == value, LoginAttempt.attempted_at >= since)

    parts = [tries(_BY_ACCOUNT, LoginAttempt.email, email)]
    if client_address:
        parts.append(tries(_BY_ADDRESS, LoginAttempt.client_address, client_address))
    if user is not None:
        parts.append(select(literal(_RESET), func.max(PasswordResetToken.used_at), cast(null(), Boolean))
                     .where(PasswordResetToken.user_id == user.id))
    by_account: list[policy.Attempt] = []
    by_address: list[policy.Attempt] = []
    cleared_at = None
    for source, at, ok in session.execute(union_all(*parts)):
        if source == _RESET:
            cleared_at = at
        else:
            (by_account if source == _BY_ACCOUNT else by_address).append(policy.Attempt(at=at, is_success=ok))
    return by_account, by_address, cleared_at


@dataclass(frozen=True)
class _Throttle:
    decision: policy.ThrottleDecision
    account_attempts: list[policy.Attempt]
    cleared_at: dt.datetime | None


def _throttle(session: Session, *, email: str, user: User | None, client_address: str | None, now: dt.datetime,
              throttle: bool) -> _Throttle:
    """The throttling decision for one more try on ``email`` from ``client_address``: a password or a
    second-factor code alike. With ``throttle`` concurrent tries on one account (or from one address)
    take turns first, so each one counts the failures before it."""
    if throttle:
        _take_turns(session, email, client_address, now)
    since = now - policy.WINDOW - policy.LOCK_FOR
    account_attempts, address_attempts, cleared_at = _recent_attempts(
        session, email=email, client_address=client_address, user=user, since=since)
    decision = policy.ThrottleDecision(True)
    if throttle:
        decision = policy.combined(policy.account_decision(account_attempts, now, cleared_at),
                                   policy.address_decision(address_attempts, now))
        if not decision.allowed:
            audit.record(session, actor=Actor(None, email), action="login.refused_throttled", target_type="account",
                         target_id=_account_ref(email), after={"retry_after_s": decision.retry_after_s}, now=now,
                         client_address=client_address)
    return _Throttle(decision, account_attempts, cleared_at)


def _record_failure(session: Session, *, email: str, actor: Actor, action: str, checked: _Throttle,
                    client_address: str | None, now: dt.datetime, throttle: bool, after=None) -> None:
    """A wrong password or a wrong code: it counts towards the account's and the address's limits."""
    session.add(LoginAttempt(email=email, client_address=client_address, is_success=False, attempted_at=now))
    audit.record(session, actor=actor, action=action, target_type="account", target_id=_account_ref(email),
                 after=after, now=now, client_address=client_address)
    failures_before = len(policy._recent_failures(checked.account_attempts, now, clear_on_success=True,
                                                  cleared_at=checked.cleared_at))
    if throttle and policy.is_lockout_transition(failures_before):
        audit.record(session, actor=SYSTEM, action="account.locked", target_type="account",
                     target_id=_account_ref(email),
                     after={"locked_for_s": int(policy.LOCK_FOR.total_seconds())}, now=now,
                     client_address=client_address)
    if client_address:
        _alert_if_spraying(session, client_address=client_address, now=now)


def _alert_if_spraying(session: Session, *, client_address: str, now: dt.datetime) -> None:
    """Password spraying: wrong passwords (or codes) for many different accounts from one address. One
    indexed count on the failure path only; a successful sign-in pays nothing."""
    window = alerts.current_settings().spray_window
    accounts_failed = session.scalar(select(func.count(func.distinct(LoginAttempt.email))).where(
        LoginAttempt.client_address == client_address, LoginAttempt.is_success.is_(False),
        LoginAttempt.attempted_at > now - window)) or 0
    alerts.failed_sign_in_from(session, client_address=client_address, distinct_accounts=accounts_failed, now=now)


def _record_success(session: Session, *, user: User, client_address: str | None, now: dt.datetime) -> None:
    """The whole sign-in passed: it clears the account's failure count."""
    session.add(LoginAttempt(email=user.email, client_address=client_address, is_success=True, attempted_at=now))
    user.last_login_at = now
    audit.record(session, actor=user.actor, action="login.succeeded", target_type="user", target_id=user.id,
                 now=now, client_address=client_address)


def sign_in(session: Session, *, email: str, password: str, now: dt.datetime, client_address: str | None,
            hash_profile: str = "standard", throttle: bool = True) -> SignInResult:
    """Check a password, honouring throttling; records the attempt and audits it either way.

    A person with a staff role whose password is right is not signed in yet
    (``needs_second_factor``): nothing counts as a success until their code is accepted, so that
    guessing codes cannot be interleaved with the right password to keep the failure count at zero."""
    email = normalise_email(email)
    user = find_user_by_email(session, email)
    checked = _throttle(session, email=email, user=user, client_address=client_address, now=now, throttle=throttle)
    if not checked.decision.allowed:
        return SignInResult(None, checked.decision)
    if user is None:
        verify_password(dummy_hash(hash_profile), password, hash_profile)  # same work as a real check
        is_valid = False
    else:
        is_valid = verify_password(user.password_hash, password, hash_profile) and user.is_enabled
    if is_valid and requires_second_factor(user):
        audit.record(session, actor=user.actor, action="login.password_accepted", target_type="user",
                     target_id=user.id, now=now, client_address=client_address)
        return SignInResult(user, policy.ThrottleDecision(True), needs_second_factor=True)
    if is_valid:
        _record_success(session, user=user, client_address=client_address, now=now)
        return SignInResult(user, policy.ThrottleDecision(True))
    _record_failure(session, email=email, actor=user.actor if user is not None else Actor(None, email),
                    action="login.failed", checked=checked, client_address=client_address, now=now, throttle=throttle)
    return SignInResult(None, policy.ThrottleDecision(True))


def sign_out(session: Session, *, actor: Actor, now: dt.datetime, sign_in_digest: str | None,
             client_address: str | None = None) -> None:
    """End this browser's sign-in on the server (``sign_in_digest``: its token's digest): a copy of its
    cookie stops working wherever it is. The person's other sign-ins carry on; the list of sign-ins
    (accounts/sign_ins) ends those."""
    user = get_user(session, actor.user_id)
    ended = end_sign_ins(session, user_id=user.id, now=now, reason="signed_out", digest=sign_in_digest) \
        if sign_in_digest else 0
    audit.record(session, actor=actor, action="logout", target_type="user", target_id=user.id, now=now,
                 after={"sign_ins_ended": ended}, client_address=client_address)
    session.flush()


# --- sign-ins: one row per signed-in browser (accounts/sessions.py tells the whole story) -------------

def start_sign_in(session: Session, *, user_id: int, user_agent: str | None, client_address: str | None,
                  now: dt.datetime) -> str:
    """Record a new sign-in and return its raw token, for the session cookie only: the row keeps the
    token's SHA-256, so nobody reading the database can take over the session."""
    token = secrets.token_urlsafe(32)
    session.add(SignIn(user_id=user_id, token_hash=sign_in_digest(token), started_at=now, last_seen_at=now,
                       device=policy.device_description(user_agent), ip_address=client_address))
    session.flush()
    return token


def end_sign_ins(session: Session, *, user_id: int, now: dt.datetime, reason: str, digest: str | None = None,
                 sign_in_id: int | None = None, keep_digest: str | None = None) -> int:
    """End the person's sign-ins that have not ended: all of them, or the one with ``digest`` or
    ``sign_in_id``, or all but ``keep_digest``. Ending one already ended changes nothing. Returns how
    many ended now. Whatever bumps ``session_version`` calls this too, so the list stays truthful."""
    statement = update(SignIn).where(SignIn.user_id == user_id, SignIn.ended_at.is_(None))
    if digest is not None:
        statement = statement.where(SignIn.token_hash == digest)
    if sign_in_id is not None:
        statement = statement.where(SignIn.id == sign_in_id)
    if keep_digest is not None:
        statement = statement.where(SignIn.token_hash != keep_digest)
    ended = session.execute(statement.values(ended_at=now, end_reason=reason),
                            execution_options={"synchronize_session": "fetch"}).rowcount
    session.flush()
    return ended


def end_sign_in_with_digest(session: Session, *, digest: str, now: dt.datetime, reason: str) -> int:
    """End the sign-in whose token has this digest (this browser's, from its own signed cookie)."""
    return session.execute(update(SignIn).where(SignIn.token_hash == digest, SignIn.ended_at.is_(None))
                           .values(ended_at=now, end_reason=reason),
                           execution_options={"synchronize_session": "fetch"}).rowcount


def signed_in_user(session: Session, *, user_id: int, version: int, digest: str | None) -> User | None:
    """The person a session cookie names, if the claim holds: the same session version and a sign-in
    that has not ended. One query, the roles joined in: every page but the hot paths loads the person,
    and a second statement for the roles cost each of them a round trip."""
    if digest is None:
        return None
    return session.scalars(select(User).options(joinedload(User.role_grants)).where(
        User.id == user_id, User.session_version == version,
        exists().where(SignIn.user_id == User.id, SignIn.token_hash == digest, SignIn.ended_at.is_(None)))
    ).unique().one_or_none()


def note_sign_in_seen(session: Session, *, digest: str, now: dt.datetime) -> None:
    """Move a sign-in's last-seen time on (the caller does so at most every ``policy.SIGN_IN_SEEN_EVERY``)."""
    session.execute(update(SignIn).where(SignIn.token_hash == digest, SignIn.ended_at.is_(None))
                    .values(last_seen_at=now), execution_options={"synchronize_session": False})


def _token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def request_password_reset(session: Session, *, email: str, now: dt.datetime, ttl_s: int,
                           client_address: str | None = None) -> str | None:
    """Make a single-use token for the account, if there is one and the rate limits allow. Returns the
    raw token (to send), or None. Known and unknown addresses do the same work and leave the same
    kind of record, so neither the answer nor its timing tells them apart."""
    email = normalise_email(email)
    _take_turns(session, email, client_address, now)
    if not _request_allowed(session, "password_reset", email, client_address, now):
        audit.record(session, actor=Actor(None, email), action="password.reset_refused_rate_limited",
                     target_type="account", target_id=_account_ref(email), now=now, client_address=client_address)
        session.flush()
        return None
    session.add(AccountRequest(kind="password_reset", email=email, client_address=client_address, requested_at=now))
    user = find_user_by_email(session, email)
    if user is None or not user.is_enabled:
        audit.record(session, actor=Actor(None, email), action="password.reset_requested", target_type="account",
                     target_id=_account_ref(email), now=now, client_address=client_address)
        session.flush()
        return None
    token = secrets.token_urlsafe(32)
    session.add(PasswordResetToken(user_id=user.id, token_hash=_token_digest(token), created_at=now,
                                   expires_at=now + dt.timedelta(seconds=ttl_s)))
    audit.record(session, actor=user.actor, action="password.reset_requested", target_type="user",
                 target_id=user.id, now=now, client_address=client_address)
    session.flush()
    return token


def valid_reset_token(session: Session, token: str, now: dt.datetime) -> PasswordResetToken | None:
    row = session.scalar(select(PasswordResetToken).where(PasswordResetToken.token_hash == _token_digest(token)))
    if row is None or row.used_at is not None or row.expires_at <= now:
        return None
    return row


def reset_password(session: Session, *, token: str, new_password: str, now: dt.datetime,
                   hash_profile: str = "standard", client_address: str | None = None) -> User:
    row = valid_reset_token(session, token, now)
    if row is None:
        raise ValidationFailed("This password reset link has expired or has already been used.")
    user = get_user(session, row.user_id)
    problems = Problems()
    for message in password_problems(new_password, user.email):
        problems.add("password", message)
    problems.raise_if_any()
    user.password_hash = hash_password(new_password, hash_profile)
    user.session_version += 1
    end_sign_ins(session, user_id=user.id, now=now, reason="password_reset")
    row.used_at = now
    # Any other outstanding links for this account die with this one.
    for other in session.scalars(select(PasswordResetToken).where(
            PasswordResetToken.user_id == user.id, PasswordResetToken.used_at.is_(None))):
        other.used_at = now
    audit.record(session, actor=user.actor, action="password.reset", target_type="user", target_id=user.id,
                 now=now, client_address=client_address)
    session.flush()
    return user


def grant_role(session: Session, *, actor: Actor, user_id: int, role: Role, now: dt.datetime,
               client_address: str | None = None) -> User:
    require_role(actor, Role.ADMIN)
    user = get_user(session, user_id)
    before = sorted(user.roles)
    if role in user.roles:
        raise Conflict(f"{user.email} already holds the {role.label.lower()} role.")
    session.add(RoleGrant(user_id=user.id, role=role, granted_at=now, granted_by_id=actor.user_id))
    session.flush()
    session.refresh(user)
    audit.record(session, actor=actor, action="role.granted", target_type="user", target_id=user.id,
                 before={"roles": before}, after={"roles": sorted(user.roles)}, now=now,
                 client_address=client_address)
    return user


def revoke_role(session: Session, *, actor: Actor, user_id: int, role: Role, now: dt.datetime,
                client_address: str | None = None) -> User:
    require_role(actor, Role.ADMIN)
    user = get_user(session, user_id)
    grant = next((g for g in user.role_grants if g.role == role), None)
    if grant is None:
        raise Conflict(f"{user.email} does not hold the {role.label.lower()} role.")
    if role == Role.ADMIN and user.id == actor.user_id and count_admins(session) == 1:
        raise Conflict("You are the only administrator; grant the role to someone else first.")
    before = sorted(user.roles)
    user.role_grants.remove(grant)
    user.session_version += 1  # a session opened with the role must not outlive it
    end_sign_ins(session, user_id=user.id, now=now, reason="role_removed")
    session.flush()
    audit.record(session, actor=actor, action="role.revoked", target_type="user", target_id=user.id,
                 before={"roles": before}, after={"roles": sorted(user.roles)}, now=now,
                 client_address=client_address)
    return user


def set_registered_case_manager(session: Session, *, actor: Actor, user_id: int, is_registered: bool,
                                now: dt.datetime, client_address: str | None = None) -> User:
    """Mark a person as on the register of case managers, or not (until the register exists):
    appeal panels need two such members."""
    require_role(actor, Role.ADMIN)
    user = get_user(session, user_id)
    before = user.is_registered_case_manager
    user.is_registered_case_manager = bool(is_registered)
    session.flush()
    audit.record(session, actor=actor, action="user.registered_case_manager", target_type="user", target_id=user.id,
                 before={"is_registered_case_manager": before},
                 after={"is_registered_case_manager": user.is_registered_case_manager}, now=now,
                 client_address=client_address)
    return user


def count_admins(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(RoleGrant).where(RoleGrant.role == Role.ADMIN)) or 0


def list_users(session: Session, *, actor: Actor, search: str = "", role: Role | None = None) -> list[User]:
    require_role(actor, Role.ADMIN)
    query = select(User).order_by(User.email)
    if search.strip():
        pattern = f"%{search.strip().lower()}%"
        query = query.where(func.lower(User.email).like(pattern) | func.lower(User.full_name).like(pattern))
    if role is not None:
        query = query.where(User.role_grants.any(RoleGrant.role == role))
    return list(session.scalars(query))


# When the person a session cookie claims to be still holds (``core.web.CLAIM_HOLDS``): the same test
# as the sign-in loader (the account exists, is enabled, no password change has moved its session
# version since, and this browser's sign-in has not ended) and the role the route needs. Built once,
# with bind parameters, for the autosave fast path to put into its own first query.
CLAIM_HOLDS = exists().where(
    User.id == bindparam("claim_user_id", type_=Integer),
    User.session_version == bindparam("claim_version", type_=Integer), User.is_enabled.is_(True),
    RoleGrant.user_id == User.id, RoleGrant.role == bindparam("claim_role", type_=ROLE_ENUM),
    # This browser's sign-in has not been ended (from the list of sign-ins, or by signing out): in the
    # same EXISTS, so the fast path still confirms everything in its one first query.
    SignIn.user_id == User.id, SignIn.token_hash == bindparam("claim_sign_in", type_=String),
    SignIn.ended_at.is_(None))
