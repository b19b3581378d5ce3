"""Walkthroughs of the register with the clock: reminders at 60, 30 and 7 days exactly once, lapse
after the date, renewal moving the date, early registrants' Certificate deadline against real
releases, resit required, and administrators' actions."""
from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from sqlalchemy import select

from assessment.eligibility.models import RegistrationEvent, RegistrationStatus
from assessment.eligibility.register import queries, services
from core.audit import AuditEntry
from core.errors import Conflict, Forbidden, ValidationFailed
from core.mail import MailMessage
from core.notifications import Notification
from core.roles import SYSTEM
from tests import uploads_data
from tests.assessment.eligibility.register.conftest import DUE, ENTERED, noon, release_for
from tests.uploads_data import evidence_sealer

D = dt.date
DAY = dt.timedelta(days=1)


def events(db, registration, kind=None):
    query = select(RegistrationEvent).where(RegistrationEvent.registration_id == registration.id)
    if kind:
        query = query.where(RegistrationEvent.kind == kind)
    return list(db.scalars(query.order_by(RegistrationEvent.id)))


def mails(db, person):
    return list(db.scalars(select(MailMessage).where(MailMessage.user_id == person.id).order_by(MailMessage.id)))


def declare(db, person, day: D, hours: float, category="clinical"):
    return services.declare_cpd(db, actor=person.actor, activity_on=day, category=category, hours=hours,
                                description="A study day", evidence=None, categories=("clinical", "other"),
                                upload_folder="", sealer=evidence_sealer(), scan_command=None, now=noon(day))


def test_entry_sets_the_renewal_date_a_year_on(db, registrant):
    person, registration = registrant
    assert registration.number.startswith("CM-") and registration.renewal_due_on == DUE
    assert person.is_registered_case_manager


def test_reminders_at_60_30_and_7_days_exactly_once(db, registrant, daily):
    person, registration = registrant
    day = DUE - 75 * DAY
    while day <= DUE:
        daily(day)
        daily(day)  # cron ran twice: nothing is sent twice
        day += DAY
    reminded = events(db, registration, "reminded")
    assert [(e.data["days"], e.created_at.date()) for e in reminded] == [
        (60, (DUE - 60 * DAY)), (30, (DUE - 30 * DAY)), (7, (DUE - 7 * DAY))]
    sent = mails(db, person)
    assert [m.subject for m in sent] == ["Renew your registration by 23 November 2027"] * 3
    assert "in 60 days" in sent[0].body and "30 hours more is needed" in sent[0].body
    notes = db.scalars(select(Notification.message).where(Notification.user_id == person.id)).all()
    assert sum("due for renewal" in n for n in notes) == 3
    assert registration.status == RegistrationStatus.REGISTERED


def test_the_cli_runs_the_daily_job_once_a_day(db, registrant, runner):
    person, registration = registrant
    first = runner.invoke(args=["register", "daily", "--date", (DUE - 30 * DAY).isoformat()])
    assert first.exit_code == 0, first.output
    assert "1 reminded" in first.output and registration.number in first.output
    again = runner.invoke(args=["register", "daily", "--date", (DUE - 30 * DAY).isoformat()])
    assert "0 reminded" in again.output
    assert len(events(db, registration, "reminded")) == 1
    listed = runner.invoke(args=["register", "list", "--json"])
    assert '"status": "registered"' in listed.output and person.email not in listed.output


def test_lapse_the_day_after_the_due_date(db, registrant, daily):
    person, registration = registrant
    assert daily(DUE).lapsed == []
    report = daily(DUE + DAY)
    assert report.lapsed == [registration.number]
    assert registration.status == RegistrationStatus.LAPSED and not person.is_registered_case_manager
    assert queries.london_date(registration.status_since) == DUE + DAY
    assert events(db, registration, "lapsed")[0].data["because"] == "renewal"
    assert mails(db, person)[-1].subject == f"Your registration {registration.number} has lapsed"
    assert daily(DUE + 2 * DAY).lapsed == []  # once
    assert queries.public_entry(db, registration.number, today=DUE + DAY).status == RegistrationStatus.LAPSED


def test_the_grace_delays_the_lapse(db, registrant, daily):
    _person, registration = registrant
    assert daily(DUE + 14 * DAY, grace_days=14).lapsed == []
    assert daily(DUE + 15 * DAY, grace_days=14).lapsed == [registration.number]


def test_renewal_moves_the_date_a_year_on_and_needs_the_cpd(db, registrant, clock):
    person, registration = registrant
    declare(db, person, D(2027, 3, 1), 20)
    clock.set(noon(DUE - 61 * DAY))
    with pytest.raises(Conflict, match="Renewal opens on 24 September 2027"):
        services.renew(db, actor=person.actor, required_hours=30, reminder_days=(60, 30, 7), resit_after_lapse_days=365,
                       now=clock.now())
    clock.set(noon(DUE - 20 * DAY))
    with pytest.raises(Conflict, match="declare 10 hours more"):
        services.renew(db, actor=person.actor, required_hours=30, reminder_days=(60, 30, 7), resit_after_lapse_days=365,
                       now=clock.now())
    declare(db, person, DUE - 25 * DAY, 10, "other")
    services.renew(db, actor=person.actor, required_hours=30, reminder_days=(60, 30, 7), resit_after_lapse_days=365,
                   now=clock.now())
    assert registration.renewal_due_on == D(2028, 11, 23)
    renewed = events(db, registration, "renewed")[0]
    assert renewed.data == {"from": "2027-11-23", "to": "2028-11-23", "cpd_hours": 30.0}
    # The new year starts with no CPD, and the old year's declarations can no longer be withdrawn.
    view = queries.my_registration(db, person.id, today=clock.now().date(), resit_after_lapse_days=365)
    assert view.cpd_hours == 0
    with pytest.raises(Conflict, match="already made"):
        services.withdraw_cpd(db, actor=person.actor, declaration_id=view.declarations[0].row.id, reason="",
                              now=clock.now())


def test_a_withdrawn_declaration_stays_and_no_longer_counts(db, registrant):
    person, registration = registrant
    declaration = declare(db, person, D(2027, 1, 10), 12.5)
    services.withdraw_cpd(db, actor=person.actor, declaration_id=declaration.id, reason="Wrong year", now=ENTERED)
    view = queries.my_registration(db, person.id, today=D(2027, 2, 1), resit_after_lapse_days=365)
    assert view.cpd_hours == 0 and view.declarations[0].withdrawn
    with pytest.raises(Conflict, match="already withdrawn"):
        services.withdraw_cpd(db, actor=person.actor, declaration_id=declaration.id, reason="", now=ENTERED)


def test_a_declaration_is_checked_and_nothing_written_when_wrong(db, registrant):
    person, registration = registrant
    with pytest.raises(ValidationFailed) as raised:
        services.declare_cpd(db, actor=person.actor, activity_on=D(2030, 1, 1), category="gardening", hours=0,
                             description="", evidence=services.EvidenceFile("x.exe", b"MZ..."),
                             categories=("clinical",), upload_folder="", sealer=evidence_sealer(), scan_command=None, now=ENTERED)
    assert {p.field for p in raised.value.problems} == {"activity_on", "category", "hours", "description", "evidence"}
    assert events(db, registration, "cpd_declared") == []


def test_cpd_evidence_is_checked_by_its_content_and_nothing_is_written_when_refused(db, registrant, tmp_path):
    person, registration = registrant
    day = D(2027, 1, 10)
    for data, words in uploads_data.bad_files():
        with pytest.raises(ValidationFailed) as raised:
            services.declare_cpd(db, actor=person.actor, activity_on=day, category="clinical", hours=2,
                                 description="A study day", evidence=services.EvidenceFile("certificate.pdf", data),
                                 categories=("clinical",), upload_folder=str(tmp_path), sealer=evidence_sealer(), scan_command=None,
                                 now=noon(day))
        assert [(p.field, words in p.message) for p in raised.value.problems] == [("evidence", True)], words
    assert events(db, registration, "cpd_declared") == [] and list(tmp_path.iterdir()) == []
    # A photo of a certificate keeps its pixels but loses its EXIF (and any GPS position in it).
    declaration = services.declare_cpd(db, actor=person.actor, activity_on=day, category="clinical", hours=2,
                                       description="A study day", categories=("clinical",),
                                       evidence=services.EvidenceFile("photo.jpg", uploads_data.jpeg(exif=True)),
                                       upload_folder=str(tmp_path), sealer=evidence_sealer(), scan_command=None, now=noon(day))
    kept = evidence_sealer().read(services.evidence_path(str(tmp_path), declaration.evidence_sha256))
    assert kept == uploads_data.jpeg() and declaration.evidence_size == len(kept)
    assert declaration.evidence_sha256 == hashlib.sha256(kept).hexdigest()
    assert declaration.evidence_content_type == "image/jpeg"


def test_an_early_registrant_lapses_at_the_deadline_without_a_pass(db, clock, enter, daily, make_user):
    deadline = D(2027, 3, 1)
    person, registration = enter(certificate_due_on=deadline)
    report = daily(D(2026, 11, 24))
    assert report.certificate_told == [registration.number]
    assert mails(db, person)[-1].subject == "Pass the Certificate by 1 March 2027"
    assert daily(D(2026, 11, 25)).certificate_told == []
    assert daily(deadline - 60 * DAY).certificate_reminded == [registration.number]
    # A fail, and a pass that a corrected release superseded, are not passes.
    release_for(db, make_user, person, "fail", ENTERED + 10 * DAY)
    assert daily(deadline).lapsed == []
    assert daily(deadline + DAY).lapsed == [registration.number]
    assert registration.status == RegistrationStatus.LAPSED
    assert events(db, registration, "lapsed")[0].data["because"] == "certificate_deadline"
    view = queries.my_registration(db, person.id, today=deadline + DAY, resit_after_lapse_days=365)
    assert "Certificate deadline of 1 March 2027 has passed" in view.return_problem


def test_passing_the_certificate_clears_the_deadline(db, clock, enter, daily, make_user):
    deadline = D(2027, 3, 1)
    person, registration = enter(certificate_due_on=deadline)
    release_for(db, make_user, person, "pass", ENTERED + 30 * DAY)
    report = daily(D(2026, 12, 24))
    assert report.certificate_passed == [registration.number]
    assert events(db, registration, "certificate_passed")[0].data["passed_on"] == "2026-12-23"
    assert daily(deadline + DAY).lapsed == []
    assert registration.status == RegistrationStatus.REGISTERED
    assert len(events(db, registration, "certificate_passed")) == 1


def test_a_superseded_pass_does_not_count(db, clock, enter, make_user):
    from tests.assessment.results.certificates.factories import make_paper_and_sitting, make_release

    person, _registration = enter(certificate_due_on=D(2027, 3, 1))
    examiner = make_user()
    paper, sitting = make_paper_and_sitting(db, examiner)
    first = make_release(db, examiner, [person], ["pass"], sitting=sitting, paper=paper, released_at=ENTERED)
    assert queries.pass_dates(db, person.id) == [D(2026, 11, 23)]
    make_release(db, examiner, [person], ["fail"], sitting=sitting, paper=paper, supersedes=first,
                 released_at=ENTERED + DAY, reasons="Corrected")
    assert queries.pass_dates(db, person.id) == []


def test_restoring_after_a_long_lapse_needs_a_resit(db, registrant, daily, admin, make_user):
    person, registration = registrant
    daily(DUE + DAY)
    late = noon(DUE + 400 * DAY)
    with pytest.raises(Conflict, match="A resit is required"):
        services.change_status(db, actor=admin.actor, number=registration.number, action="restore",
                               reason="Returning", resit_after_lapse_days=365, now=late)
    release_for(db, make_user, person, "pass", late - 5 * DAY)
    services.change_status(db, actor=admin.actor, number=registration.number, action="restore", reason="Passed again",
                           resit_after_lapse_days=365, now=late)
    assert registration.status == RegistrationStatus.REGISTERED and person.is_registered_case_manager
    assert registration.renewal_due_on == D(2029, 12, 27)  # a new renewal year from the day of return (2028-12-27)
    entry = db.scalar(select(AuditEntry).where(AuditEntry.action == "register.restored"))
    assert entry is not None and entry.actor_id == admin.id


def test_a_short_lapse_restores_without_a_resit(db, registrant, daily, admin):
    _person, registration = registrant
    daily(DUE + DAY)
    services.change_status(db, actor=admin.actor, number=registration.number, action="restore", reason="Renewed late",
                           resit_after_lapse_days=365, now=noon(DUE + 30 * DAY))
    assert registration.status == RegistrationStatus.REGISTERED


def test_a_fitness_to_practise_outcome_requiring_a_resit(db, registrant, admin, make_user):
    person, registration = registrant
    now = ENTERED + 60 * DAY
    services.change_status(db, actor=admin.actor, number=registration.number, action="suspend",
                           reason="Concern raised", resit_after_lapse_days=365, now=now)
    assert registration.status == RegistrationStatus.SUSPENDED and not person.is_registered_case_manager
    services.record_fitness_to_practise(db, actor=admin.actor, number=registration.number,
                                        outcome="Competence not shown", resit_required=True, reason="Panel findings",
                                        now=now + DAY)
    with pytest.raises(Conflict, match="A resit is required"):
        services.change_status(db, actor=admin.actor, number=registration.number, action="restore",
                               reason="Back", resit_after_lapse_days=365, now=now + 2 * DAY)
    release_for(db, make_user, person, "pass", now + 40 * DAY)
    services.change_status(db, actor=admin.actor, number=registration.number, action="restore", reason="Passed",
                           resit_after_lapse_days=365, now=now + 41 * DAY)
    assert registration.status == RegistrationStatus.REGISTERED
    assert [e.kind for e in events(db, registration)] == ["registered", "suspended", "fitness_to_practise", "restored"]


def test_administrators_actions_are_checked(db, registrant, admin, make_user):
    person, registration = registrant
    with pytest.raises(Forbidden):
        services.change_status(db, actor=person.actor, number=registration.number, action="suspend", reason="x",
                               resit_after_lapse_days=365, now=ENTERED)
    with pytest.raises(ValidationFailed):
        services.change_status(db, actor=admin.actor, number=registration.number, action="suspend", reason=" ",
                               resit_after_lapse_days=365, now=ENTERED)
    with pytest.raises(Conflict, match="cannot be restored"):
        services.change_status(db, actor=admin.actor, number=registration.number, action="restore", reason="x",
                               resit_after_lapse_days=365, now=ENTERED)
    services.change_status(db, actor=admin.actor, number=registration.number, action="remove", reason="Struck off",
                           resit_after_lapse_days=365, now=ENTERED)
    assert registration.status == RegistrationStatus.REMOVED
    own = services.enter_on_register(db, actor=SYSTEM, user_id=admin.id, application_id=None, now=ENTERED)
    with pytest.raises(Forbidden, match="your own entry"):
        services.change_status(db, actor=admin.actor, number=own.number, action="suspend", reason="x",
                               resit_after_lapse_days=365, now=ENTERED)


def test_a_removal_is_public_for_two_years_then_unlisted(db, registrant, admin):
    _person, registration = registrant
    services.change_status(db, actor=admin.actor, number=registration.number, action="remove", reason="Struck off",
                           resit_after_lapse_days=365, now=ENTERED)
    assert queries.search(db, "Rhiannon", page=1, today=D(2028, 11, 22)).total == 1
    assert queries.search(db, "Rhiannon", page=1, today=D(2028, 11, 24)).total == 0


def test_the_demo(db, clock):
    from assessment.eligibility.register import demo

    first = demo.load_demo(db, now=clock.now(), password="demo-password-1", hash_profile="fast")
    assert len(first["created"]) == 5 and len(first["registered"]) == 5
    rows = {r.name: r for r in queries.all_registrations(db)}
    assert rows["Daniel Price"].status == RegistrationStatus.LAPSED
    assert rows["Hannah Lewis"].status == RegistrationStatus.SUSPENDED
    assert rows["Priya Raman"].certificate_due_on == D(2029, 8, 31)
    due_soon = rows["Thomas Hughes"].renewal_due_on
    assert 0 < (due_soon - clock.now().date()).days <= 30
    view = queries.registration_view(db, rows["Thomas Hughes"].number, today=clock.now().date(),
                                     resit_after_lapse_days=365)
    assert view.cpd_hours == 18
    again = demo.load_demo(db, now=clock.now(), password=None, hash_profile="fast")
    assert again == {"created": [], "registered": [], "password": None, "password_generated": False}
