"""The application's services: save and come back, submit (refused when incomplete or the band is
not open, frozen when accepted), resubmission after a request for information, withdrawal, one
open application per person, documents."""
import datetime as dt
import os

import pytest
from sqlalchemy import select

from assessment.eligibility.applications import queries, services
from assessment.eligibility.applications.models import ApplicationDocument
from assessment.eligibility.models import ApplicationEvent, ApplicationStatus, ApplicationSubmission
from core.audit import AuditEntry
from core.errors import Conflict, NotFound, ValidationFailed
from core.mail import MailMessage
from core.notifications import Notification
from core.roles import Role
from tests import uploads_data
from tests.assessment.eligibility.applications.builders import (NOW, PDF, SETTINGS, complete_draft, role)
from tests.uploads_data import evidence_sealer

FOLDER = os.environ.get("COP_UPLOAD_FOLDER", "/tmp")


def _start(db, person, draft=None):
    application = services.start_application(db, actor=person.actor, now=NOW)
    if draft is not None:
        services.save_draft(db, actor=person.actor, application_id=application.id, draft=draft, now=NOW)
    return application


def _upload(db, person, application, kind="membership_evidence", data=PDF, name="membership.pdf"):
    return services.add_document(db, actor=person.actor, application_id=application.id, kind=kind,
                                 upload=services.UploadedFile(name, data), upload_folder=FOLDER, sealer=evidence_sealer(), scan_command=None,
                                 now=NOW)


def _submit(db, person, application, **kwargs):
    values = dict(actor=person.actor, application_id=application.id, settings=SETTINGS, now=NOW)
    values.update(kwargs)
    return services.submit(db, **values)


def _events(db, application):
    return [e.kind for e in db.scalars(select(ApplicationEvent).where(ApplicationEvent.application_id == application.id)
                                       .order_by(ApplicationEvent.id))]


def _submissions(db, application):
    return list(db.scalars(select(ApplicationSubmission).where(
        ApplicationSubmission.application_id == application.id)))


def test_a_draft_is_saved_as_typed_and_comes_back(db, make_user):
    person = make_user(Role.CANDIDATE)
    application = _start(db, person)
    assert application.status == ApplicationStatus.DRAFT and application.reference.startswith("APP-2026-")
    half = {"roles": [role(role="cm", start="2010-0")], "uk_share": "sixty"}
    services.save_draft(db, actor=person.actor, application_id=application.id, draft=half, now=NOW)
    db.expire_all()
    again = queries.own_application(db, person.actor, application.id)
    assert again.draft["roles"][0]["start"] == "2010-0" and again.draft["uk_share"] == "sixty"
    assert _events(db, application) == [] and _submissions(db, application) == []


def test_one_open_application_per_person(db, make_user):
    person = make_user()  # anyone signed in may apply, not only candidates
    first = _start(db, person)
    assert services.start_application(db, actor=person.actor, now=NOW).id == first.id
    services.withdraw(db, actor=person.actor, application_id=first.id, reason="", now=NOW)
    assert services.start_application(db, actor=person.actor, now=NOW).id != first.id


def test_someone_elses_application_is_not_found(db, make_user):
    owner, other = make_user(Role.CANDIDATE), make_user(Role.ASSESSOR)
    application = _start(db, owner)
    with pytest.raises(NotFound):
        services.save_draft(db, actor=other.actor, application_id=application.id, draft={}, now=NOW)
    with pytest.raises(NotFound):
        _submit(db, other, application)


def test_an_incomplete_application_is_refused_with_each_problem_and_nothing_written(db, make_user):
    person = make_user(Role.CANDIDATE)
    application = _start(db, person, complete_draft(competent=False, uk_share=""))
    with pytest.raises(ValidationFailed) as refused:
        _submit(db, person, application)
    fields = {p.field for p in refused.value.problems}
    assert {"competent", "uk_share", "documents"} <= fields  # membership evidence is not uploaded either
    assert application.status == ApplicationStatus.DRAFT
    assert _events(db, application) == [] and _submissions(db, application) == []
    assert db.scalar(select(MailMessage).where(MailMessage.user_id == person.id)) is None


def test_a_band_not_open_yet_saves_but_does_not_submit_and_says_when(db, make_user):
    person = make_user(Role.CANDIDATE)
    application = _start(db, person, complete_draft(roles=[role(role="cm", start="2014-01-01", current=True,
                                                                 fte="1", country="UK")]))
    _upload(db, person, application)
    with pytest.raises(ValidationFailed) as refused:
        _submit(db, person, application)
    [problem] = refused.value.problems
    assert problem.field == "band"
    assert "10 or more years" in problem.message and "4 January 2027" in problem.message
    assert _submissions(db, application) == []
    # On the day the band opens, the same application goes through.
    _submit(db, person, application, now=dt.datetime(2027, 1, 4, 9, 0, tzinfo=dt.timezone.utc))
    assert application.status == ApplicationStatus.SUBMITTED


def test_a_complete_application_is_submitted_frozen_and_acknowledged(db, make_user):
    person = make_user(Role.CANDIDATE, email="applicant@example.org")
    application = _start(db, person, complete_draft())
    document = _upload(db, person, application)
    submission = _submit(db, person, application, base_url="https://register.example.org")
    assert application.status == ApplicationStatus.SUBMITTED and application.submitted_at == NOW
    assert submission.rules == "pre_certificate" and submission.judged_on == NOW.date()
    assert submission.facts["experience"][0]["role"] == "cm" and submission.facts["member"] == "BABICM"
    assert submission.decision["eligible"] is True and submission.decision["route"] == "5000_cm_hours"
    event = db.scalar(select(ApplicationEvent).where(ApplicationEvent.application_id == application.id))
    assert event.kind == "submitted" and event.data == {"submission": submission.id, "documents": [document.id]}
    assert db.scalar(select(AuditEntry).where(AuditEntry.action == "application.submitted")) is not None
    notice = db.scalar(select(Notification).where(Notification.user_id == person.id))
    assert application.reference in notice.message and notice.link == f"/applications/{application.id}"
    message = db.scalar(select(MailMessage).where(MailMessage.user_id == person.id))
    assert message.to_address == "applicant@example.org" and "received" in message.subject
    assert f"https://register.example.org/applications/{application.id}" in message.body
    # Frozen: the draft can no longer change, nor be submitted again.
    with pytest.raises(Conflict):
        services.save_draft(db, actor=person.actor, application_id=application.id, draft={}, now=NOW)
    with pytest.raises(Conflict):
        _submit(db, person, application)
    with pytest.raises(Conflict):
        _upload(db, person, application)
    assert queries.open_application(db, person.id).id == application.id


def test_after_a_request_the_applicant_edits_and_resubmits_with_a_response(db, make_user):
    person, assessor = make_user(Role.CANDIDATE), make_user(Role.ASSESSOR)
    application = _start(db, person, complete_draft())
    _upload(db, person, application)
    first = _submit(db, person, application)
    # The decisions part asks for more information (its own service; the rows it writes are these).
    db.add(ApplicationEvent(application_id=application.id, kind="information_requested", actor_id=assessor.id,
                            reason="", data={"request": "Please send your BABICM certificate for 2026."},
                            created_at=NOW + dt.timedelta(days=1)))
    application.status = ApplicationStatus.INFORMATION_REQUESTED
    db.flush()
    page = queries.status_page(db, person.actor, application.id)
    assert page.requests == ["Please send your BABICM certificate for 2026."]
    later = NOW + dt.timedelta(days=2)
    services.save_draft(db, actor=person.actor, application_id=application.id,
                        draft=complete_draft(membership_number="B999"), now=later)
    with pytest.raises(ValidationFailed) as refused:
        _submit(db, person, application, now=later)  # no response
    assert [p.field for p in refused.value.problems] == ["response"]
    second = _submit(db, person, application, now=later, response="Certificate uploaded; number corrected.")
    assert second.id != first.id and application.status == ApplicationStatus.SUBMITTED
    assert application.submitted_at == NOW  # the first submission's date stands
    assert _events(db, application) == ["submitted", "information_requested", "information_provided"]
    provided = db.scalars(select(ApplicationEvent).where(ApplicationEvent.kind == "information_provided")).one()
    assert provided.data["response"] == "Certificate uploaded; number corrected."
    assert provided.data["submission"] == second.id
    assert [s.id for s in _submissions(db, application)] == [first.id, second.id]
    assert queries.status_page(db, person.actor, application.id).requests == []


def test_withdrawal_before_a_decision_only(db, make_user):
    person = make_user(Role.CANDIDATE)
    application = _start(db, person, complete_draft())
    _upload(db, person, application)
    _submit(db, person, application)
    services.withdraw(db, actor=person.actor, application_id=application.id, reason="Moving abroad", now=NOW)
    assert application.status == ApplicationStatus.WITHDRAWN
    assert _events(db, application) == ["submitted", "withdrawn"]
    with pytest.raises(Conflict):
        services.withdraw(db, actor=person.actor, application_id=application.id, reason="", now=NOW)
    refused = _start(db, person)
    refused.status = ApplicationStatus.REFUSED
    db.flush()
    with pytest.raises(Conflict):
        services.withdraw(db, actor=person.actor, application_id=refused.id, reason="", now=NOW)


def test_a_document_is_checked_by_its_content_and_nothing_is_written_when_refused(db, make_user, tmp_path):
    person = make_user(Role.CANDIDATE)
    application = _start(db, person)
    for data, words in uploads_data.bad_files():
        with pytest.raises(ValidationFailed) as refused:
            services.add_document(db, actor=person.actor, application_id=application.id, kind="membership_evidence",
                                  upload=services.UploadedFile("../../membership.pdf", data),
                                  upload_folder=str(tmp_path), sealer=evidence_sealer(), scan_command=None, now=NOW)
        assert [(p.field, words in p.message) for p in refused.value.problems] == [("file", True)], words
        assert refused.value.problems[0].message.startswith("membership.pdf ")  # the name, never its path
    assert queries.documents(db, application.id) == [] and list(tmp_path.iterdir()) == []


def test_documents_are_checked_stored_and_removed_by_a_row(db, make_user):
    person = make_user(Role.CANDIDATE)
    application = _start(db, person)
    with pytest.raises(ValidationFailed) as refused:
        _upload(db, person, application, data=b"MZ\x90\x00 not a document", name="virus.exe")
    assert refused.value.problems[0].field == "file" and "PDF, PNG or JPEG" in refused.value.problems[0].message
    with pytest.raises(ValidationFailed) as refused:
        _upload(db, person, application, kind="photo")
    assert refused.value.problems[0].field == "kind"
    document = _upload(db, person, application)
    kept = services.document_path(FOLDER, document.sha256)
    assert evidence_sealer().read(kept) == PDF and PDF not in kept.read_bytes()  # sealed on disk
    assert [d.id for d in queries.documents(db, application.id)] == [document.id]
    services.remove_document(db, actor=person.actor, application_id=application.id, document_id=document.id, now=NOW)
    assert queries.documents(db, application.id) == []
    assert db.get(ApplicationDocument, document.id) is not None  # the file's record stays
    with pytest.raises(Conflict):
        services.remove_document(db, actor=person.actor, application_id=application.id, document_id=document.id,
                                 now=NOW)


def test_the_check_says_what_is_missing_without_writing(db, make_user):
    person = make_user(Role.CANDIDATE)
    application = _start(db, person, complete_draft(roles=[role(role="cm", start="2010-01-01", current=True,
                                                                 fte="1", country="Spain")]))
    found = services.check_draft(db, application=application, settings=SETTINGS, now=NOW)
    assert found.rules == "pre_certificate" and found.decision["cm_hours"] > 5000
    assert found.evidence_missing == ["overseas_experience", "membership_evidence"]
    assert not found.complete and found.opening.is_open
    _upload(db, person, application, kind="overseas_experience")
    _upload(db, person, application)
    assert services.check_draft(db, application=application, settings=SETTINGS, now=NOW).complete
    assert found.as_json()["band"] == {"years": 16.89, "min_years": 15, "opens_on": "2026-11-01", "open": True}
