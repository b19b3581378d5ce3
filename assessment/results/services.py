"""Use cases that write results: an examiner's decision to withhold, void or reinstate one
candidate's result, and the release of a sitting's results (and a later release that supersedes it).

A release pins one final scoring run and one approved cut-score decision of the sitting, writes one
``CandidateResult`` per scored candidate, queues an e-mail to each (``core.mail``) and an in-app
notification in the same transaction, and sends ``results_released`` with the release's id.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import audit, mail, notifications, signals
from core.errors import Conflict, FieldProblem, NotFound, ValidationFailed
from core.roles import Actor, Role, require_role
from assessment.accounts.models import User
from assessment.delivery.models import Attempt, Sitting
from assessment.delivery.services import require_not_candidate_in
from assessment.results import rules
from assessment.results.appeals import queries as appeal_queries
from assessment.results.certificates import credentials as certificate_credentials
from assessment.results.certificates import services as certificates
from assessment.results.models import CandidateResult, ExaminerResultDecision, ResultRelease
from item_bank.framework.models import Standard, Substandard, Theme
from item_bank.models import ItemMapping
from proctoring.review import queries as invigilation_review
from scoring.cut_scores.models import CutScoreApproval, CutScoreDecision
from scoring.standard_setting import models as _exercises  # noqa: F401 - the table a decision's FK names
from scoring.runs.models import ScoringRun, ScoringRunItem, ScoringRunScore

RESULT_PATH = "/results/sittings/{sitting_id}"  # the candidate's result page (views.candidate_result)


def examined_sitting(session: Session, actor: Actor, sitting_id: int) -> Sitting:
    """The sitting an examiner acts on: a real one, and not one they are a candidate in."""
    require_role(actor, Role.EXAMINER)
    sitting = session.get(Sitting, sitting_id)
    if sitting is None or sitting.is_practice:
        raise NotFound("There is no such sitting.")
    require_not_candidate_in(session, actor, sitting)
    return sitting


def current_release(session: Session, sitting_id: int) -> ResultRelease | None:
    """The release that stands: the newest, which supersedes every earlier one."""
    return session.scalar(select(ResultRelease).where(ResultRelease.sitting_id == sitting_id)
                          .order_by(ResultRelease.id.desc()).limit(1))


def examiner_actions(session: Session, sitting_id: int) -> dict[int, list[ExaminerResultDecision]]:
    """Attempt id → the examiners' decisions on its result, oldest first."""
    found: dict[int, list[ExaminerResultDecision]] = {}
    for row in session.scalars(select(ExaminerResultDecision).where(ExaminerResultDecision.sitting_id == sitting_id)
                               .order_by(ExaminerResultDecision.id)):
        found.setdefault(row.attempt_id, []).append(row)
    return found


@dataclass(frozen=True)
class PendingInvigilation:
    """An attempt whose latest invigilation outcome awaits an examiner, with no examiner decision since."""

    attempt_id: int
    outcome_label: str
    reasons: str
    reviewer: str
    recorded_at: dt.datetime


def invigilation_pending(session: Session, sitting_id: int) -> list[PendingInvigilation]:
    """The sitting's attempts whose latest invigilation outcome awaits an examiner (withheld pending
    an examiner's decision, or referred for misconduct) and on which no examiner has decided since
    (withhold, void or reinstate, the last letting the result stand). A flag or an outcome never
    withholds or voids a result by itself: an examiner does, here."""
    decided = examiner_actions(session, sitting_id)
    return [PendingInvigilation(o.attempt_id, o.outcome.label, o.reasons, o.reviewer, o.recorded_at)
            for o in invigilation_review.outcomes_awaiting_examiner(session, sitting_id)
            if not any(row.decided_at >= o.recorded_at for row in decided.get(o.attempt_id, []))]


def decide_on_result(session: Session, *, actor: Actor, sitting_id: int, attempt_id: int,
                     action: rules.ExaminerAction | str, reasons: str, now: dt.datetime) -> ExaminerResultDecision:
    """Withhold, void or reinstate one candidate's result, with reasons. Takes effect at the next release
    (a release already made stands until a new one supersedes it)."""
    sitting = examined_sitting(session, actor, sitting_id)
    problems = []
    try:
        action = rules.ExaminerAction(action)
    except ValueError:
        problems.append(FieldProblem("action", "Choose withhold, void or reinstate"))
    attempt = session.get(Attempt, attempt_id) if attempt_id else None
    if attempt is None or attempt.sitting_id != sitting.id:
        problems.append(FieldProblem("attempt", "Choose a candidate of this sitting"))
    problem = rules.reasons_problem(reasons, required=True)
    if problem:
        problems.append(FieldProblem("reasons", problem))
    if problems:
        raise ValidationFailed("There is a problem", problems)
    history = examiner_actions(session, sitting.id).get(attempt.id, [])
    standing = rules.standing_outcome([row.action for row in history])
    if action is rules.ExaminerAction.REINSTATE and standing is None and \
            attempt.id not in {p.attempt_id for p in invigilation_pending(session, sitting.id)}:
        raise ValidationFailed("There is a problem",
                               [FieldProblem("action", "This result is neither withheld nor voided")])
    row = ExaminerResultDecision(sitting_id=sitting.id, attempt_id=attempt.id, action=action,
                                 reasons=reasons.strip(), decided_by_id=actor.user_id, decided_at=now)
    session.add(row)
    session.flush()
    audit.record(session, actor=actor, action=f"result.{action.value}", target_type="attempt", target_id=attempt.id,
                 after={"sitting": sitting.id, "reasons": row.reasons}, now=now)
    return row


def versions_themes(session: Session, version_ids) -> dict[int, set[str]]:
    """Item version id → the theme codes it maps to (primary and other sub-standards)."""
    rows = session.execute(
        select(ItemMapping.item_version_id, Theme.code)
        .join(Substandard, Substandard.id == ItemMapping.substandard_id)
        .join(Standard, Standard.id == Substandard.standard_id)
        .join(Theme, Theme.id == Standard.theme_id)
        .where(ItemMapping.item_version_id.in_(list(version_ids))))
    themes: dict[int, set[str]] = {}
    for version_id, code in rows:
        themes.setdefault(version_id, set()).add(code)
    return themes


def item_themes(session: Session, items: list[ScoringRunItem]) -> list[set[str]]:
    """For each of a run's items, the theme codes its version maps to."""
    themes = versions_themes(session, [i.item_version_id for i in items])
    return [themes.get(i.item_version_id, set()) for i in items]


def is_approved(session: Session, decision_id: int) -> bool:
    return session.scalar(select(CutScoreApproval.id).where(CutScoreApproval.decision_id == decision_id)) is not None


def check_release(session: Session, sitting: Sitting, run_id: int | None, decision_id: int | None,
                  reasons: str) -> tuple[ScoringRun, CutScoreDecision, ResultRelease | None]:
    """The run, the decision and the release this one would supersede, or every reason it cannot be made."""
    problems = []
    run = session.get(ScoringRun, run_id) if run_id else None
    if run is None or run.sitting_id != sitting.id:
        problems.append(FieldProblem("run", "Choose a scoring run of this sitting"))
    elif run.is_provisional:
        problems.append(FieldProblem("run", f"Run {run.id} is provisional: marking was not finished when it was "
                                            "made. Choose a final run, or make one once marking is finished"))
    decision = session.get(CutScoreDecision, decision_id) if decision_id else None
    if decision is None or decision.sitting_id != sitting.id:
        problems.append(FieldProblem("decision", "Choose a cut-score decision of this sitting"))
    elif not is_approved(session, decision.id):
        problems.append(FieldProblem("decision", f"Decision {decision.id} has not been approved by a second "
                                                 "examiner, so it cannot be used"))
    elif run is not None and run.sitting_id == sitting.id and decision.scoring_run_id != run.id:
        decided_on = session.get(ScoringRun, decision.scoring_run_id)
        if decided_on is None or abs(decided_on.max_score - run.max_score) > 1e-9:
            problems.append(FieldProblem("decision", f"Decision {decision.id} was made on run "
                                                     f"{decision.scoring_run_id}, whose maximum differs from run "
                                                     f"{run.id}'s: record a decision on run {run.id}"))
    if decision is not None and run is not None and not 0 <= decision.pass_mark <= run.max_score:
        problems.append(FieldProblem("decision", "The decision's pass mark is outside the run's range of marks"))
    pending = invigilation_pending(session, sitting.id)
    if pending:
        from assessment.results.queries import candidate_numbers  # the board's numbers (queries imports us)

        numbers = candidate_numbers(session, sitting.id)
        listed = ", ".join(f"candidate {numbers.get(p.attempt_id, p.attempt_id)} ({p.outcome_label.lower()})"
                           for p in pending)
        problems.append(FieldProblem("invigilation", (
            f"{len(pending)} invigilation outcome{' awaits' if len(pending) == 1 else 's await'} an examiner's "
            f"decision: {listed}. Withhold, void or reinstate (let stand) each of these results first")))
    previous = current_release(session, sitting.id)
    problem = rules.reasons_problem(reasons, required=previous is not None)
    if problem:
        if previous is not None and not (reasons or "").strip():
            problem = (f"Results were released on {previous.released_at:%d %B %Y}; a new release replaces them, "
                       "so give the reasons for it")
        problems.append(FieldProblem("reasons", problem))
    if problems:
        raise ValidationFailed("The results cannot be released", problems)
    return run, decision, previous


def release_results(session: Session, *, actor: Actor, sitting_id: int, run_id: int, decision_id: int,
                    reasons: str = "", now: dt.datetime, feedback_band: float = rules.DEFAULT_BAND,
                    result_path: str = RESULT_PATH, base_url: str = "",
                    issuer: certificate_credentials.Issuer) -> ResultRelease:
    """Release a sitting's results on one final run and one approved decision (see the module's
    docstring); ``base_url`` starts the link in the e-mails (config ``BASE_URL``); ``issuer`` signs
    the certificates of those who passed (``certificates.services.issuer_from_config``). Refuses,
    with every reason, a provisional run, an unapproved decision, and a new release without reasons."""
    sitting = examined_sitting(session, actor, sitting_id)
    run, decision, previous = check_release(session, sitting, run_id, decision_id, reasons)
    scores = list(session.scalars(select(ScoringRunScore).where(ScoringRunScore.run_id == run.id)
                                  .order_by(ScoringRunScore.id)))
    if not scores:
        raise Conflict(f"Run {run.id} scored no candidates, so there is nothing to release.")
    release = ResultRelease(sitting_id=sitting.id, scoring_run_id=run.id, cut_score_decision_id=decision.id,
                            pass_mark=decision.pass_mark, supersedes_id=previous.id if previous else None,
                            reasons=(reasons or "").strip(), released_by_id=actor.user_id, released_at=now)
    session.add(release)
    session.flush()
    items = sorted(run.items, key=lambda i: i.position)
    themes = item_themes(session, items)
    max_marks = [i.max_mark for i in items]
    imposed = {attempt_id: rules.standing_outcome([r.action for r in rows])
               for attempt_id, rows in examiner_actions(session, sitting.id).items()}
    # An appeal upheld with "void and resit" voids the result in every release after it.
    imposed.update(dict.fromkeys(appeal_queries.voided_by_appeal(session, sitting.id), rules.Outcome.VOIDED))
    counts = {outcome: 0 for outcome in rules.Outcome}
    results = []
    for score in scores:
        outcome = rules.outcome_of(score.total, decision.pass_mark, imposed.get(score.attempt_id))
        counts[outcome] += 1
        shown = outcome in (rules.Outcome.PASS, rules.Outcome.FAIL)
        feedback = rules.theme_feedback(
            themes, [None if i.is_excluded else m for i, m in zip(items, score.marks)], max_marks,
            pass_mark=decision.pass_mark, max_score=run.max_score, band=feedback_band) if shown else {}
        results.append(CandidateResult(release_id=release.id, attempt_id=score.attempt_id,
                                       candidate_id=score.candidate_id, score=score.total if shown else None,
                                       max_score=run.max_score, pass_mark=decision.pass_mark,
                                       outcome=outcome.value, theme_feedback=feedback))
    session.add_all(results)
    session.flush()
    _tell_candidates(session, sitting, [r.candidate_id for r in results], previous is not None,
                     result_path.format(sitting_id=sitting.id), base_url, now)
    audit.record(session, actor=actor, action="results.release", target_type="result_release", target_id=release.id,
                 after={"sitting": sitting.id, "run": run.id, "decision": decision.id, "pass_mark": decision.pass_mark,
                        "supersedes": release.supersedes_id, "counts": {k.value: v for k, v in counts.items()},
                        "reasons": release.reasons}, now=now)
    # Certificates are part of the release: issued in its transaction (cheap: no PDF is made here).
    certificates.issue_for_release(session, release, actor, now, issuer=issuer)
    signals.results_released.send(session, release_id=release.id)
    return release


def _tell_candidates(session: Session, sitting: Sitting, candidate_ids: list[int], is_correction: bool,
                     path: str, base_url: str, now: dt.datetime) -> None:
    """An in-app notification and a queued e-mail for each candidate. The e-mail says where to read the
    result, never the result itself (mail can be read by others)."""
    base = base_url.rstrip("/")
    people = {u.id: u for u in session.scalars(select(User).where(User.id.in_(candidate_ids)))}
    if is_correction:
        note = f"Your result for {sitting.title} has been corrected. Read your result."
        subject = f"Your corrected result: {sitting.title}"
    else:
        note = f"Your result for {sitting.title} is ready. Read your result."
        subject = f"Your result is ready: {sitting.title}"
    for candidate_id in candidate_ids:
        person = people[candidate_id]
        notifications.notify(session, user_id=candidate_id, message=note, link=path, now=now)
        body = (f"Dear {person.full_name},\n\n"
                + (f"Your result for {sitting.title} has been corrected by a new release.\n\n" if is_correction
                   else f"Your result for {sitting.title} has been released.\n\n")
                + f"Sign in to read it, with your feedback by theme and your score report:\n{base}{path}\n\n"
                  "This message does not contain your result.\n\n"
                  "Certificate of Proficiency\n")
        mail.queue(session, to=person.email, subject=subject, body=body, now=now, user_id=candidate_id)
