"""The appeal pages end to end: a candidate appeals with a file and follows it, another candidate
finds nothing; the administrator's appointment refused for a conflicted member and then made; the
members accept (the declaration is required) and record the outcome; the candidate reads it; the
account page sets the registered-case-manager flag."""
import datetime as dt
import io

import pytest
from sqlalchemy import func, select

from assessment.results.appeals import queries
from assessment.results.appeals.models import Appeal
from core.roles import Role
from tests.assessment.results.appeals.builders import PDF, RELEASED_AT
from tests import uploads_data
from tests.cop_testing import mark_reauthenticated


def sign_in(client, user):
    with client.session_transaction() as flask_session:
        flask_session["_user_id"] = user.get_id()
        flask_session["_fresh"] = True
        mark_reauthenticated(flask_session, user)


@pytest.fixture
def at_day_two(clock):
    clock.set(RELEASED_AT + dt.timedelta(days=2))
    return clock


def _appeal(client, released, **extra):
    data = {"grounds": ["marking_error", "technical_failure"], "statement": "The screen froze at question 3.",
            "evidence": [(io.BytesIO(PDF), "freeze report.pdf")], **extra}
    return client.post(f"/appeals/results/{released.result.id}/appeal", data=data,
                       content_type="multipart/form-data")


def test_the_candidate_appeals_with_a_file_and_follows_the_appeal(client, db, released, at_day_two):
    sign_in(client, released.candidate)
    index = client.get("/appeals")
    assert index.status_code == 200 and "Appeal this result" in index.text and "29 November 2026" in index.text
    form = client.get(f"/appeals/results/{released.result.id}/appeal")
    assert form.status_code == 200 and 'enctype="multipart/form-data"' in form.text
    response = _appeal(client, released)
    assert response.status_code == 302
    appeal = db.scalar(select(Appeal))
    page = client.get(response.headers["Location"])
    assert "Waiting for a panel to be appointed" in page.text and "freeze_report.pdf" in page.text
    assert "An error in marking" in page.text and "A technical failure during the exam" in page.text
    view = queries.appeal_view(db, appeal.id)
    download = client.get(f"/appeals/{appeal.id}/evidence/{view.evidence[0].id}")
    assert download.status_code == 200 and download.data == PDF
    download.close()
    again = client.get("/appeals")
    assert "already have an open appeal" in again.text and f"/appeals/{appeal.id}" in again.text
    second = _appeal(client, released)
    assert second.status_code == 422 and "already have an open appeal" in second.text


def test_bad_input_comes_back_beside_the_fields_and_writes_nothing(client, db, released, at_day_two):
    sign_in(client, released.candidate)
    response = client.post(f"/appeals/results/{released.result.id}/appeal",
                           data={"statement": "", "evidence": [(io.BytesIO(b"MZ\x90\x00"), "tool.exe")]},
                           content_type="multipart/form-data")
    assert response.status_code == 422 and "There is a problem" in response.text
    assert "Choose at least one ground for your appeal" in response.text
    assert "Say why you are appealing" in response.text
    response = _appeal(client, released, evidence=[(io.BytesIO(b"MZ\x90\x00"), "tool.exe")])
    assert response.status_code == 422 and "tool.exe must be a PDF, PNG or JPEG" in response.text
    response = _appeal(client, released, evidence=[(io.BytesIO(uploads_data.pdf_with_javascript()), "report.pdf")])
    assert response.status_code == 422
    assert "report.pdf contains JavaScript" in uploads_data.error_beside(response.text, "evidence")
    assert db.scalar(select(func.count()).select_from(Appeal)) == 0


def test_outside_the_window_the_candidate_is_told_and_nothing_is_written(client, db, released, clock):
    clock.set(RELEASED_AT + dt.timedelta(days=40))
    sign_in(client, released.candidate)
    assert "The time to appeal this result has passed" in client.get("/appeals").text
    response = _appeal(client, released)
    assert response.status_code == 422 and "within 28 days" in response.text
    assert db.scalar(select(func.count()).select_from(Appeal)) == 0


def test_another_candidate_finds_neither_the_result_nor_the_appeal(client, db, released, make_user, at_day_two):
    sign_in(client, released.candidate)
    _appeal(client, released)
    appeal = db.scalar(select(Appeal))
    sign_in(client, make_user(Role.CANDIDATE))
    assert client.get(f"/appeals/results/{released.result.id}/appeal").status_code == 404
    assert client.get(f"/appeals/{appeal.id}").status_code == 404
    assert "You have not made an appeal" in client.get("/appeals").text


def test_a_panel_is_refused_for_a_conflict_then_appointed_accepts_and_decides(client, db, released, at_day_two):
    sign_in(client, released.candidate)
    _appeal(client, released)
    appeal = db.scalar(select(Appeal))
    sign_in(client, released.admin)
    page = client.get(f"/admin/appeals/{appeal.id}")
    assert page.status_code == 200 and "Ivy Invigilator cannot sit on this panel: they invigilated this attempt." \
        in page.text
    one, two, three = released.managers
    refused = client.post(f"/admin/appeals/{appeal.id}/panel", data={
        "member_1": one.id, "member_2": two.id, "member_3": released.marker.id})
    assert refused.status_code == 422
    assert "Mo Marker cannot sit on this panel: they marked a written answer of this attempt." in refused.text
    assert "At least 2 members" not in refused.text
    assert 'id="member_3-error"' in refused.text and 'id="member_1-error"' not in refused.text  # beside the third
    too_few = client.post(f"/admin/appeals/{appeal.id}/panel", data={
        "member_1": one.id, "member_2": released.lay.id, "member_3": released.admin.id})
    assert too_few.status_code == 422 and "only 1 is" in too_few.text and 'id="members-error"' in too_few.text
    made = client.post(f"/admin/appeals/{appeal.id}/panel", data={
        "member_1": one.id, "member_2": two.id, "member_3": three.id, "reasons": "Two managers and one more"})
    assert made.status_code == 302

    sign_in(client, one)
    assert f"Appeal {appeal.id}" in client.get("/panel").text
    panel_page = client.get(f"/panel/appeals/{appeal.id}")
    assert "The screen froze at question 3." in panel_page.text and "Can you sit on this panel?" in panel_page.text
    missing = client.post(f"/panel/appeals/{appeal.id}/response", data={"response-answer": "accept"})
    assert missing.status_code == 422 and "Tick the declaration to accept" in missing.text
    for member in released.managers:
        sign_in(client, member)
        assert client.post(f"/panel/appeals/{appeal.id}/response", data={
            "response-answer": "accept", "response-declaration": "y"}).status_code == 302
    sign_in(client, two)
    assert "Record the panel\'s outcome" in client.get(f"/panel/appeals/{appeal.id}").text
    blank = client.post(f"/panel/appeals/{appeal.id}/outcome", data={"outcome-outcome": "dismissed"})
    assert blank.status_code == 422 and "Give the panel&#39;s reasons" in blank.text
    decided = client.post(f"/panel/appeals/{appeal.id}/outcome", data={
        "outcome-outcome": "upheld_void_resit", "outcome-reasons": "The invigilation software failed."})
    assert decided.status_code == 302

    sign_in(client, released.candidate)
    page = client.get(f"/appeals/{appeal.id}")
    assert "Upheld: the attempt is void" in page.text and "The invigilation software failed." in page.text
    assert "You may sit the exam again at no cost" in page.text
    assert "Resits at no cost" in client.get("/appeals").text
    sign_in(client, released.admin)
    assert "Free resit granted" in client.get("/admin/appeals").text


def test_someone_not_on_the_panel_finds_nothing(client, db, released, at_day_two):
    sign_in(client, released.candidate)
    _appeal(client, released)
    appeal = db.scalar(select(Appeal))
    sign_in(client, released.lay)
    assert client.get(f"/panel/appeals/{appeal.id}").status_code == 404
    assert client.post(f"/panel/appeals/{appeal.id}/response", data={"response-answer": "accept"}).status_code == 404
    assert "You are not on any appeal panel" in client.get("/panel").text


def test_the_account_page_sets_the_registered_case_manager_flag(client, db, released):
    sign_in(client, released.admin)
    page = client.get(f"/admin/users/{released.lay.id}")
    assert "On the register of case managers" in page.text
    response = client.post(f"/admin/users/{released.lay.id}/case-manager",
                           data={"register-is_registered_case_manager": "y"})
    assert response.status_code == 302
    db.refresh(released.lay)
    assert released.lay.is_registered_case_manager is True
    client.post(f"/admin/users/{released.lay.id}/case-manager", data={})
    db.refresh(released.lay)
    assert released.lay.is_registered_case_manager is False


def test_the_command_line_lists_appeals_and_the_evidence_they_hold(runner, db, released, lodge):
    import json

    assert "No evidence is held" in runner.invoke(args=["appeals", "holds"]).output
    appeal = lodge()
    listed = json.loads(runner.invoke(args=["appeals", "list", "--json"]).output)
    assert listed == [{"appeal": appeal.id, "attempt": released.attempt.id, "candidate": "Cass Candidate",
                       "sitting": "Appeals sitting", "status": "awaiting_panel", "is_open": True}]
    assert json.loads(runner.invoke(args=["appeals", "holds", "--json"]).output) == {
        "held_attempts": [released.attempt.id]}
    assert f"attempts: {released.attempt.id}" in runner.invoke(args=["appeals", "holds"]).output


def test_a_result_that_cannot_be_appealed_says_why_instead_of_offering_the_form(client, released, clock):
    clock.set(RELEASED_AT + dt.timedelta(days=30))
    sign_in(client, released.candidate)
    page = client.get(f"/appeals/results/{released.result.id}/appeal")
    assert "The time to appeal this result has passed" in page.text and "Send appeal" not in page.text
