"""Use cases of appeals that write. Each takes the acting ``actor`` and ``now``, owns every check
(role, ownership, window, conflicts, the panel's make-up) and flushes; the caller commits once.
Every row written is append-only, and each step is in the audit log too."""
from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.utils import secure_filename

from assessment.accounts.models import User
from assessment.results.appeals import queries, rules
from assessment.results.appeals.models import (Appeal, AppealEvidence, AppealOutcome, AppealPanel, AppealPanellist,
                                               AppealPanelResponse, AppealRemark, AppealWithdrawal, ResitEntitlement)
from core import audit, signals
from core.errors import Conflict, FieldProblem, Forbidden, NotFound, Problems, ValidationFailed
from core.notifications import notify
from core.roles import Actor, Role, require_role
from core.sealed import Sealer
from core.uploads import Inspected
from item_bank.authoring.attachments import MAX_BYTES, inspected_or_problem, scan, storage_path
from scoring.marking import services as marking
from scoring.runs import services as runs
from scoring.runs.models import ScoringRun, ScoringRunItem

APPOINTERS = (Role.ADMIN,)


@dataclass(frozen=True)
class EvidenceFile:
    filename: str
    data: bytes


def evidence_path(upload_folder: str, sha256: str) -> Path:
    """Appeal evidence lives in its own folder, outside the web root, under its SHA-256."""
    return storage_path(str(Path(upload_folder) / "appeals"), sha256)


def _check_files(files: list[EvidenceFile], problems: Problems) -> list[tuple[EvidenceFile, Inspected]]:
    """The same limits as evidence for reasonable adjustments: PDF, PNG or JPEG checked by their
    content (core.uploads), each under 10 MB; and at most ``rules.MAX_EVIDENCE_FILES`` of them.
    Each file with what is kept of it (a picture's metadata stripped)."""
    if len(files) > rules.MAX_EVIDENCE_FILES:
        problems.add("evidence", f"Send at most {rules.MAX_EVIDENCE_FILES} files")
        return []
    checked = []
    for upload in files:
        name = secure_filename(upload.filename) or "the file"
        if not upload.data:
            problems.add("evidence", f"{name} is empty")
        elif len(upload.data) > MAX_BYTES:
            problems.add("evidence", f"{name} must be smaller than 10 MB")
        else:
            inspected = inspected_or_problem(upload.data, problems, "evidence", name)
            if inspected is not None:
                checked.append((upload, inspected))
    return checked


def lodge_appeal(session: Session, *, actor: Actor, candidate_result_id: int, grounds: list[str], statement: str,
                 files: list[EvidenceFile], upload_folder: str, sealer: Sealer, scan_command: str | None,
                 window_days: int, now: dt.datetime) -> Appeal:
    """A candidate appeals their standing result. Refuses someone else's result (not found), a result
    outside the window, a withheld result and a second open appeal on the same attempt; writes
    nothing unless everything is in order."""
    require_role(actor, Role.CANDIDATE)
    # Locked on PostgreSQL, so two tabs lodging at once cannot both find no open appeal.
    session.execute(select(User.id).where(User.id == actor.user_id).with_for_update())
    found = queries.appealable_result(session, actor=actor, candidate_result_id=candidate_result_id, now=now,
                                      window_days=window_days)
    if found.problem:
        raise Conflict(found.problem)
    problems = Problems()
    grounds = list(dict.fromkeys(grounds))
    problem = rules.grounds_problem(grounds)
    if problem:
        problems.add("grounds", problem)
    statement = (statement or "").strip()
    if not statement:
        problems.add("statement", "Say why you are appealing: what happened and how it affected your result")
    elif len(statement) > rules.STATEMENT_MAX:
        problems.add("statement", f"Your statement must be {rules.STATEMENT_MAX:,} characters or fewer")
    checked = _check_files(files, problems)
    problems.raise_if_any()
    for _upload, inspected in checked:
        scan(inspected.data, scan_command, "evidence")
    result = found.result
    appeal = Appeal(candidate_result_id=result.id, release_id=result.release_id, sitting_id=found.release.sitting_id,
                    attempt_id=result.attempt_id, candidate_id=actor.user_id, grounds=grounds, statement=statement,
                    lodged_at=now)
    session.add(appeal)
    session.flush()
    for upload, inspected in checked:
        digest = hashlib.sha256(inspected.data).hexdigest()
        sealer.store(evidence_path(upload_folder, digest), inspected.data)
        session.add(AppealEvidence(appeal_id=appeal.id, filename=(secure_filename(upload.filename) or "evidence")[:200],
                                   content_type=inspected.content_type, size_bytes=len(inspected.data), sha256=digest,
                                   uploaded_at=now))
    session.flush()
    audit.record(session, actor=actor, action="appeal.lodged", target_type="appeal", target_id=appeal.id,
                 after={"attempt": appeal.attempt_id, "grounds": grounds, "files": len(files)}, now=now)
    signals.appeal_opened.send(session, appeal_id=appeal.id, attempt_id=appeal.attempt_id)
    return appeal


def _open_appeal(session: Session, appeal_id: int, *, lock: bool = False) -> queries.AppealView:
    if lock:  # on PostgreSQL, two people acting on one appeal take turns
        session.execute(select(Appeal.id).where(Appeal.id == appeal_id).with_for_update())
    view = queries.appeal_view(session, appeal_id)
    if view.status is rules.Status.WITHDRAWN:
        raise Conflict("This appeal was withdrawn by the candidate; nothing more can be changed.")
    if not view.status.is_open:
        raise Conflict("This appeal has been decided; nothing more can be changed.")
    return view


def appoint_panel(session: Session, *, actor: Actor, appeal_id: int, member_ids: list[int], reasons: str,
                  now: dt.datetime) -> AppealPanel:
    """An administrator appoints a whole panel: three different people, at least two of them
    registered case managers, none conflicted (``rules.panel_problems``). A panel may be appointed
    while none sits, or after a member of the last one declared a conflict."""
    require_role(actor, *APPOINTERS)
    view = _open_appeal(session, appeal_id, lock=True)
    if view.appeal.candidate_id == actor.user_id:
        raise Forbidden("You cannot appoint the panel of your own appeal.")
    if view.panel is not None and view.status is not rules.Status.AWAITING_PANEL:
        raise Conflict("This appeal already has a panel. Another can be appointed only if a member declares a "
                       "conflict.")
    member_ids = [int(i) for i in member_ids if i]
    people = {u.id: u for u in session.scalars(select(User).where(User.id.in_(member_ids)))} if member_ids else {}
    if any(i not in people for i in member_ids) or len(member_ids) < rules.PANEL_SIZE:
        raise ValidationFailed("There is a problem", [FieldProblem("members", f"Choose {rules.PANEL_SIZE} people "
                                                                              "for the panel")])
    proposed = [rules.Candidate(i, people[i].full_name, people[i].is_registered_case_manager) for i in member_ids]
    problems = rules.panel_problems(proposed, queries.conflict_sources(session, view.appeal.attempt_id, appeal_id))
    if problems:
        raise ValidationFailed("There is a problem", [
            FieldProblem("members" if p.member is None else f"member_{p.member + 1}", p.message) for p in problems])
    panel = AppealPanel(appeal_id=appeal_id, appointed_by_id=actor.user_id, appointed_at=now,
                        reasons=(reasons or "").strip())
    session.add(panel)
    session.flush()
    for member in proposed:
        session.add(AppealPanellist(panel_id=panel.id, user_id=member.user_id,
                                    is_registered_case_manager=member.is_registered_case_manager))
        notify(session, user_id=member.user_id, message=f"You have been appointed to the panel of appeal "
               f"{appeal_id}. Accept, or declare a conflict of interest.", link=f"/panel/appeals/{appeal_id}", now=now)
    session.flush()
    audit.record(session, actor=actor, action="appeal.panel_appointed", target_type="appeal", target_id=appeal_id,
                 after={"panel": panel.id, "members": member_ids, "reasons": panel.reasons}, now=now)
    return panel


def respond_to_appointment(session: Session, *, actor: Actor, appeal_id: int, has_conflict: bool, statement: str,
                           now: dt.datetime) -> AppealPanelResponse:
    """A member of the sitting panel accepts, declaring no conflict, or declares one (with what it
    is), which breaks the panel. Accepting is refused when the app knows of a conflict."""
    view = _open_appeal(session, appeal_id, lock=True)
    member = view.member_for(actor.user_id)
    if member is None:
        raise Forbidden("You are not on this appeal's panel.")
    if member.response is not None:
        raise Conflict("You have already answered this appointment.")
    statement = (statement or "").strip()
    if has_conflict and not statement:
        raise ValidationFailed("There is a problem", [FieldProblem("statement", "Say what your conflict of "
                                                                                "interest is")])
    if len(statement) > rules.REASONS_MAX:
        raise ValidationFailed("There is a problem", [FieldProblem(
            "statement", f"The statement must be {rules.REASONS_MAX:,} characters or fewer")])
    if not has_conflict:
        kinds = rules.conflicts_of(actor.user_id, queries.conflict_sources(session, view.appeal.attempt_id, appeal_id))
        if kinds:
            raise Conflict(rules.conflict_sentence("You", kinds).replace("You cannot sit on this panel: they",
                                                                         "You cannot sit on this panel: you"))
    response = AppealPanelResponse(panellist_id=member.panellist.id, has_conflict=has_conflict, statement=statement,
                                   responded_at=now)
    session.add(response)
    session.flush()
    audit.record(session, actor=actor, action="appeal.conflict_declared" if has_conflict else "appeal.panel_accepted",
                 target_type="appeal", target_id=appeal_id, after={"panel": member.panellist.panel_id,
                                                                   "statement": statement}, now=now)
    return response


def record_outcome(session: Session, *, actor: Actor, appeal_id: int, outcome: str, reasons: str,
                   now: dt.datetime) -> AppealOutcome:
    """A member of the panel records its outcome once all three have accepted. Upheld for a re-mark:
    the examiners see the request (``queries.remark_requests``). Upheld to void: a resit at no cost
    is granted. The appeal closes and the hold on the attempt's evidence is released."""
    view = _open_appeal(session, appeal_id, lock=True)
    member = view.member_for(actor.user_id)
    if member is None:
        raise Forbidden("Only a member of this appeal's panel can record its outcome.")
    if view.status is not rules.Status.PANEL_SITTING:
        raise Conflict("The panel can decide once all three members have accepted their appointment.")
    # The sources may have changed since the members accepted (a new release, a new marker).
    sources = queries.conflict_sources(session, view.appeal.attempt_id, appeal_id)
    conflicted = [rules.conflict_sentence(m.name, rules.conflicts_of(m.panellist.user_id, sources))
                  for m in view.panel.members if rules.conflicts_of(m.panellist.user_id, sources)]
    if conflicted:
        raise Conflict(" ".join(conflicted) + " An administrator must appoint another panel.")
    problems = Problems()
    if outcome not in {o.value for o in rules.Outcome}:
        problems.add("outcome", "Choose the panel's outcome")
    reasons = (reasons or "").strip()
    if not reasons:
        problems.add("reasons", "Give the panel's reasons: the candidate will read them")
    elif len(reasons) > rules.REASONS_MAX:
        problems.add("reasons", f"The reasons must be {rules.REASONS_MAX:,} characters or fewer")
    problems.raise_if_any()
    decided = AppealOutcome(appeal_id=appeal_id, panel_id=view.panel.panel.id, outcome=rules.Outcome(outcome),
                            reasons=reasons, recorded_by_id=actor.user_id, recorded_at=now)
    session.add(decided)
    if decided.outcome is rules.Outcome.UPHELD_VOID_RESIT:
        session.add(ResitEntitlement(appeal_id=appeal_id, candidate_id=view.appeal.candidate_id,
                                     voided_attempt_id=view.appeal.attempt_id, granted_by_id=actor.user_id,
                                     granted_at=now, reasons=reasons))
    session.flush()
    audit.record(session, actor=actor, action="appeal.decided", target_type="appeal", target_id=appeal_id,
                 after={"outcome": decided.outcome.value, "reasons": reasons, "panel": decided.panel_id}, now=now)
    notify(session, user_id=view.appeal.candidate_id, message=f"Your appeal has been decided. "
           f"{decided.outcome.label}.", link=f"/appeals/{appeal_id}", now=now)
    if decided.outcome is rules.Outcome.UPHELD_REMARK:
        for lead in queries.marking_leads(session, view.appeal.sitting_id):
            notify(session, user_id=lead, message=f"Appeal {appeal_id} was upheld for a re-mark of candidate "
                   f"{', '.join(view.scripts) or 'without written answers'}.", link=f"/appeals/remarks/{appeal_id}",
                   now=now)
    # Marking hears an upheld re-mark and asks a fresh examiner to mark the written answers again.
    signals.appeal_closed.send(session, appeal_id=appeal_id, attempt_id=view.appeal.attempt_id,
                               outcome=decided.outcome.value, now=now)
    return decided


def _decisions_of(session: Session, run_id: int) -> dict:
    """The decisions a run was made with, read from its item rows: the items it excluded, the keys it
    corrected and the second keys it accepted, written as ``run_scoring`` takes them."""
    items = session.scalars(select(ScoringRunItem).where(ScoringRunItem.run_id == run_id)
                            .order_by(ScoringRunItem.position))
    exclude, rekey, second_keys = [], {}, {}
    for item in items:
        if item.is_excluded:
            exclude.append(item.label)
        if item.original_key is not None:
            rekey[item.label] = _key_text(item.key)
        if item.accepted_keys:
            second_keys[item.label] = ",".join(str(k) for k in item.accepted_keys)
    return {"exclude": exclude, "rekey": rekey, "second_keys": second_keys}


def _key_text(key) -> str:
    """A key as an examiner would type it (``scoring.runs.rules.parse_key`` reads it back)."""
    if isinstance(key, list):
        return ",".join(str(k) for k in key)
    if isinstance(key, dict):
        return ",".join(f"{stem}:{option}" for stem, option in key.items())
    return str(key)


def record_remark(session: Session, *, actor: Actor, appeal_id: int, reasons: str, now: dt.datetime) -> AppealRemark:
    """An examiner records that an appeal's re-mark is done. Refused until every written answer of the
    attempt has its mark after the appeal (a paper with no written items needs none). Then makes a new
    scoring run of the sitting with the same decisions (exclusions, corrected keys, second keys, paper)
    as the run of the release appealed against, so that it differs from that run only where this
    candidate's marks changed, and records the re-mark with that run. A new release carries it."""
    require_role(actor, Role.EXAMINER)
    session.execute(select(Appeal.id).where(Appeal.id == appeal_id).with_for_update())
    view = queries.appeal_view(session, appeal_id)
    if view.appeal.candidate_id == actor.user_id:
        raise Forbidden("You cannot act on your own appeal.")
    if view.outcome is None or view.outcome.outcome is not rules.Outcome.UPHELD_REMARK:
        raise Conflict("This appeal was not upheld for a re-mark.")
    if view.remark is not None:
        raise Conflict("The re-mark of this appeal is already recorded.")
    progress = queries.remark_progress(session, appeal_id)
    if progress.request is None:  # upheld before marking heard appeals (or with no subscriber): ask it now
        marking.request_remark(session, appeal_id=appeal_id, attempt_id=view.appeal.attempt_id, now=now)
        progress = queries.remark_progress(session, appeal_id)
    waiting = [s.script.candidate_number + f", item {s.script.slot}" for s in progress.scripts if s.mark is None]
    if waiting:
        raise Conflict(f"{len(waiting)} written answer(s) still wait for their mark after the appeal (candidate "
                       f"{'; '.join(waiting)}). Record the re-mark once a fresh examiner has marked them.")
    reasons = (reasons or "").strip()
    if not reasons:
        raise ValidationFailed("There is a problem", [FieldProblem("reasons", "Say what was re-marked and by whom")])
    if len(reasons) > rules.REASONS_MAX:
        raise ValidationFailed("There is a problem", [FieldProblem(
            "reasons", f"The reasons must be {rules.REASONS_MAX:,} characters or fewer")])
    appealed = session.get(ScoringRun, view.release.scoring_run_id)
    run = runs.run_scoring(session, actor=actor, sitting_id=view.appeal.sitting_id, now=now,
                           **_decisions_of(session, appealed.id), reason=f"Re-mark after appeal {appeal_id}",
                           exam_paper_id=appealed.exam_paper_id)
    remark = AppealRemark(appeal_id=appeal_id, scoring_run_id=run.id, reasons=reasons, recorded_by_id=actor.user_id,
                          recorded_at=now)
    session.add(remark)
    session.flush()
    audit.record(session, actor=actor, action="appeal.remarked", target_type="appeal", target_id=appeal_id,
                 after={"scoring_run": run.id, "from_run": appealed.id, "reasons": reasons}, now=now)
    notify(session, user_id=view.appeal.candidate_id, message="Your written answers have been marked again after "
           "your appeal. A new release of the results will show your result.", link=f"/appeals/{appeal_id}", now=now)
    return remark


def withdraw_appeal(session: Session, *, actor: Actor, appeal_id: int, reason: str,
                    now: dt.datetime) -> AppealWithdrawal:
    """The candidate withdraws their own appeal before the panel decides, with an optional reason. The
    appeal closes, the hold on the attempt's evidence is released, and the panel is told."""
    require_role(actor, Role.CANDIDATE)
    session.execute(select(Appeal.id).where(Appeal.id == appeal_id).with_for_update())
    view = queries.appeal_view(session, appeal_id)
    if view.appeal.candidate_id != actor.user_id:
        raise NotFound("There is no such appeal.")
    problem = rules.withdrawal_problem(view.status)
    if problem:
        raise Conflict(problem)
    reason = (reason or "").strip()
    if len(reason) > rules.REASONS_MAX:
        raise ValidationFailed("There is a problem", [FieldProblem(
            "reason", f"Your reason must be {rules.REASONS_MAX:,} characters or fewer")])
    withdrawal = AppealWithdrawal(appeal_id=appeal_id, withdrawn_by_id=actor.user_id, reason=reason,
                                  withdrawn_at=now)
    session.add(withdrawal)
    session.flush()
    audit.record(session, actor=actor, action="appeal.withdrawn", target_type="appeal", target_id=appeal_id,
                 after={"reason": reason}, now=now)
    for member in view.panel.members if view.panel else []:
        notify(session, user_id=member.panellist.user_id, message=f"Appeal {appeal_id} has been withdrawn by the "
               "candidate: the panel need not meet.", link=f"/panel/appeals/{appeal_id}", now=now)
    signals.appeal_closed.send(session, appeal_id=appeal_id, attempt_id=view.appeal.attempt_id, outcome="withdrawn",
                               now=now)
    return withdrawal


__all__ = ["appoint_panel", "lodge_appeal", "record_outcome", "record_remark", "respond_to_appointment",
           "withdraw_appeal"]
