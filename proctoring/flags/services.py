"""Turning an invigilation's log into flags. ``analyse`` counts the faces in every snapshot not yet
counted (one ``faces_counted`` row each), runs the pure policy over the whole log with the attempt's
window and the candidate's approved adjustments, and stores each new finding as an
``InvigilationFlag``. It is a job run every minute or so during a sitting (``cop invigilation analyse
--open``) and once more after it; running it again raises nothing twice. It writes only
``faces_counted`` rows and flags (and one audit row when it raises any): never an outcome, never a
review. A flag is evidence for a person, not a decision."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from assessment.delivery import services as delivery
from assessment.delivery.models import Attempt
from core import audit
from core.errors import NotFound
from core.roles import SYSTEM
from proctoring import faces, log, policy
from proctoring.media import MediaMissing, MediaStore
from proctoring.models import Invigilation, InvigilationEvent, InvigilationFlag
from proctoring.rules import LogKind


@dataclass(frozen=True)
class Analysis:
    invigilation_id: int
    attempt_id: int | None
    faces_counted: int
    flags_raised: tuple[InvigilationFlag, ...] = field(default=())

    def summary(self) -> str:
        attempt = f"attempt {self.attempt_id}" if self.attempt_id else "no attempt yet"
        flags = len(self.flags_raised)
        return (f"invigilation {self.invigilation_id} ({attempt}): {self.faces_counted} snapshot"
                f"{'' if self.faces_counted == 1 else 's'} counted, {flags} new flag{'' if flags == 1 else 's'}")


def policy_settings(config) -> policy.PolicySettings:
    """The policy's thresholds, with the heartbeat and snapshot intervals the player is configured to
    use (face readings further apart than four snapshot intervals never make one spell)."""
    snapshot_s = float(config.get("INVIGILATION_SNAPSHOT_INTERVAL_S", 30))
    return policy.PolicySettings(heartbeat_interval_s=float(config.get("INVIGILATION_HEARTBEAT_INTERVAL_S", 15)),
                                 reading_gap_s=4 * snapshot_s)


def _locked(session: Session, invigilation_id: int) -> Invigilation:
    """One analysis of an invigilation at a time (two would both insert the same new flag)."""
    query = select(Invigilation).where(Invigilation.id == invigilation_id)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    invigilation = session.execute(query).scalar_one_or_none()
    if invigilation is None:
        raise NotFound("There is no such invigilation.")
    return invigilation


def count_faces(session: Session, *, invigilation_id: int, store: MediaStore, now: dt.datetime) -> int:
    """A ``faces_counted`` row for every snapshot that has none yet; how many were counted. A file
    that is gone or cannot be read gives a reading that says so (no evidence either way)."""
    rows = log.rows(session, invigilation_id, kinds={LogKind.SNAPSHOT, LogKind.FACES_COUNTED})
    counted = {r.payload.get("snapshot_event_id") for r in rows if r.kind == LogKind.FACES_COUNTED}
    done = 0
    for snapshot in rows:
        if snapshot.kind != LogKind.SNAPSHOT or snapshot.id in counted:
            continue
        try:
            reading = faces.read_frame(store.get(snapshot.media_key)) if snapshot.media_key else \
                faces.FrameReading(readable=False, problem="The snapshot has no file.")
        except MediaMissing:
            reading = faces.FrameReading(readable=False, problem="The snapshot's file is no longer in the store.")
        log.append(session, invigilation_id=invigilation_id, kind=LogKind.FACES_COUNTED, now=now,
                   occurred_at=snapshot.occurred_at, attempt_id=snapshot.attempt_id,
                   payload={"snapshot_event_id": snapshot.id, **reading.as_payload()})
        done += 1
    return done


def _as_policy_row(row: InvigilationEvent) -> policy.LogRow:
    return policy.LogRow(id=row.id, kind=str(row.kind), occurred_at=row.occurred_at, received_at=row.received_at,
                         payload=row.payload or {})


def window_of(session: Session, attempt: Attempt, now: dt.datetime) -> policy.AttemptWindow:
    """The attempt's window as delivery folds it: its start, its end (submitted, timed out or voided)
    and the intervals its clock was stopped (staff pauses and rest breaks)."""
    _steps, events = delivery.evidence(session, attempt.id)
    ended_at = delivery.view_of(session, attempt, now).ended_at
    return policy.AttemptWindow(started_at=attempt.started_at, ended_at=ended_at,
                                stopped=policy.stopped_intervals((e.kind, e.at) for e in events))


def adjustments_of(session: Session, attempt: Attempt) -> policy.Adjustments:
    """The approved adjustments, as decided now or as the attempt took them at its start (either
    counts: an adjustment is never taken away from an attempt already under way)."""
    approved = delivery.approved_adjustments(session, attempt.candidate_id)
    preferences = attempt.preferences or {}
    return policy.Adjustments(
        uses_screen_reader=bool(preferences.get("screen_reader")) or bool(approved and approved.uses_screen_reader),
        rest_breaks=bool(attempt.has_rest_breaks) or bool(approved and approved.rest_breaks),
        extra_time_pct=max(attempt.extra_time_pct or 0, approved.extra_time_pct if approved else 0))


def _key(kind, starts_at: dt.datetime) -> tuple[str, dt.datetime]:
    return str(kind), starts_at.astimezone(dt.timezone.utc)


def analyse(session: Session, *, invigilation_id: int, store: MediaStore, now: dt.datetime,
            settings: policy.PolicySettings | None = None) -> Analysis:
    """Count new snapshots' faces, run the policy, store the new findings as flags; flush."""
    invigilation = _locked(session, invigilation_id)
    counted = count_faces(session, invigilation_id=invigilation.id, store=store, now=now)
    attempt = delivery.latest_attempt(session, invigilation.sitting_id, invigilation.candidate_id)
    if attempt is None:
        return Analysis(invigilation.id, None, counted)
    rows = [_as_policy_row(r) for r in log.rows(session, invigilation.id) if r.attempt_id in (None, attempt.id)]
    found = policy.findings(rows, window_of(session, attempt, now), now=now,
                            adjustments=adjustments_of(session, attempt), settings=settings or policy.PolicySettings())
    existing = {_key(kind, starts) for kind, starts in session.execute(
        select(InvigilationFlag.kind, InvigilationFlag.starts_at).where(InvigilationFlag.invigilation_id == invigilation.id))}
    raised = []
    for finding in found:
        if _key(finding.kind, finding.starts_at) in existing:
            continue
        flag = InvigilationFlag(invigilation_id=invigilation.id, attempt_id=attempt.id, kind=finding.kind,
                                severity=finding.severity, starts_at=finding.starts_at, ends_at=finding.ends_at,
                                evidence_event_ids=list(finding.evidence_ids), detail=finding.detail,
                                policy_version=policy.POLICY_VERSION, raised_at=now)
        session.add(flag)
        raised.append(flag)
    if raised:
        session.flush()
        audit.record(session, actor=SYSTEM, action="invigilation.flags_raised", target_type="invigilation",
                     target_id=invigilation.id, after={"flags": [f.id for f in raised],
                                                       "policy_version": policy.POLICY_VERSION}, now=now)
    return Analysis(invigilation.id, attempt.id, counted, tuple(raised))


def invigilations_to_analyse(session: Session, *, attempt_id: int | None = None, sitting_id: int | None = None,
                             open_at: dt.datetime | None = None, grace: dt.timedelta = dt.timedelta(hours=1)) -> list[int]:
    """The invigilations one run covers: an attempt's, a sitting's, or those of every sitting open at
    ``open_at`` (or closed within ``grace`` before it, so that the last rows are analysed too)."""
    from assessment.delivery.models import Sitting

    if attempt_id is not None:
        attempt = session.get(Attempt, attempt_id)
        if attempt is None:
            raise NotFound("There is no such attempt.")
        found = log.invigilation_for(session, sitting_id=attempt.sitting_id, candidate_id=attempt.candidate_id,
                                     now=open_at or attempt.started_at, create=False)
        if found is None:
            raise NotFound("That attempt has no invigilation (its sitting is not invigilated, or nothing was recorded).")
        return [found.id]
    query = select(Invigilation.id).join(Sitting, Sitting.id == Invigilation.sitting_id)
    if sitting_id is not None:
        if session.get(Sitting, sitting_id) is None:
            raise NotFound("There is no such sitting.")
        query = query.where(Invigilation.sitting_id == sitting_id)
    elif open_at is not None:
        query = query.where(Sitting.opens_at <= open_at, Sitting.closes_at >= open_at - grace)
    else:
        raise ValueError("say which invigilations: an attempt, a sitting or the open sittings")
    return list(session.scalars(query.order_by(Invigilation.id)))
