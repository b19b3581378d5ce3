"""Refuses updates and deletes of evidence rows.

A model opts in with ``__append_only__ = True``. The guard runs at flush time, so it
catches every path through the ORM; bulk SQL bypasses it, which is why the audit log
is also hash-chained.
"""
from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.orm import Session


class AppendOnlyViolation(Exception):
    pass


def _is_append_only(instance) -> bool:
    return bool(getattr(type(instance), "__append_only__", False))


@event.listens_for(Session, "before_flush")
def _refuse_changes_to_evidence(session: Session, _context, _instances) -> None:
    for instance in session.deleted:
        if _is_append_only(instance):
            raise AppendOnlyViolation(f"{type(instance).__name__} rows are append-only; they cannot be deleted")
    for instance in session.dirty:
        if _is_append_only(instance) and session.is_modified(instance, include_collections=False):
            raise AppendOnlyViolation(f"{type(instance).__name__} rows are append-only; they cannot be changed")
