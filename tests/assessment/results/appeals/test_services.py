"""Appeals through their services: lodging (and every refusal), the panel (each conflict source
refused, fewer than two registered case managers refused, a declared conflict breaking the panel), the
outcomes (dismissed, upheld for a re-mark, upheld to void with a free resit), the evidence hold and
its signals, and what each person may see."""
import datetime as dt
import os
from pathlib import Path

import pytest
from sqlalchemy import select

from assessment.results.appeals import queries, services
from assessment.results.appeals.models import AppealEvidence, ResitEntitlement
from assessment.results.appeals.rules import Status
from core import signals
from core.audit import AuditEntry
from core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from core.roles import Actor, Role
from tests import uploads_data
from tests.assessment.results.appeals.builders import PDF, PNG, RELEASED_AT
from tests.uploads_data import evidence_sealer

LATER = RELEASED_AT + dt.timedelta(days=2)


def _fields(error):
    return {p.field: p.message for p in error.value.problems}


# --- lodging --------------------------------------------------------------------------------------

def test_a_candidate_appeals_with_grounds_a_statement_and_evidence(db, released, lodge, upload_folder):
    appeal = lodge(grounds=["marking_error", "technical_failure"],
                   files=[services.EvidenceFile("letter.pdf", PDF), services.EvidenceFile("screen shot.png", PNG)])
    assert appeal.attempt_id == released.attempt.id and appeal.release_id == released.release.id
    assert appeal.grounds == ["marking_error", "technical_failure"]
    stored = db.scalars(select(AppealEvidence).where(AppealEvidence.appeal_id == appeal.id)
                        .order_by(AppealEvidence.id)).all()
    assert [(e.filename, e.content_type) for e in stored] == [("letter.pdf", "application/pdf"),
                                                             ("screen_shot.png", "image/png")]
    kept = services.evidence_path(upload_folder, stored[0].sha256)
    assert evidence_sealer().read(kept) == PDF and PDF not in kept.read_bytes()  # sealed on disk
    view = queries.appeal_view(db, appeal.id)
    assert view.status is Status.AWAITING_PANEL
    assert db.scalar(select(AuditEntry.action).where(AuditEntry.target_type == "appeal",
                                                     AuditEntry.target_id == str(appeal.id))) == "appeal.lodged"


def test_an_appeal_outside_the_window_is_refused(db, lodge):
    with pytest.raises(Conflict, match="within 28 days"):
        lodge(now=RELEASED_AT + dt.timedelta(days=28, minutes=1))
    assert lodge(now=RELEASED_AT + dt.timedelta(days=7), window_days=7).id


def test_a_second_open_appeal_on_the_same_result_is_refused(lodge):
    lodge()
    with pytest.raises(Conflict, match="already have an open appeal"):
        lodge()


def test_someone_elses_result_is_not_found(lodge, make_user):
    with pytest.raises(NotFound, match="no such result of yours"):
        lodge(actor=make_user(Role.CANDIDATE).actor)


def test_only_a_candidate_may_appeal(lodge, released):
    with pytest.raises(Forbidden):
        lodge(actor=released.admin.actor)


def test_a_superseded_result_cannot_be_appealed(db, released, lodge):
    from assessment.results.models import CandidateResult, ResultRelease

    newer = ResultRelease(sitting_id=released.sitting.id, scoring_run_id=released.run.id,
                          cut_score_decision_id=released.decision.id, pass_mark=1.0, supersedes_id=released.release.id,
                          reasons="Item 2 excluded", released_by_id=released.releaser.id,
                          released_at=RELEASED_AT + dt.timedelta(days=1))
    db.add(newer)
    db.flush()
    db.add(CandidateResult(release_id=newer.id, attempt_id=released.attempt.id, candidate_id=released.candidate.id,
                           score=1.0, max_score=3.0, pass_mark=1.0, outcome="pass", theme_feedback={}))
    db.flush()
    with pytest.raises(NotFound, match="replaced by a later release"):
        lodge(now=RELEASED_AT + dt.timedelta(days=2))


def test_a_withheld_result_cannot_be_appealed_yet(db, make_user, framework, upload_folder):
    from tests.assessment.results.appeals.builders import released_result

    withheld = released_result(db, make_user, outcome="withheld")
    with pytest.raises(Conflict, match="withheld"):
        services.lodge_appeal(db, actor=withheld.candidate.actor, candidate_result_id=withheld.result.id,
                              grounds=["other"], statement="Why?", files=[], upload_folder=upload_folder, sealer=evidence_sealer(),
                              scan_command=None, window_days=28, now=LATER)


def test_grounds_and_a_statement_are_required_and_files_are_checked(db, released, lodge):
    with pytest.raises(ValidationFailed) as error:
        lodge(grounds=[], statement="  ", files=[services.EvidenceFile("notes.txt", b"plain text")])
    assert _fields(error) == {"grounds": "Choose at least one ground for your appeal",
                              "statement": "Say why you are appealing: what happened and how it affected your result",
                              "evidence": "notes.txt must be a PDF, PNG or JPEG (checked by what is inside the "
                                          "file, not its name)"}
    with pytest.raises(ValidationFailed) as error:
        lodge(files=[services.EvidenceFile("big.pdf", PDF + b"0" * (10 * 1024 * 1024))])
    assert _fields(error) == {"evidence": "big.pdf must be smaller than 10 MB"}
    with pytest.raises(ValidationFailed) as error:
        lodge(files=[services.EvidenceFile(f"{n}.pdf", PDF) for n in range(6)])
    assert _fields(error) == {"evidence": "Send at most 5 files"}
    assert queries.open_appeal_of(db, released.attempt.id) is None  # nothing was written


def test_evidence_is_checked_by_its_content_and_nothing_is_written_when_refused(db, released, lodge, upload_folder):
    for data, words in uploads_data.bad_files():
        with pytest.raises(ValidationFailed) as error:
            lodge(files=[services.EvidenceFile("letter.pdf", PDF), services.EvidenceFile("screen.pdf", data)])
        assert [(p.field, words in p.message) for p in error.value.problems] == [("evidence", True)], words
        assert error.value.problems[0].message.startswith("screen.pdf ")
    assert queries.open_appeal_of(db, released.attempt.id) is None
    assert not os.path.exists(upload_folder)  # not even the good file was kept


def test_a_file_the_virus_scanner_refuses_is_refused_beside_the_field(db, released, upload_folder):
    with pytest.raises(ValidationFailed) as error:
        services.lodge_appeal(db, actor=released.candidate.actor, candidate_result_id=released.result.id,
                              grounds=["other"], statement="See the letter", files=[services.EvidenceFile("a.pdf", PDF)],
                              upload_folder=upload_folder, sealer=evidence_sealer(), scan_command="false {path}", window_days=28, now=LATER)
    assert _fields(error) == {"evidence": "The file did not pass the virus check, so it was not accepted. If you "
                                          "believe it is safe, contact the exams team"}
    assert queries.open_appeal_of(db, released.attempt.id) is None


# --- the panel --------------------------------------------------------------------------------------

def _appoint(db, released, appeal, members, now=LATER):
    return services.appoint_panel(db, actor=released.admin.actor, appeal_id=appeal.id,
                                  member_ids=[m.id for m in members], reasons="Panel for the appeal", now=now)


@pytest.mark.parametrize("who, reason", [
    ("candidate", "is the candidate who appeals"),
    ("marker", "marked a written answer of this attempt"),
    ("invigilator", "invigilated this attempt"),
    ("setter", "set the standard for this sitting"),
    ("judge", "set the standard for this sitting"),
    ("withholder", "examined this sitting"),
    ("decider", "examined this sitting"),
    ("approver", "examined this sitting"),
    ("releaser", "examined this sitting"),
])
def test_a_conflicted_panellist_is_refused(db, released, lodge, who, reason):
    appeal = lodge()
    person = getattr(released, who)
    person.is_registered_case_manager = True
    with pytest.raises(ValidationFailed) as error:
        _appoint(db, released, appeal, [released.managers[0], released.managers[1], person])
    [(field, message)] = [(p.field, p.message) for p in error.value.problems]
    assert field == "member_3"
    assert message.startswith(f"{person.full_name} cannot sit on this panel: they {reason}")
    assert queries.appeal_view(db, appeal.id).panel is None


def test_fewer_than_two_registered_case_managers_is_refused(db, released, lodge, make_user):
    appeal = lodge()
    with pytest.raises(ValidationFailed) as error:
        _appoint(db, released, appeal, [released.managers[0], released.lay, make_user()])
    assert [p.message for p in error.value.problems] == [
        "At least 2 members of the panel must be registered case managers; only 1 is."]


def test_only_an_administrator_appoints_and_never_for_their_own_appeal(db, released, lodge, make_user):
    appeal = lodge()
    with pytest.raises(Forbidden):
        services.appoint_panel(db, actor=released.decider.actor, appeal_id=appeal.id,
                               member_ids=[m.id for m in released.managers], reasons="", now=LATER)
    released.candidate.role_grants  # noqa: B018 - loaded
    from assessment.accounts import services as accounts
    accounts.grant_role(db, actor=released.admin.actor, user_id=released.candidate.id, role=Role.ADMIN, now=LATER,
                        client_address=None)
    db.refresh(released.candidate)
    with pytest.raises(Forbidden, match="your own appeal"):
        services.appoint_panel(db, actor=released.candidate.actor, appeal_id=appeal.id,
                               member_ids=[m.id for m in released.managers], reasons="", now=LATER)


def test_a_member_who_declares_a_conflict_breaks_the_panel_and_cannot_be_appointed_again(db, released, lodge):
    appeal = lodge()
    one, two, three = released.managers
    _appoint(db, released, appeal, [one, two, three])
    assert queries.appeal_view(db, appeal.id).status is Status.PANEL_CONVENING
    services.respond_to_appointment(db, actor=one.actor, appeal_id=appeal.id, has_conflict=False, statement="",
                                    now=LATER)
    with pytest.raises(ValidationFailed):  # a conflict needs saying what it is
        services.respond_to_appointment(db, actor=three.actor, appeal_id=appeal.id, has_conflict=True, statement="",
                                        now=LATER)
    services.respond_to_appointment(db, actor=three.actor, appeal_id=appeal.id, has_conflict=True,
                                    statement="I supervised the candidate last year.", now=LATER)
    assert queries.appeal_view(db, appeal.id).status is Status.AWAITING_PANEL
    with pytest.raises(ValidationFailed) as error:
        _appoint(db, released, appeal, [one, two, three])
    assert [p.message for p in error.value.problems] == [
        "Manager Three cannot sit on this panel: they declared a conflict of interest."]
    released.lay.is_registered_case_manager = True
    _appoint(db, released, appeal, [one, two, released.lay])
    view = queries.appeal_view(db, appeal.id)
    assert len(view.panels) == 2 and view.status is Status.PANEL_CONVENING  # everyone accepts again


def test_a_panel_cannot_be_replaced_while_it_stands(db, released, lodge):
    appeal = lodge()
    _appoint(db, released, appeal, released.managers)
    with pytest.raises(Conflict, match="already has a panel"):
        _appoint(db, released, appeal, released.managers)


def test_accepting_is_refused_when_a_conflict_arose_after_appointment(db, released, lodge):
    from scoring.marking.models import Mark, Script

    appeal = lodge()
    one, two, three = released.managers
    _appoint(db, released, appeal, [one, two, three])
    script = db.scalar(select(Script).where(Script.attempt_id == released.attempt.id))
    db.add(Mark(script_id=script.id, marker_id=two.id, round="second", mark=2, justification="Agree", created_at=LATER))
    db.flush()
    with pytest.raises(Conflict, match="you marked a written answer of this attempt"):
        services.respond_to_appointment(db, actor=two.actor, appeal_id=appeal.id, has_conflict=False, statement="",
                                        now=LATER)


def test_someone_not_on_the_panel_cannot_answer_or_decide(db, released, lodge):
    appeal = lodge()
    _appoint(db, released, appeal, released.managers)
    with pytest.raises(Forbidden):
        services.respond_to_appointment(db, actor=released.lay.actor, appeal_id=appeal.id, has_conflict=False,
                                        statement="", now=LATER)
    with pytest.raises(Forbidden):
        services.record_outcome(db, actor=released.admin.actor, appeal_id=appeal.id, outcome="dismissed",
                                reasons="No", now=LATER)


# --- outcomes ------------------------------------------------------------------------------------

def _sitting_panel(db, released, appeal):
    _appoint(db, released, appeal, released.managers)
    for member in released.managers:
        services.respond_to_appointment(db, actor=member.actor, appeal_id=appeal.id, has_conflict=False,
                                        statement="", now=LATER)
    assert queries.appeal_view(db, appeal.id).status is Status.PANEL_SITTING


def test_the_panel_decides_only_once_all_three_have_accepted(db, released, lodge):
    appeal = lodge()
    _appoint(db, released, appeal, released.managers)
    services.respond_to_appointment(db, actor=released.managers[0].actor, appeal_id=appeal.id, has_conflict=False,
                                    statement="", now=LATER)
    with pytest.raises(Conflict, match="all three members have accepted"):
        services.record_outcome(db, actor=released.managers[0].actor, appeal_id=appeal.id, outcome="dismissed",
                                reasons="No error found", now=LATER)


def test_dismissed_closes_the_appeal_with_reasons_and_tells_the_candidate(db, released, lodge):
    from core.notifications import for_user

    appeal = lodge()
    _sitting_panel(db, released, appeal)
    with pytest.raises(ValidationFailed) as error:
        services.record_outcome(db, actor=released.managers[1].actor, appeal_id=appeal.id, outcome="maybe",
                                reasons="", now=LATER)
    assert set(_fields(error)) == {"outcome", "reasons"}
    services.record_outcome(db, actor=released.managers[1].actor, appeal_id=appeal.id, outcome="dismissed",
                            reasons="The marks were checked; no error.", now=LATER)
    view = queries.appeal_view(db, appeal.id)
    assert view.status is Status.DISMISSED and view.outcome.reasons == "The marks were checked; no error."
    assert view.outcome.recorded_by_id == released.managers[1].id and view.entitlement is None
    assert "Dismissed" in for_user(db, released.candidate.id)[0].message
    with pytest.raises(Conflict, match="has been decided"):
        services.record_outcome(db, actor=released.managers[0].actor, appeal_id=appeal.id, outcome="upheld_remark",
                                reasons="Changed our minds", now=LATER)
    assert lodge(now=LATER).id != appeal.id  # a closed appeal does not block a new one in the window


def test_upheld_for_a_re_mark_asks_marking_and_the_re_mark_waits_for_the_fresh_mark(db, released, lodge):
    """The service's refusals; the whole way to a new run and release is in test_remark_walkthrough."""
    from scoring.marking import services as marking
    from scoring.marking.models import RemarkRequest, Script

    appeal = lodge()
    _sitting_panel(db, released, appeal)
    examiner = released.approver
    with pytest.raises(Conflict, match="not upheld for a re-mark"):
        services.record_remark(db, actor=examiner.actor, appeal_id=appeal.id, reasons="Too early", now=LATER)
    services.record_outcome(db, actor=released.managers[0].actor, appeal_id=appeal.id, outcome="upheld_remark",
                            reasons="Item 1 was marked against the wrong rubric.", now=LATER)
    assert [v.appeal.id for v in queries.remark_requests(db)] == [appeal.id]
    assert queries.appeal_view(db, appeal.id).status is Status.REMARK_REQUESTED
    [request] = db.scalars(select(RemarkRequest)).all()  # marking heard appeal_closed
    assert (request.appeal_id, request.attempt_id, request.sitting_id, request.requested_at) == (
        appeal.id, released.attempt.id, released.sitting.id, LATER)
    with pytest.raises(Conflict, match=r"1 written answer\(s\) still wait for their mark after the appeal "
                                       r"\(candidate 271828, item 1\)"):
        services.record_remark(db, actor=examiner.actor, appeal_id=appeal.id, reasons="Re-marked", now=LATER)
    with pytest.raises(Forbidden):
        services.record_remark(db, actor=released.managers[0].actor, appeal_id=appeal.id, reasons="x", now=LATER)
    with pytest.raises(Forbidden, match="You cannot act on your own appeal"):
        services.record_remark(db, actor=Actor(released.candidate.id, "candidate and examiner",
                                               frozenset({Role.EXAMINER, Role.CANDIDATE})), appeal_id=appeal.id,
                               reasons="x", now=LATER)
    # The first marker may not re-mark it; nobody may without an allocation in the sitting.
    script_id = db.scalar(select(Script.id).where(Script.attempt_id == released.attempt.id))
    with pytest.raises(Forbidden, match="no marking allocation"):
        marking.give_mark(db, released.releaser.actor, script_id, "appeal", 3, "Fresh eyes", LATER)


def test_upheld_to_void_grants_a_free_resit(db, released, lodge):
    appeal = lodge()
    _sitting_panel(db, released, appeal)
    services.record_outcome(db, actor=released.managers[2].actor, appeal_id=appeal.id, outcome="upheld_void_resit",
                            reasons="The invigilation software failed for 20 minutes.", now=LATER)
    [entitlement] = queries.resit_entitlements(db, released.candidate.id)
    assert (entitlement.appeal_id, entitlement.voided_attempt_id, entitlement.granted_by_id) == (
        appeal.id, released.attempt.id, released.managers[2].id)
    assert queries.voided_by_appeal(db, released.sitting.id) == {released.attempt.id}
    assert queries.appeal_view(db, appeal.id).status is Status.VOIDED
    assert db.scalars(select(ResitEntitlement)).all() == [entitlement]


def test_the_decision_is_refused_if_a_member_became_conflicted(db, released, lodge):
    from scoring.standard_setting.models import StandardSettingExercise

    appeal = lodge()
    _sitting_panel(db, released, appeal)
    db.add(StandardSettingExercise(title="Second look", exam_paper_id=released.run.exam_paper_id,
                                   sitting_id=released.sitting.id, lead_id=released.managers[1].id, created_at=LATER))
    db.flush()
    with pytest.raises(Conflict, match="Manager Two cannot sit on this panel: they set the standard"):
        services.record_outcome(db, actor=released.managers[0].actor, appeal_id=appeal.id, outcome="dismissed",
                                reasons="No error", now=LATER)


# --- the evidence hold ----------------------------------------------------------------------------

def test_an_open_appeal_holds_the_attempts_evidence_and_the_signals_say_so(db, released, lodge):
    heard = []

    def opened(sender, **kw):
        heard.append(("opened", kw))

    def closed(sender, **kw):
        heard.append(("closed", kw))

    signals.appeal_opened.connect(opened)
    signals.appeal_closed.connect(closed)
    try:
        assert queries.evidence_holds(db, released.attempt.id) == []
        appeal = lodge()
        [hold] = queries.evidence_holds(db, released.attempt.id)
        assert (hold.appeal_id, hold.since) == (appeal.id, appeal.lodged_at)
        assert queries.held_attempt_ids(db) == {released.attempt.id}
        _sitting_panel(db, released, appeal)
        assert queries.evidence_holds(db, released.attempt.id)  # still open while the panel sits
        services.record_outcome(db, actor=released.managers[0].actor, appeal_id=appeal.id, outcome="dismissed",
                                reasons="No error", now=LATER)
    finally:
        signals.appeal_opened.disconnect(opened)
        signals.appeal_closed.disconnect(closed)
    assert queries.evidence_holds(db, released.attempt.id) == []
    assert queries.held_attempt_ids(db) == set()
    assert heard == [("opened", {"appeal_id": appeal.id, "attempt_id": released.attempt.id}),
                     ("closed", {"appeal_id": appeal.id, "attempt_id": released.attempt.id, "outcome": "dismissed",
                                 "now": LATER})]


# --- who sees what --------------------------------------------------------------------------------

def test_a_candidate_sees_their_own_appeals_only(db, released, lodge, make_user):
    appeal = lodge()
    other = make_user(Role.CANDIDATE)
    assert [v.appeal.id for v in queries.my_appeals(db, actor=released.candidate.actor)] == [appeal.id]
    assert queries.my_appeals(db, actor=other.actor) == []
    with pytest.raises(NotFound):
        queries.visible_appeal(db, actor=other.actor, appeal_id=appeal.id)
    with pytest.raises(NotFound):
        queries.visible_appeal(db, actor=released.decider.actor, appeal_id=appeal.id)
    assert queries.visible_appeal(db, actor=released.admin.actor, appeal_id=appeal.id).appeal.id == appeal.id
    _appoint(db, released, appeal, released.managers)
    assert queries.visible_appeal(db, actor=released.managers[0].actor, appeal_id=appeal.id).appeal.id == appeal.id
    assert [v.appeal.id for v in queries.my_panels(db, actor=released.managers[0].actor)] == [appeal.id]


def test_appealable_results_show_the_window_and_why_not(db, released, lodge):
    [row] = queries.appealable_results(db, actor=released.candidate.actor, now=LATER, window_days=28)
    assert row.problem is None and row.closes_at == RELEASED_AT + dt.timedelta(days=28)
    appeal = lodge()
    [row] = queries.appealable_results(db, actor=released.candidate.actor, now=LATER, window_days=28)
    assert row.open_appeal_id == appeal.id and "already have an open appeal" in row.problem


def test_evidence_is_stored_once_per_content(db, released, lodge, upload_folder):
    lodge(files=[services.EvidenceFile("a.pdf", PDF), services.EvidenceFile("b.pdf", PDF)])
    files = list(Path(upload_folder, "appeals").rglob("*"))
    assert len([f for f in files if f.is_file()]) == 1
