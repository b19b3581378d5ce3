"""Reading the audit log with filters (reads only; the writes are in core.audit)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.audit import AuditEntry
from core.clock import LONDON
from core.roles import Actor, Role, require_role

PAGE_SIZE = 50


@dataclass(frozen=True)
class AuditFilters:
    action: str = ""
    actor: str = ""
    target: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    page: int = 1
    problems: tuple[str, ...] = ()

    @classmethod
    def from_args(cls, args) -> AuditFilters:
        problems = []

        def parse_date(name: str, label: str) -> dt.date | None:
            raw = (args.get(name) or "").strip()
            if not raw:
                return None
            try:
                return dt.date.fromisoformat(raw)
            except ValueError:
                problems.append(f"{label} must be a real date, like 2026-11-23")
                return None

        page_raw = args.get("page", "1")
        page = int(page_raw) if page_raw.isdigit() and int(page_raw) > 0 else 1
        return cls(action=(args.get("action") or "").strip(), actor=(args.get("actor") or "").strip(),
                   target=(args.get("target") or "").strip(), date_from=parse_date("from", "The ‘from’ date"),
                   date_to=parse_date("to", "The ‘to’ date"), page=page, problems=tuple(problems))


@dataclass(frozen=True)
class AuditPage:
    entries: list[AuditEntry]
    total: int
    page: int
    pages: int


def _london_midnight_utc(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=LONDON).astimezone(dt.timezone.utc)


def audit_page(session: Session, *, actor: Actor, filters: AuditFilters) -> AuditPage:
    require_role(actor, Role.ADMIN)
    query = select(AuditEntry)
    if filters.action:
        query = query.where(AuditEntry.action == filters.action)
    if filters.actor:
        query = query.where(func.lower(AuditEntry.actor_label).like(f"%{filters.actor.lower()}%"))
    if filters.target:
        query = query.where(AuditEntry.target_id == filters.target)
    if filters.date_from:
        query = query.where(AuditEntry.occurred_at >= _london_midnight_utc(filters.date_from))
    if filters.date_to:
        query = query.where(AuditEntry.occurred_at < _london_midnight_utc(filters.date_to + dt.timedelta(days=1)))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(filters.page, pages)
    entries = list(session.scalars(query.order_by(AuditEntry.id.desc()).offset((page - 1) * PAGE_SIZE)
                                   .limit(PAGE_SIZE)))
    return AuditPage(entries, total, page, pages)


def audit_actions(session: Session) -> list[str]:
    return list(session.scalars(select(AuditEntry.action).distinct().order_by(AuditEntry.action)))
