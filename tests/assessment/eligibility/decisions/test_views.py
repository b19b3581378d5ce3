"""The assessing and appeal pages: independence shown on the page, recording through the forms,
errors beside the fields, the applicant's appeal, the administrator's panel, the panel's pages."""
import datetime as dt

from sqlalchemy import select

from assessment.eligibility.decisions import rules, services
from assessment.eligibility.decisions.models import RegistrationAppeal
from assessment.eligibility.models import ApplicationStatus
from core.roles import Role
from tests.assessment.eligibility.decisions.builders import DEADLINE, submitted_application
from tests import uploads_data

TWO = rules.Mode.TWO_ASSESSORS


def sign_in(client, user):
    with client.session_transaction() as flask_session:
        flask_session["_user_id"] = user.get_id()
        flask_session["_fresh"] = True


def now():
    return dt.datetime.now(dt.timezone.utc)


def test_the_second_assessor_cannot_see_the_first_recommendation(client, db, people, clock):
    app = submitted_application(db, people.applicant)
    services.record_judgement(db, actor=people.first.actor, application_id=app.id, recommendation="refuse",
                              reason_codes=["hours_not_evidenced"], notes="SECRET-FIRST-NOTES", request="",
                              mode=TWO, now=clock.now(), certificate_deadline=DEADLINE)
    db.commit()
    sign_in(client, people.second)
    page = client.get(f"/assessing/applications/{app.id}").get_data(as_text=True)
    assert "SECRET-FIRST-NOTES" not in page
    assert "hidden until yours is recorded" in page
    assert "Refuse</td>" not in page
    queue = client.get("/assessing").get_data(as_text=True)
    assert app.reference in queue and "Waiting for you" in queue
    response = client.post(f"/assessing/applications/{app.id}/judgement",
                           data={"recommendation": "register", "reason_codes": ["meets_all_conditions"]})
    assert response.status_code == 302
    page = client.get(f"/assessing/applications/{app.id}").get_data(as_text=True)
    assert "SECRET-FIRST-NOTES" in page  # both in: now each reads the other's
    db.refresh(app)
    assert app.status is ApplicationStatus.IN_DISCUSSION
    assert "Record my note" in page


def test_the_first_assessor_sees_their_own_and_the_form_shows_errors(client, db, people, clock):
    app = submitted_application(db, people.applicant)
    db.commit()
    sign_in(client, people.first)
    page = client.get(f"/assessing/applications/{app.id}").get_data(as_text=True)
    assert "6,250" in page and "Recommendation" in page
    response = client.post(f"/assessing/applications/{app.id}/judgement",
                           data={"recommendation": "refuse", "reason_codes": ["hours"]})
    assert response.status_code == 422
    assert "Explain the refusal: the applicant reads the reasons" in response.get_data(as_text=True)
    assert app.status is ApplicationStatus.SUBMITTED


def test_an_assessor_never_sees_their_own_application(client, db, make_user):
    assessor = make_user(Role.ASSESSOR, Role.CANDIDATE)
    app = submitted_application(db, assessor)
    db.commit()
    sign_in(client, assessor)
    assert client.get(f"/assessing/applications/{app.id}").status_code == 404
    assert app.reference not in client.get("/assessing").get_data(as_text=True)


def _refused(db, people, clock):
    app = submitted_application(db, people.applicant)
    for who in (people.first, people.second):
        services.record_judgement(db, actor=who.actor, application_id=app.id, recommendation="refuse",
                                  reason_codes=["hours"], notes="Too few hours.", request="", mode=TWO,
                                  now=clock.now(), certificate_deadline=DEADLINE)
    return app


def test_the_applicant_appeals_and_a_panel_decides_through_the_pages(client, db, people, clock, make_user):
    app = _refused(db, people, clock)
    db.commit()
    sign_in(client, people.first)
    assert client.get(f"/applications/{app.id}/appeal").status_code == 404  # not theirs
    sign_in(client, people.applicant)
    page = client.get(f"/applications/{app.id}/appeal").get_data(as_text=True)
    assert "Too few hours." in page and "within 28 days" in page
    bad = client.post(f"/applications/{app.id}/appeal", data={"statement": ""})
    assert bad.status_code == 422
    assert "Choose at least one ground for your appeal" in bad.get_data(as_text=True)
    ok = client.post(f"/applications/{app.id}/appeal", data={"grounds": ["rules_misapplied"],
                                                            "statement": "I have 6,000 hours."})
    assert ok.status_code == 302
    appeal = db.scalar(select(RegistrationAppeal).where(RegistrationAppeal.application_id == app.id))
    managers = [make_user(Role.CANDIDATE, name=f"Manager {i}") for i in range(3)]
    for m in managers:
        m.is_registered_case_manager = True
    people.second.is_registered_case_manager = True
    db.commit()
    sign_in(client, people.admin)
    assert "Appeal " in client.get("/registration-appeals").get_data(as_text=True)
    refused = client.post(f"/registration-appeals/{appeal.id}/panel", data={
        "member_1": people.second.id, "member_2": managers[0].id, "member_3": managers[1].id})
    assert refused.status_code == 422
    assert "Sam Second cannot sit on this panel: they assessed the application." in refused.get_data(as_text=True)
    assert client.post(f"/registration-appeals/{appeal.id}/panel", data={
        "member_1": managers[0].id, "member_2": managers[1].id, "member_3": managers[2].id}).status_code == 302
    for m in managers:
        sign_in(client, m)
        assert f"Appeal {appeal.id}" in client.get("/registration-appeals/mine").get_data(as_text=True)
        assert client.post(f"/registration-appeals/{appeal.id}/response",
                           data={"response-answer": "accept", "response-declaration": "y"}).status_code == 302
    page = client.get(f"/registration-appeals/{appeal.id}").get_data(as_text=True)
    assert "Record the panel&#39;s outcome" in page or "Record the panel's outcome" in page
    assert client.post(f"/registration-appeals/{appeal.id}/outcome", data={
        "outcome-outcome": "dismissed", "outcome-reasons": "The hours were counted correctly."}).status_code == 302
    db.refresh(app)
    assert app.status is ApplicationStatus.REFUSED
    sign_in(client, people.third)
    assert client.get(f"/registration-appeals/{appeal.id}").status_code == 404


def test_after_the_initial_period_the_reviewer_confirms_or_overturns(app, client, db, people, clock):
    app.config["ELIGIBILITY_INITIAL_PERIOD_ENDS"] = "2026-01-01"
    application = submitted_application(db, people.applicant)
    db.commit()
    sign_in(client, people.first)
    page = client.get(f"/assessing/applications/{application.id}").get_data(as_text=True)
    assert "Assessor&#39;s decision" in page or "Assessor's decision" in page
    assert client.post(f"/assessing/applications/{application.id}/judgement", data={
        "recommendation": "refuse", "reason_codes": ["hours"], "notes": "Too few hours."}).status_code == 302
    page = client.get(f"/assessing/applications/{application.id}").get_data(as_text=True)
    assert "never by the assessor who refused" in page
    sign_in(client, people.second)
    page = client.get(f"/assessing/applications/{application.id}").get_data(as_text=True)
    assert "Confirm the refusal" in page and "Overturn it: register" in page
    assert "Ask the applicant for more information" not in page
    assert client.post(f"/assessing/applications/{application.id}/judgement", data={
        "recommendation": "refuse", "reason_codes": ["hours"], "notes": "Confirmed."}).status_code == 302
    db.refresh(application)
    assert application.status is ApplicationStatus.REFUSED


def test_the_queue_marks_an_overdue_application(client, db, people, clock):
    late = submitted_application(db, people.applicant, at=clock.now() - dt.timedelta(days=70))
    db.commit()
    sign_in(client, people.first)
    page = client.get("/assessing").get_data(as_text=True)
    assert late.reference in page and "Overdue" in page


def test_assessors_read_the_supporting_documents_and_nobody_else_does(app, client, db, people, make_user):
    import hashlib

    from assessment.eligibility.applications.models import ApplicationDocument
    from assessment.eligibility.applications.services import document_path

    application = submitted_application(db, people.applicant)
    content = uploads_data.pdf("A membership letter")
    digest = hashlib.sha256(content).hexdigest()
    path = document_path(app.config["UPLOAD_FOLDER"], digest)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    document = ApplicationDocument(application_id=application.id, kind="membership_evidence",
                                   filename="membership.pdf", content_type="application/pdf",
                                   size_bytes=len(content), sha256=digest, uploaded_by_id=people.applicant.id,
                                   uploaded_at=now())
    db.add(document)
    db.commit()
    url = f"/assessing/applications/{application.id}/documents/{document.id}"
    sign_in(client, people.first)
    page = client.get(f"/assessing/applications/{application.id}").get_data(as_text=True)
    assert "membership.pdf" in page and url in page
    response = client.get(url)
    assert response.status_code == 200 and response.data == content
    assert "attachment" in response.headers["Content-Disposition"]
    response.close()  # send_file streams from the open file
    assert client.get(f"/assessing/applications/{application.id}/documents/{document.id + 1}").status_code == 404
    # An assessor who is the applicant never reaches their own application's files.
    applicant_assessor = make_user(Role.ASSESSOR)
    own = submitted_application(db, applicant_assessor)
    db.add(ApplicationDocument(application_id=own.id, kind="other", filename="mine.pdf",
                               content_type="application/pdf", size_bytes=len(content), sha256=digest,
                               uploaded_by_id=applicant_assessor.id, uploaded_at=now()))
    db.commit()
    own_document = db.scalar(select(ApplicationDocument).where(ApplicationDocument.application_id == own.id))
    sign_in(client, applicant_assessor)
    assert client.get(f"/assessing/applications/{own.id}/documents/{own_document.id}").status_code == 404
    sign_in(client, make_user(Role.CANDIDATE))
    assert client.get(url).status_code == 403
