"""Walkthroughs of deciding applications through the services: two agreeing assessors, two
disagreeing (discussion, then a third), a request for more information (the clock pauses; a new round
on the answer), a refusal after the initial period and its review, and an appeal with a conflicted
panellist refused before a valid panel upholds it."""
import datetime as dt

import pytest
from sqlalchemy import select

from assessment.eligibility.decisions import queries, rules, services
from assessment.eligibility.decisions.models import AssessorJudgement
from assessment.eligibility.models import ApplicationEvent, ApplicationStatus, Registration
from core import append_only
from core.errors import Conflict, Forbidden, ValidationFailed
from core.mail import MailMessage
from core.notifications import Notification
from tests.assessment.eligibility.decisions.builders import (DEADLINE, SUBMITTED_AT, provide_information,
                                                             submitted_application)

TWO, ONE = rules.Mode.TWO_ASSESSORS, rules.Mode.SINGLE_WITH_REVIEW
LATER = SUBMITTED_AT + dt.timedelta(days=3)


def judge(db, who, app, rec, *, mode=TWO, codes=None, notes="", request="", now=LATER):
    codes = codes or (["meets_all_conditions"] if rec == "register" else ["hours_not_evidenced"])
    if rec == "refuse" and not notes:
        notes = "The hours are not shown by any evidence."
    return services.record_judgement(db, actor=who.actor, application_id=app.id, recommendation=rec,
                                     reason_codes=codes, notes=notes, request=request, mode=mode, now=now,
                                     certificate_deadline=DEADLINE)


def kinds(db, app):
    return [e.kind for e in db.scalars(select(ApplicationEvent).where(ApplicationEvent.application_id == app.id)
                                       .order_by(ApplicationEvent.id))]


def test_two_agreeing_assessors_register_the_applicant(db, people):
    app = submitted_application(db, people.applicant)
    judge(db, people.first, app, "register")
    assert app.status is ApplicationStatus.SUBMITTED
    judge(db, people.second, app, "register")
    assert app.status is ApplicationStatus.REGISTERED and app.decided_at == LATER
    registration = db.scalar(select(Registration).where(Registration.user_id == people.applicant.id))
    assert registration.number.startswith("CM-")
    assert registration.certificate_due_on == DEADLINE  # registered under the pre-certificate rules
    assert people.applicant.is_registered_case_manager
    registered = db.scalar(select(ApplicationEvent).where(ApplicationEvent.application_id == app.id,
                                                          ApplicationEvent.kind == "registered"))
    assert registered.data == {"number": registration.number}
    told = db.scalars(select(Notification.message).where(Notification.user_id == people.applicant.id)).all()
    assert any(registration.number in m for m in told)
    assert db.scalar(select(MailMessage).where(MailMessage.user_id == people.applicant.id)) is not None


def test_post_certificate_registrants_have_no_certificate_deadline(db, people):
    app = submitted_application(db, people.applicant, rules="post_certificate")
    judge(db, people.first, app, "register")
    judge(db, people.second, app, "register")
    assert db.scalar(select(Registration.certificate_due_on).where(Registration.user_id == people.applicant.id)) \
        is None


def test_the_applicant_and_a_second_recommendation_by_the_same_assessor_are_refused(db, people, make_user):
    from core.roles import Role
    assessor_applicant = make_user(Role.ASSESSOR, Role.CANDIDATE)
    own = submitted_application(db, assessor_applicant)
    with pytest.raises(Forbidden):
        judge(db, assessor_applicant, own, "register")
    app = submitted_application(db, people.applicant)
    judge(db, people.first, app, "register")
    with pytest.raises(Conflict, match="second assessor"):
        judge(db, people.first, app, "register")
    with pytest.raises(Forbidden):
        judge(db, people.applicant, app, "register")  # not an assessor


def test_bad_input_writes_nothing(db, people):
    app = submitted_application(db, people.applicant)
    with pytest.raises(ValidationFailed) as raised:
        judge(db, people.first, app, "refuse", codes=["meets_all_conditions"], notes=" ")
    assert {p.field for p in raised.value.problems} == {"reason_codes", "notes"}
    assert db.scalar(select(AssessorJudgement.id)) is None


def test_two_disagreeing_discuss_and_a_third_decides(db, people):
    app = submitted_application(db, people.applicant)
    judge(db, people.first, app, "register")
    judge(db, people.second, app, "refuse")
    assert app.status is ApplicationStatus.IN_DISCUSSION
    with pytest.raises(Conflict, match="discussion"):
        judge(db, people.first, app, "register")  # a note first
    with pytest.raises(Forbidden):
        services.add_discussion_note(db, actor=people.third.actor, application_id=app.id, note="me too", mode=TWO,
                                     now=LATER)
    services.add_discussion_note(db, actor=people.first.actor, application_id=app.id,
                                 note="The payslips show full-time work.", mode=TWO, now=LATER)
    services.add_discussion_note(db, actor=people.second.actor, application_id=app.id,
                                 note="They show employment, not the role.", mode=TWO, now=LATER)
    judge(db, people.first, app, "register")
    assert app.status is ApplicationStatus.IN_DISCUSSION
    judge(db, people.second, app, "refuse")
    assert app.status is ApplicationStatus.AWAITING_THIRD_ASSESSOR
    for either in (people.first, people.second):
        with pytest.raises(Conflict, match="third assessor"):
            judge(db, either, app, "register")
    judge(db, people.third, app, "refuse", codes=["role_not_case_management"], notes="The role was managerial.")
    assert app.status is ApplicationStatus.REFUSED
    refused = db.scalar(select(ApplicationEvent).where(ApplicationEvent.application_id == app.id,
                                                       ApplicationEvent.kind == "refused"))
    assert set(refused.data["reason_codes"]) == {"hours_not_evidenced", "role_not_case_management"}
    assert "The role was managerial." in refused.reason
    assert kinds(db, app).count("discussed") == 2


def test_more_information_pauses_the_clock_and_the_answer_starts_a_new_round(db, people):
    app = submitted_application(db, people.applicant)
    judge(db, people.first, app, "more_information", request="Send payslips for 2019 to 2024.")
    judge(db, people.second, app, "more_information", request="Confirm your hours in 2020.")
    assert app.status is ApplicationStatus.INFORMATION_REQUESTED
    asked = db.scalar(select(ApplicationEvent).where(ApplicationEvent.application_id == app.id,
                                                     ApplicationEvent.kind == "information_requested"))
    assert asked.data == {"request": "Send payslips for 2019 to 2024.\n\nConfirm your hours in 2020."}
    assert db.scalar(select(MailMessage.subject).where(MailMessage.user_id == people.applicant.id)).startswith(
        "More information needed")
    with pytest.raises(Conflict):
        judge(db, people.third, app, "register")  # nothing to assess while the applicant is asked
    paused = queries.clock(db, app.id, LATER + dt.timedelta(days=30))
    assert (paused.days, paused.paused) == (3, True)
    answered_at = LATER + dt.timedelta(days=10)
    provide_information(db, app, response="Payslips attached.", at=answered_at)
    resumed = queries.clock(db, app.id, answered_at + dt.timedelta(days=2))
    assert (resumed.days, resumed.paused) == (5, False)
    # A new round on the new submission: the same two assessors may recommend afresh.
    judge(db, people.first, app, "register", now=answered_at)
    assert app.status is ApplicationStatus.SUBMITTED
    judge(db, people.second, app, "register", now=answered_at)
    assert app.status is ApplicationStatus.REGISTERED
    assert queries.clock(db, app.id, answered_at + dt.timedelta(days=50)).stopped


def test_after_the_initial_period_a_refusal_is_reviewed_by_another_assessor(db, people):
    app = submitted_application(db, people.applicant)
    judge(db, people.first, app, "refuse", mode=ONE)
    assert app.status is ApplicationStatus.AWAITING_REVIEW
    with pytest.raises(Conflict, match="never by the assessor who refused"):
        judge(db, people.first, app, "refuse", mode=ONE)
    with pytest.raises(ValidationFailed):
        judge(db, people.second, app, "more_information", mode=ONE, request="x")
    judge(db, people.second, app, "register", mode=ONE, codes=["meets_all_conditions"],
          notes="The evidence of hours is sufficient.")
    assert app.status is ApplicationStatus.REGISTERED


def test_after_the_initial_period_a_confirmed_refusal_is_refused(db, people):
    app = submitted_application(db, people.applicant)
    judge(db, people.first, app, "refuse", mode=ONE)
    judge(db, people.second, app, "refuse", mode=ONE)
    assert app.status is ApplicationStatus.REFUSED


def _refused(db, people):
    app = submitted_application(db, people.applicant)
    judge(db, people.first, app, "refuse")
    judge(db, people.second, app, "refuse")
    assert app.status is ApplicationStatus.REFUSED
    return app


def lodge(db, who, app, now=LATER + dt.timedelta(days=1)):
    return services.lodge_appeal(db, actor=who.actor, application_id=app.id, grounds=["evidence_overlooked"],
                                 statement="My payslips were attached.", window_days=28, now=now)


def test_an_appeal_outside_the_window_or_by_someone_else_is_refused(db, people):
    app = _refused(db, people)
    with pytest.raises(Conflict, match="within 28 days"):
        lodge(db, people.applicant, app, now=LATER + dt.timedelta(days=29))
    from core.errors import NotFound
    with pytest.raises(NotFound):
        lodge(db, people.first, app)
    with pytest.raises(ValidationFailed):
        services.lodge_appeal(db, actor=people.applicant.actor, application_id=app.id, grounds=[], statement="",
                              window_days=28, now=LATER)


def test_a_refusal_appealed_a_conflicted_panellist_refused_then_a_valid_panel_upholds(db, people, make_user):
    from core.roles import Role
    app = _refused(db, people)
    appeal = lodge(db, people.applicant, app)
    assert app.status is ApplicationStatus.UNDER_APPEAL
    assert db.scalar(select(Notification.link).where(Notification.user_id == people.admin.id)) == \
        f"/registration-appeals/{appeal.id}/manage"
    managers = [make_user(Role.CANDIDATE, name=f"Manager {i}") for i in range(3)]
    for m in managers:
        m.is_registered_case_manager = True
    people.first.is_registered_case_manager = True
    db.flush()
    # The first assessor is a registered case manager, but assessed the application.
    with pytest.raises(ValidationFailed) as raised:
        services.appoint_panel(db, actor=people.admin.actor, appeal_id=appeal.id,
                               member_ids=[people.first.id, managers[0].id, people.admin.id], reasons="", now=LATER)
    assert [(p.field, p.message) for p in raised.value.problems] == [
        ("member_1", "Fay First cannot sit on this panel: they assessed the application.")]
    with pytest.raises(ValidationFailed, match="problem") as raised:
        services.appoint_panel(db, actor=people.admin.actor, appeal_id=appeal.id,
                               member_ids=[managers[0].id, people.admin.id, people.third.id], reasons="", now=LATER)
    assert raised.value.problems[0].message.startswith("At least 2 members")
    panel = services.appoint_panel(db, actor=people.admin.actor, appeal_id=appeal.id,
                                   member_ids=[managers[0].id, managers[1].id, people.third.id], reasons="", now=LATER)
    # A member declares a conflict: the panel is broken, and they cannot be appointed again.
    services.respond_to_appointment(db, actor=people.third.actor, appeal_id=appeal.id, has_conflict=True,
                                    statement="I supervised the applicant.", now=LATER)
    with pytest.raises(ValidationFailed, match="problem") as raised:
        services.appoint_panel(db, actor=people.admin.actor, appeal_id=appeal.id,
                               member_ids=[managers[0].id, managers[1].id, people.third.id], reasons="", now=LATER)
    assert "declared a conflict" in raised.value.problems[0].message
    second = services.appoint_panel(db, actor=people.admin.actor, appeal_id=appeal.id,
                                    member_ids=[managers[0].id, managers[1].id, managers[2].id], reasons="",
                                    now=LATER)
    assert second.id != panel.id
    with pytest.raises(Conflict, match="all three"):
        services.record_appeal_outcome(db, actor=managers[0].actor, appeal_id=appeal.id, outcome="upheld",
                                       reasons="x", now=LATER, certificate_deadline=DEADLINE)
    for m in managers:
        services.respond_to_appointment(db, actor=m.actor, appeal_id=appeal.id, has_conflict=False, statement="",
                                        now=LATER)
    services.record_appeal_outcome(db, actor=managers[1].actor, appeal_id=appeal.id, outcome="upheld",
                                   reasons="The payslips evidence the hours.", now=LATER,
                                   certificate_deadline=DEADLINE)
    assert app.status is ApplicationStatus.REGISTERED
    assert db.scalar(select(Registration).where(Registration.user_id == people.applicant.id)) is not None
    decided = db.scalar(select(ApplicationEvent).where(ApplicationEvent.application_id == app.id,
                                                       ApplicationEvent.kind == "appeal_decided"))
    assert decided.data["outcome"] == "upheld"
    assert kinds(db, app)[-2:] == ["appeal_decided", "registered"]


def test_a_dismissed_appeal_leaves_the_refusal_standing(db, people, make_user):
    from core.roles import Role
    app = _refused(db, people)
    appeal = lodge(db, people.applicant, app)
    managers = [make_user(Role.CANDIDATE) for _ in range(3)]
    for m in managers:
        m.is_registered_case_manager = True
    db.flush()
    services.appoint_panel(db, actor=people.admin.actor, appeal_id=appeal.id, member_ids=[m.id for m in managers],
                           reasons="", now=LATER)
    for m in managers:
        services.respond_to_appointment(db, actor=m.actor, appeal_id=appeal.id, has_conflict=False, statement="",
                                        now=LATER)
    services.record_appeal_outcome(db, actor=managers[0].actor, appeal_id=appeal.id, outcome="dismissed",
                                   reasons="The refusal was right.", now=LATER, certificate_deadline=DEADLINE)
    assert app.status is ApplicationStatus.REFUSED
    with pytest.raises(Conflict, match="already appealed"):
        lodge(db, people.applicant, app)


def test_the_decision_tables_are_append_only():
    assert {"assessor_judgements", "assessor_discussion_notes", "registration_appeals",
            "registration_appeal_panels", "registration_appeal_panellists", "registration_appeal_responses",
            "registration_appeal_outcomes"} <= append_only.append_only_tables()
