"""The application pages through HTTP: start, save and come back, add and remove a role without
JavaScript, the JSON check, submit (422 with messages beside the fields, or submitted), the status
page with the events addressed to the applicant, withdrawal with confirmation, documents."""
import datetime as dt
import io
import re

from sqlalchemy import func, select

from assessment.eligibility.applications import services
from assessment.eligibility.applications.models import ApplicationDocument
from assessment.eligibility.models import Application, ApplicationEvent, ApplicationStatus, ApplicationSubmission
from core.roles import Role
from tests.assessment.eligibility.applications.builders import NOW, PDF, complete_draft, role
from tests import uploads_data


def _form(draft: dict, **extra) -> dict:
    data = {}
    for index, r in enumerate(draft["roles"]):
        for key, value in r.items():
            if isinstance(value, bool):
                if value:
                    data[f"roles-{index}-{key}"] = "y"
            else:
                data[f"roles-{index}-{key}"] = value
    for key, value in draft.items():
        if key == "roles":
            continue
        if isinstance(value, bool):
            if value:
                data[key] = "y"
        else:
            data[key] = value
    data.update(extra)
    return data


def _started(client):
    response = client.post("/applications/new")
    assert response.status_code == 302
    return int(re.search(r"/applications/(\d+)/edit", response.headers["Location"]).group(1))


def test_start_save_and_come_back(client, login_as, db, clock):
    login_as(Role.CANDIDATE)
    application_id = _started(client)
    assert _started(client) == application_id  # one open application: the same draft
    page = client.get(f"/applications/{application_id}/edit")
    assert page.status_code == 200 and "Your eligibility so far" in page.text
    draft = complete_draft()
    response = client.post(f"/applications/{application_id}/edit", data=_form(draft, action="save"))
    assert response.status_code == 302
    page = client.get(response.headers["Location"])
    assert "Your application is saved" in page.text and 'value="2010-09-01"' in page.text
    assert "Case management hours" in page.text


def test_rows_are_added_and_removed_without_javascript(client, login_as, db, clock):
    login_as()
    application_id = _started(client)
    draft = complete_draft()
    response = client.post(f"/applications/{application_id}/edit", data=_form(draft, action="add"))
    assert response.headers["Location"].endswith("#roles-1-role")
    assert len(db.get(Application, application_id).draft["roles"]) == 2
    page = client.get(f"/applications/{application_id}/edit")
    assert 'id="roles-1-role"' in page.text and "Remove role 2" in page.text
    two = complete_draft(roles=[*draft["roles"], role(role="assistant", start="2001-01-01", end="2002-01-01")])
    client.post(f"/applications/{application_id}/edit", data=_form(two, action="remove-role-0"))
    db.expire_all()
    assert [r["role"] for r in db.get(Application, application_id).draft["roles"]] == ["assistant"]


def test_the_json_check_judges_the_form_as_typed_without_saving(client, login_as, db, clock):
    login_as()
    application_id = _started(client)
    response = client.post(f"/applications/{application_id}/check", data=_form(complete_draft()))
    body = response.get_json()
    assert response.status_code == 200 and body["decision"]["cm_hours"] > 5000
    assert body["band"]["open"] is True and body["evidence_missing"] == ["membership_evidence"]
    assert 'id="eligibility-result"' in body["html"]
    db.expire_all()
    assert db.get(Application, application_id).draft["roles"][0]["start"] == ""  # nothing saved
    assert client.get(f"/applications/{application_id}/check").get_json()["decision"]["cm_hours"] == 0


def test_an_incomplete_submission_comes_back_with_messages_beside_the_fields(client, login_as, db, clock):
    login_as()
    application_id = _started(client)
    response = client.post(f"/applications/{application_id}/submit",
                           data=_form(complete_draft(standards=False, roles=[role(role="cm", fte="2")])))
    assert response.status_code == 422
    assert 'href="#standards"' in response.text and 'id="standards-error"' in response.text
    assert 'id="roles-0-fte-error"' in response.text and 'aria-invalid="true"' in response.text
    assert 'href="#documents"' in response.text
    db.expire_all()
    assert db.get(Application, application_id).status == ApplicationStatus.DRAFT
    assert db.get(Application, application_id).draft["roles"][0]["fte"] == ""  # nothing written, not even the draft


def test_submit_with_documents_then_the_status_page_and_the_request_and_refusal(client, login_as, db, clock):
    person = login_as(Role.CANDIDATE)
    application_id = _started(client)
    draft = complete_draft()
    upload = _form(draft, action="upload", document_kind="membership_evidence")
    upload["document"] = (io.BytesIO(uploads_data.png_with_zip()), "babicm.png")
    response = client.post(f"/applications/{application_id}/edit", data=upload, content_type="multipart/form-data")
    assert response.status_code == 422 and db.scalar(select(func.count()).select_from(ApplicationDocument)) == 0
    assert "babicm.png has extra data after the end of the picture" in uploads_data.error_beside(response.text,
                                                                                                   "document")
    upload = _form(draft, action="upload", document_kind="membership_evidence")
    upload["document"] = (io.BytesIO(PDF), "babicm.pdf")
    response = client.post(f"/applications/{application_id}/edit", data=upload, content_type="multipart/form-data")
    assert response.status_code == 302 and response.headers["Location"].endswith("#documents")
    page = client.get(f"/applications/{application_id}/edit")
    assert "babicm.pdf" in page.text
    [document_id] = re.findall(r"/documents/(\d+)\"", page.text)
    download = client.get(f"/applications/{application_id}/documents/{document_id}")
    assert download.status_code == 200 and download.data == PDF
    download.close()
    response = client.post(f"/applications/{application_id}/submit", data=_form(draft))
    assert response.status_code == 302 and response.headers["Location"] == f"/applications/{application_id}"
    assert db.scalar(select(ApplicationSubmission).where(ApplicationSubmission.application_id == application_id))
    page = client.get(f"/applications/{application_id}")
    assert "Submitted: waiting for an assessor" in page.text and "You submitted your application" in page.text
    assert client.get(f"/applications/{application_id}/edit").status_code == 302  # no longer editable
    # The decisions part's events, as it writes them, are shown in time order (Europe/London times).
    application = db.get(Application, application_id)
    db.add_all([
        ApplicationEvent(application_id=application_id, kind="recommended", actor_id=None, reason="Internal",
                         data={}, created_at=NOW + dt.timedelta(days=3)),
        ApplicationEvent(application_id=application_id, kind="refused", actor_id=None,
                         reason="You do not have enough case management hours.",
                         data={"reason_codes": ["hours"]}, created_at=dt.datetime(2027, 7, 1, 12, 0,
                                                                                   tzinfo=dt.timezone.utc)),
    ])
    application.status = ApplicationStatus.REFUSED
    db.commit()
    page = client.get(f"/applications/{application_id}")
    assert "Internal" not in page.text  # the assessors' own steps are not the applicant's
    assert "You do not have enough case management hours." in page.text
    assert "1 July 2027" in page.text and "13:00" in page.text  # BST
    assert f'href="/applications/{application_id}/appeal"' in page.text
    assert person.id == application.applicant_id


def test_withdrawal_asks_for_confirmation(client, login_as, db, clock):
    login_as()
    application_id = _started(client)
    assert "Withdraw your application" in client.get(f"/applications/{application_id}/withdraw").text
    response = client.post(f"/applications/{application_id}/withdraw", data={"reason": "Not yet"})
    assert response.status_code == 422 and "Tick to confirm" in response.text
    response = client.post(f"/applications/{application_id}/withdraw", data={"reason": "Not yet", "confirm": "y"})
    assert response.status_code == 302
    assert db.get(Application, application_id).status == ApplicationStatus.WITHDRAWN
    assert "You withdrew your application" in client.get(f"/applications/{application_id}").text


def test_someone_elses_application_is_not_found(client, login_as, make_user, db, clock):
    owner = make_user()
    application = services.start_application(db, actor=owner.actor, now=NOW)
    login_as()
    for url in ("", "/edit", "/check", "/withdraw"):
        assert client.get(f"/applications/{application.id}{url}").status_code == 404


def test_upload_without_a_file_and_odd_button_values_are_answered_in_words(client, login_as, db, clock):
    login_as()
    application_id = _started(client)
    response = client.post(f"/applications/{application_id}/edit",
                           data=_form(complete_draft(), action="upload", document_kind="other"))
    assert response.status_code == 422 and "Choose a file to upload" in response.text
    assert 'id="document-error"' in response.text
    response = client.post(f"/applications/{application_id}/edit", data=_form(complete_draft(),
                                                                              action="remove-document-x"))
    assert response.status_code == 302
    assert "There is no such document" in client.get(response.headers["Location"]).text
    response = client.post(f"/applications/{application_id}/edit", data=_form(complete_draft(),
                                                                              action="remove-role-99"))
    assert response.status_code == 302
    db.expire_all()
    assert len(db.get(Application, application_id).draft["roles"]) == 1


def test_time_abroad_is_met_subject_to_evidence_on_the_page(client, login_as, db, clock):
    login_as()
    application_id = _started(client)
    abroad = complete_draft(roles=[role(role="cm", start="2010-01-01", current=True, fte="1", country="Spain")])
    client.post(f"/applications/{application_id}/edit", data=_form(abroad, action="check"))
    page = client.get(f"/applications/{application_id}/edit")
    assert "you meet the conditions if the evidence below bears it out" in page.text
    assert "Evidence of experience outside the UK – not uploaded yet" in page.text
