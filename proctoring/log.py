"""The invigilation log: every row of an invigilation is appended here, chained to the one before.

Each row stores SHA-256(canonical content + the previous row's hash) and the invigilation keeps the
chain's head (``next_seq``, ``last_hash``). An append locks the invigilation's row (on PostgreSQL;
SQLite has one writer at a time), so two requests never chain onto the same row, and it costs one
update instead of a scan. ``verify`` recomputes a chain and names the first row that is wrong.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from core.errors import NotFound
from proctoring.models import Invigilation, InvigilationEvent
from proctoring.rules import LogKind

GENESIS_HASH = "0" * 64


def _utc_iso(when: dt.datetime) -> str:
    return when.astimezone(dt.timezone.utc).isoformat(timespec="microseconds")


_CHAINED = ("invigilation_id", "seq", "kind", "client_event_id", "occurred_at", "received_at", "attempt_id",
            "actor_id", "payload", "reason", "media_key", "media_sha256", "media_type", "media_size")
"""A row's columns that its hash covers (with ``previous_hash``)."""


def digest_of(values: dict[str, Any], previous_hash: str) -> str:
    """The hash of one row's content (``values``, keyed by column) chained to the previous row's hash."""
    content = {name: values.get(name) for name in _CHAINED}
    content.update(kind=str(values["kind"]), occurred_at=_utc_iso(values["occurred_at"]),
                   received_at=_utc_iso(values["received_at"]), payload=values.get("payload") or {},
                   reason=values.get("reason") or "", previous_hash=previous_hash)
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def entry_digest(row: InvigilationEvent, previous_hash: str) -> str:
    """The hash of one stored row's content chained to the previous row's hash."""
    return digest_of({name: getattr(row, name) for name in _CHAINED}, previous_hash)


def new_entry(*, invigilation_id: int, kind: LogKind | str, now: dt.datetime, occurred_at: dt.datetime | None = None,
              attempt_id: int | None = None, actor_id: int | None = None, payload: dict[str, Any] | None = None,
              reason: str = "", client_event_id: str | None = None, media_key: str | None = None,
              media_sha256: str | None = None, media_type: str | None = None,
              media_size: int | None = None) -> dict[str, Any]:
    """One row's values before it is chained (:func:`chained` gives its place and hashes). ``now`` is
    the server's time (the row's ``received_at``); ``occurred_at`` defaults to it."""
    if now.tzinfo is None or (occurred_at is not None and occurred_at.tzinfo is None):
        raise ValueError("naive datetime given to the invigilation log; use an aware datetime")
    return {"invigilation_id": invigilation_id, "kind": LogKind(kind), "client_event_id": client_event_id,
            "occurred_at": (occurred_at or now).astimezone(dt.timezone.utc),
            "received_at": now.astimezone(dt.timezone.utc), "attempt_id": attempt_id, "actor_id": actor_id,
            "payload": payload or {}, "reason": reason, "media_key": media_key, "media_sha256": media_sha256,
            "media_type": media_type, "media_size": media_size}


def chained(head: tuple[int, str], entries: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], tuple[int, str]]:
    """``entries`` (from :func:`new_entry`) in order after the chain's ``head`` (its next ``seq`` and
    last hash), each with its ``seq``, ``previous_hash`` and ``entry_hash``; and the head after them."""
    seq, previous = head
    rows = []
    for entry in entries:
        row = {**entry, "seq": seq, "previous_hash": previous}
        row["entry_hash"] = previous = digest_of(row, previous)
        rows.append(row)
        seq += 1
    return rows, (seq, previous)


def invigilation_for(session: Session, *, sitting_id: int, candidate_id: int, now: dt.datetime,
                     create: bool = True) -> Invigilation | None:
    """The candidate's invigilation in the sitting, created on first use when ``create``."""
    found = session.scalar(select(Invigilation).where(Invigilation.sitting_id == sitting_id,
                                                      Invigilation.candidate_id == candidate_id))
    if found is not None or not create:
        return found
    invigilation = Invigilation(sitting_id=sitting_id, candidate_id=candidate_id, created_at=now, next_seq=1,
                                last_hash=GENESIS_HASH)
    session.add(invigilation)
    session.flush()
    return invigilation


def _locked(session: Session, invigilation_id: int) -> Invigilation:
    query = select(Invigilation).where(Invigilation.id == invigilation_id)
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        query = query.with_for_update()
    elif dialect == "sqlite":
        # pysqlite opens a transaction only at the first write, so two requests (a page of several photos
        # served through the evidence route) could both read the same head and chain onto the same row.
        # A no-op write first takes SQLite's one write lock, waiting for the other request to commit.
        session.execute(update(Invigilation).where(Invigilation.id == invigilation_id)
                        .values(next_seq=Invigilation.next_seq))
    invigilation = session.execute(query.execution_options(populate_existing=True)).scalar_one_or_none()
    if invigilation is None:
        raise NotFound("There is no such invigilation.")
    return invigilation


def append(session: Session, *, invigilation_id: int, now: dt.datetime, **entry: Any) -> InvigilationEvent:
    """Append one row to the invigilation's chain and flush; ``now`` and ``entry`` are
    :func:`new_entry`'s (the server's time is the row's ``received_at``). Idempotency on
    ``client_event_id`` is the caller's (the unique constraint is the last line of defence)."""
    values = new_entry(invigilation_id=invigilation_id, now=now, **entry)
    invigilation = _locked(session, invigilation_id)
    (row_values,), (invigilation.next_seq, invigilation.last_hash) = chained(
        (invigilation.next_seq, invigilation.last_hash), [values])
    row = InvigilationEvent(**row_values)
    session.add(row)
    session.flush()
    return row


def rows(session: Session, invigilation_id: int, *, kinds: set[str] | None = None) -> list[InvigilationEvent]:
    """The log in order (optionally only some kinds)."""
    query = select(InvigilationEvent).where(InvigilationEvent.invigilation_id == invigilation_id)
    if kinds:
        query = query.where(InvigilationEvent.kind.in_(sorted(kinds)))
    return list(session.scalars(query.order_by(InvigilationEvent.seq)))


@dataclass(frozen=True)
class ChainCheck:
    invigilation_id: int
    rows_checked: int
    first_broken_id: int | None = None
    first_broken_seq: int | None = None
    reason: str = ""

    @property
    def ok(self) -> bool:
        return not self.reason


def verify(session: Session, invigilation_id: int) -> ChainCheck:
    """Recompute one invigilation's chain in order and report the first row whose content, link or
    place is wrong, or a head that does not match the last row (the newest rows were removed)."""
    invigilation = session.get(Invigilation, invigilation_id)
    if invigilation is None:
        raise NotFound("There is no such invigilation.")
    expected_previous, expected_seq, count = GENESIS_HASH, 1, 0
    query = (select(InvigilationEvent).where(InvigilationEvent.invigilation_id == invigilation_id)
             .order_by(InvigilationEvent.seq))
    for row in session.scalars(query).yield_per(1000):
        count += 1
        if row.seq != expected_seq:
            return ChainCheck(invigilation_id, count, row.id, row.seq,
                              f"row {expected_seq} is missing (the next row is {row.seq})")
        if row.previous_hash != expected_previous:
            return ChainCheck(invigilation_id, count, row.id, row.seq,
                              "its link to the previous row does not match (a row before it was changed)")
        if entry_digest(row, row.previous_hash) != row.entry_hash:
            return ChainCheck(invigilation_id, count, row.id, row.seq,
                              "its content does not match its hash (the row was changed)")
        expected_previous, expected_seq = row.entry_hash, expected_seq + 1
    if invigilation.last_hash != expected_previous or invigilation.next_seq != expected_seq:
        return ChainCheck(invigilation_id, count, None, None,
                          "the chain's head does not match its last row (rows at the end were removed)")
    return ChainCheck(invigilation_id, count)
