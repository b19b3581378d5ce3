"""The purge: delete the media files of invigilations whose retention has ended, and record each
deletion in the invigilation's own log (a ``media_purged`` row listing the keys and SHA-256s
deleted, never content). The log rows of the media stay: they hold metadata and the SHA-256, and
the chain still verifies.

Proctoring sits below results (layers, docs/architecture.md), so what it cannot know itself — when
the sitting's results were released, whether an appeal is open, when an examiner last decided on the
result — is handed in by the composition root (``assessment/invigilation_retention.py``) as
``UpperFacts`` per invigilation. Outcomes and flag reviews are proctoring's own and read here.

Idempotent: the files outstanding for an invigilation are those of its media rows after its last
``media_purged`` row, so a second run finds nothing to delete and writes nothing.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core import audit
from core.roles import SYSTEM, Actor, Role, require_role
from proctoring import log
from proctoring.media import MediaStore
from proctoring.models import FlagReview, Invigilation, InvigilationEvent, InvigilationFlag, InvigilationOutcome
from proctoring.retention.rules import (Reason, RetentionDecision, RetentionFacts, RetentionSettings,
                                        retention_decision)
from proctoring.rules import MEDIA_KINDS, FlagDecision, LogKind


@dataclass(frozen=True)
class UpperFacts:
    """What the layers above know about one invigilation's attempt and sitting."""

    released_at: dt.datetime | None
    appeal_open: bool = False
    examiner_decided_at: dt.datetime | None = None


@dataclass(frozen=True)
class MediaScope:
    """An invigilation that still has media files outstanding (not yet purged)."""

    invigilation_id: int
    sitting_id: int
    candidate_id: int
    attempt_ids: tuple[int, ...]


@dataclass(frozen=True)
class PurgedFile:
    key: str
    sha256: str | None
    size: int | None
    event_ids: tuple[int, ...]
    was_present: bool  # False: the store no longer had it (recorded all the same)

    def as_payload(self) -> dict:
        return {"key": self.key, "sha256": self.sha256, "size": self.size, "event_ids": list(self.event_ids),
                "was_present": self.was_present}


@dataclass(frozen=True)
class InvigilationPurge:
    invigilation_id: int
    decision: RetentionDecision
    files: tuple[PurgedFile, ...]
    purge_event_id: int | None = None  # the ``media_purged`` row (None in a dry run or when kept)

    @property
    def n_files(self) -> int:
        return len(self.files)


@dataclass(frozen=True)
class KeptInvigilation:
    invigilation_id: int
    decision: RetentionDecision
    n_files: int


@dataclass
class PurgeReport:
    now: dt.datetime
    dry_run: bool
    purged: list[InvigilationPurge] = field(default_factory=list)
    kept: list[KeptInvigilation] = field(default_factory=list)
    failure: str = ""  # the store refused a deletion: the run stopped there (what was done before stands)

    @property
    def files_deleted(self) -> int:
        return sum(1 for p in self.purged for f in p.files if f.was_present)

    @property
    def files_recorded(self) -> int:
        return sum(p.n_files for p in self.purged)

    def kept_by_reason(self) -> dict[Reason, int]:
        counts: dict[Reason, int] = {}
        for kept in self.kept:
            counts[kept.decision.reason] = counts.get(kept.decision.reason, 0) + 1
        return counts

    def as_json(self) -> dict:
        return {
            "now": self.now.isoformat(), "dry_run": self.dry_run,
            "files_deleted": self.files_deleted, "files_recorded": self.files_recorded,
            "purged": [{"invigilation": p.invigilation_id, "purge_event": p.purge_event_id,
                        "files": [f.as_payload() for f in p.files]} for p in self.purged],
            "failure": self.failure or None,
            "kept": [{"invigilation": k.invigilation_id, "reason": str(k.decision.reason), "files": k.n_files,
                      "keep_until": k.decision.keep_until.isoformat() if k.decision.keep_until else None}
                     for k in self.kept],
        }


def _last_purge_seq():
    return (select(InvigilationEvent.invigilation_id, func.max(InvigilationEvent.seq).label("seq"))
            .where(InvigilationEvent.kind == LogKind.MEDIA_PURGED).group_by(InvigilationEvent.invigilation_id)
            .subquery())


def _outstanding_rows():
    """A select of media rows that come after their invigilation's last purge."""
    last = _last_purge_seq()
    return (select(InvigilationEvent)
            .outerjoin(last, last.c.invigilation_id == InvigilationEvent.invigilation_id)
            .where(InvigilationEvent.kind.in_(sorted(MEDIA_KINDS)), InvigilationEvent.media_key.is_not(None),
                   InvigilationEvent.seq > func.coalesce(last.c.seq, 0)))


def media_scopes(session: Session) -> list[MediaScope]:
    """Every invigilation with media files not yet purged, with its attempts (for the facts above)."""
    ids = select(_outstanding_rows().subquery().c.invigilation_id).distinct()
    invigilations = list(session.scalars(select(Invigilation).where(Invigilation.id.in_(ids))
                                         .order_by(Invigilation.id)))
    attempts: dict[int, set[int]] = {}
    for invigilation_id, attempt_id in session.execute(
            select(InvigilationEvent.invigilation_id, InvigilationEvent.attempt_id).distinct()
            .where(InvigilationEvent.invigilation_id.in_([i.id for i in invigilations]),
                   InvigilationEvent.attempt_id.is_not(None))):
        attempts.setdefault(invigilation_id, set()).add(attempt_id)
    return [MediaScope(i.id, i.sitting_id, i.candidate_id, tuple(sorted(attempts.get(i.id, ()))))
            for i in invigilations]


def _own_facts(session: Session, invigilation_id: int, upper: UpperFacts | None) -> RetentionFacts:
    outcome = session.scalar(select(InvigilationOutcome).where(InvigilationOutcome.invigilation_id == invigilation_id)
                             .order_by(InvigilationOutcome.id.desc()).limit(1))
    latest_review = (select(FlagReview.flag_id, func.max(FlagReview.id).label("last"))
                     .join(InvigilationFlag, InvigilationFlag.id == FlagReview.flag_id)
                     .where(InvigilationFlag.invigilation_id == invigilation_id)
                     .group_by(FlagReview.flag_id).subquery())
    confirmed_at = session.scalar(select(func.max(FlagReview.reviewed_at))
                                  .join(latest_review, latest_review.c.last == FlagReview.id)
                                  .where(FlagReview.decision == FlagDecision.CONFIRMED))
    upper = upper or UpperFacts(released_at=None)
    return RetentionFacts(released_at=upper.released_at, appeal_open=upper.appeal_open,
                          outcome=outcome.outcome if outcome else None,
                          outcome_at=outcome.recorded_at if outcome else None,
                          examiner_decided_at=upper.examiner_decided_at, confirmed_flag_at=confirmed_at)


def _files(session: Session, invigilation_id: int) -> list[tuple[str, str | None, int | None, list[int]]]:
    """The outstanding files of one invigilation: key, SHA-256, size and the rows that name it."""
    by_key: dict[str, tuple[str | None, int | None, list[int]]] = {}
    query = _outstanding_rows().where(InvigilationEvent.invigilation_id == invigilation_id) \
        .order_by(InvigilationEvent.seq)
    for row in session.scalars(query):
        sha, size, ids = by_key.setdefault(row.media_key, (row.media_sha256, row.media_size, []))
        ids.append(row.id)
    return [(key, sha, size, ids) for key, (sha, size, ids) in by_key.items()]


def purge(session: Session, *, store: MediaStore, facts_by_invigilation: Mapping[int, UpperFacts],
          settings: RetentionSettings, now: dt.datetime, dry_run: bool = False, actor: Actor = SYSTEM,
          scopes: list[MediaScope] | None = None) -> PurgeReport:
    """Delete the files of every invigilation whose retention has ended (``rules.retention_decision``)
    and append one ``media_purged`` row per invigilation listing what was deleted; audit each. An
    invigilation missing from ``facts_by_invigilation`` counts as not released (kept). A dry run
    deletes and writes nothing and reports what a real run would do. When the store fails, the run
    stops and says so in ``report.failure``; what was purged before stands. Flushes; the caller
    commits."""
    require_role(actor, Role.ADMIN)
    report = PurgeReport(now=now, dry_run=dry_run)
    for scope in scopes if scopes is not None else media_scopes(session):
        facts = _own_facts(session, scope.invigilation_id, facts_by_invigilation.get(scope.invigilation_id))
        decision = retention_decision(facts, settings, now)
        files = _files(session, scope.invigilation_id)
        if not files:
            continue
        if not decision.due:
            report.kept.append(KeptInvigilation(scope.invigilation_id, decision, len(files)))
            continue
        if dry_run:
            report.purged.append(InvigilationPurge(scope.invigilation_id, decision, tuple(
                PurgedFile(k, s, n, tuple(i), store.exists(k)) for k, s, n, i in files)))
            continue
        try:
            purged = tuple(PurgedFile(k, s, n, tuple(i), store.delete(k)) for k, s, n, i in files)
        except Exception as error:  # noqa: BLE001 - any store failure stops the run, reported in one line
            # The files of this invigilation deleted before the failure have no row yet: the next run
            # finds them outstanding, records them as absent and deletes the rest.
            report.failure = (f"The media store refused a deletion for invigilation {scope.invigilation_id} "
                              f"({type(error).__name__}: {error}); the run stopped there.")
            break
        row = log.append(session, invigilation_id=scope.invigilation_id, kind=LogKind.MEDIA_PURGED, now=now,
                         actor_id=actor.user_id, reason=decision.explanation,
                         payload={"files": [f.as_payload() for f in purged],
                                  "released_at": facts.released_at.isoformat() if facts.released_at else None,
                                  "keep_until": decision.keep_until.isoformat() if decision.keep_until else None})
        audit.record(session, actor=actor, action="invigilation.media_purged", target_type="invigilation",
                     target_id=scope.invigilation_id, now=now,
                     after={"purge_event_id": row.id, "files": len(purged),
                            "deleted": sum(1 for f in purged if f.was_present),
                            "keys": [f.key for f in purged]})
        report.purged.append(InvigilationPurge(scope.invigilation_id, decision, purged, row.id))
    return report
