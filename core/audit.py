"""The audit log: one appended, hash-chained row per privileged action.

Each row stores SHA-256(canonical content + previous row's hash), so editing or deleting
any row breaks the chain from that row on, and ``verify_chain`` names the first broken one.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Integer, String, Text, select, text
from sqlalchemy.orm import Mapped, Session, mapped_column

from core import append_only  # noqa: F401 - the app and Alembic load the models through here: registers both guards
from core.db import Base, UTCDateTime
from core.roles import Actor

GENESIS_HASH = "0" * 64


class AuditEntry(Base):
    __tablename__ = "audit_entries"
    __append_only__ = True

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    occurred_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    actor_id: Mapped[int | None] = mapped_column(Integer, index=True)
    actor_label: Mapped[str] = mapped_column(String(320))
    action: Mapped[str] = mapped_column(String(80), index=True)
    target_type: Mapped[str] = mapped_column(String(80))
    target_id: Mapped[str | None] = mapped_column(String(80))
    before_summary: Mapped[str] = mapped_column(Text, default="")
    after_summary: Mapped[str] = mapped_column(Text, default="")
    client_address: Mapped[str | None] = mapped_column(String(64))
    previous_hash: Mapped[str] = mapped_column(String(64))
    entry_hash: Mapped[str] = mapped_column(String(64), unique=True)


def _summary(value: Any) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, sort_keys=True, default=str)


def entry_digest(entry: AuditEntry | dict, previous_hash: str) -> str:
    """The hash of one row's content chained to the previous row's hash."""
    get = entry.get if isinstance(entry, dict) else lambda name: getattr(entry, name)
    occurred = get("occurred_at")
    content = {
        "occurred_at": occurred.astimezone(dt.timezone.utc).isoformat(timespec="microseconds"),
        "actor_id": get("actor_id"),
        "actor_label": get("actor_label"),
        "action": get("action"),
        "target_type": get("target_type"),
        "target_id": get("target_id"),
        "before": get("before_summary") or "",
        "after": get("after_summary") or "",
        "client_address": get("client_address"),
        "previous_hash": previous_hash,
    }
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def record(
    session: Session,
    *,
    actor: Actor,
    action: str,
    target_type: str,
    target_id: object = None,
    before: Any = None,
    after: Any = None,
    now: dt.datetime,
    client_address: str | None = None,
) -> AuditEntry:
    """Append one audit row. Flushes; the caller's transaction commits it."""
    if now.tzinfo is None:
        raise ValueError("naive datetime given to the audit log; use an aware datetime")
    if session.get_bind().dialect.name == "postgresql":
        # Serialise appends so that two transactions never chain onto the same previous row. The
        # lock is per schema (advisory locks are database-wide): each chain is its schema's
        # audit_entries, and apps on other schemas of one database (the tests' parallel workers)
        # must not wait on each other's chains.
        session.execute(text("SELECT pg_advisory_xact_lock(724101, hashtext(current_schema()))"))
    previous = session.scalar(select(AuditEntry.entry_hash).order_by(AuditEntry.id.desc()).limit(1))
    entry = AuditEntry(
        occurred_at=now.astimezone(dt.timezone.utc),
        actor_id=actor.user_id,
        actor_label=actor.label,
        action=action,
        target_type=target_type,
        target_id=None if target_id is None else str(target_id),
        before_summary=_summary(before),
        after_summary=_summary(after),
        client_address=client_address,
        previous_hash=previous or GENESIS_HASH,
    )
    entry.entry_hash = entry_digest(entry, entry.previous_hash)
    session.add(entry)
    session.flush()
    # Lock-outs, throttling and second-factor recovery are audited here and are also alerts
    # (ASVS V11.1.8); every other action costs one dictionary look-up.
    from core.alerts.services import heard_audit  # here, not at the top: alerts' models import the kernel too

    heard_audit(session, action=action, target_type=target_type, target_id=entry.target_id,
                client_address=client_address, after=after, now=now)
    return entry


@dataclass(frozen=True)
class ChainCheck:
    rows_checked: int
    first_broken_id: int | None
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.first_broken_id is None


def verify_chain(session: Session) -> ChainCheck:
    """Recompute every hash in order; report the first row whose content or link is wrong."""
    expected_previous = GENESIS_HASH
    count = 0
    for entry in session.scalars(select(AuditEntry).order_by(AuditEntry.id)).yield_per(1000):
        count += 1
        if entry.previous_hash != expected_previous:
            return ChainCheck(count, entry.id, "its link to the previous row does not match (a row before it was removed or changed)")
        if entry_digest(entry, entry.previous_hash) != entry.entry_hash:
            return ChainCheck(count, entry.id, "its content does not match its hash (the row was changed)")
        expected_previous = entry.entry_hash
    return ChainCheck(count, None)
