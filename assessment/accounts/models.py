"""Accounts: people, the roles they hold, password-reset tokens and sign-in attempts."""
from __future__ import annotations

import datetime as dt

from flask_login import UserMixin
from sqlalchemy import BigInteger, Boolean, Enum, ForeignKey, Integer, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, UTCDateTime
from core.roles import Actor, Role

ROLE_ENUM = Enum(Role, native_enum=False, create_constraint=True, name="role", length=20,
                 values_callable=lambda enum: [member.value for member in enum], validate_strings=True)


class User(UserMixin, Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    # Bumped when the password changes, so every other signed-in session ends.
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    is_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    # On the register of case managers (set by an administrator until the register exists): appeal
    # panels need two such members.
    is_registered_case_manager: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    last_login_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    role_grants: Mapped[list[RoleGrant]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin",
        foreign_keys="RoleGrant.user_id")

    @property
    def roles(self) -> frozenset[Role]:
        return frozenset(grant.role for grant in self.role_grants)

    @property
    def actor(self) -> Actor:
        return Actor(user_id=self.id, label=self.email, roles=self.roles)

    @property
    def is_active(self) -> bool:  # Flask-Login: a disabled account cannot sign in
        return self.is_enabled

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"


class RoleGrant(Base):
    __tablename__ = "role_grants"
    __table_args__ = (UniqueConstraint("user_id", "role"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[Role] = mapped_column(ROLE_ENUM)
    granted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    user: Mapped[User] = relationship(back_populates="role_grants", foreign_keys=[user_id])


class PasswordResetToken(Base):
    """Only the token's SHA-256 is stored: a database leak must not hand out working links."""

    __tablename__ = "password_reset_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class LoginAttempt(Base):
    """Every sign-in attempt, appended; throttling is derived from these rows (policy.py)."""

    __tablename__ = "login_attempts"
    __append_only__ = True

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(320), index=True)
    client_address: Mapped[str | None] = mapped_column(String(64), index=True)
    is_success: Mapped[bool] = mapped_column(Boolean)
    attempted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)


class AccountRequest(Base):
    """A password-reset request or a sign-up, appended whether or not the account exists; the
    per-address and per-account rate limits are derived from these rows (policy.py)."""

    __tablename__ = "account_requests"
    __append_only__ = True

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # "password_reset" or "sign_up"
    email: Mapped[str] = mapped_column(String(320), index=True)
    client_address: Mapped[str | None] = mapped_column(String(64), index=True)
    requested_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)


class ThrottleLock(Base):
    """One row per email address and per client address, locked (by an UPDATE) for the length of a
    sign-in, sign-up or reset request, so that concurrent requests for the same account or address
    take turns and each counts the attempts of the one before: the limits hold under concurrency."""

    __tablename__ = "throttle_locks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(400), unique=True)
    touched_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class TwoFactorCredential(Base):
    """A person's TOTP authenticator (two_factor.py has the rules). ``confirmed_at`` is None while
    enrolment waits for the first code; ``last_used_step`` is the time step of the last code accepted,
    so that no code works twice. The secret is stored encrypted, never in the clear."""

    __tablename__ = "two_factor_credentials"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    secret_encrypted: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    confirmed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_used_step: Mapped[int | None] = mapped_column(BigInteger)


class RecoveryCode(Base):
    """One single-use recovery code; only its SHA-256 digest is kept."""

    __tablename__ = "two_factor_recovery_codes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_digest: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class SignIn(Base):
    """One sign-in on one browser: the list a person sees at /account/sessions, and the row every
    request's cookie is checked against (an ended one is refused). Only the SHA-256 of the random token
    kept in the session cookie is stored, so a database leak hands out no working session."""

    __tablename__ = "sign_ins"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    # Written at most every ``policy.SIGN_IN_SEEN_EVERY``: coarse on purpose (see accounts/sessions.py).
    last_seen_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, index=True)
    end_reason: Mapped[str | None] = mapped_column(String(40))
    device: Mapped[str] = mapped_column(String(80))
    ip_address: Mapped[str | None] = mapped_column(String(64))
