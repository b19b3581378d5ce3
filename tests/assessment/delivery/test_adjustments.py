"""Reasonable adjustments: a candidate asks (with evidence), an administrator decides with a reason,
the candidate is told, and approved adjustments apply to the attempts they start afterwards."""
import datetime as dt
import hashlib
import io

import pytest
from sqlalchemy import select

from core.audit import AuditEntry
from core.errors import Conflict, Forbidden, ValidationFailed
from core.notifications import Notification
from core.roles import Role
from assessment.delivery import services
from assessment.delivery.adjustments import rules as adjustment_rules
from assessment.delivery.adjustments import services as adjustment_services
from assessment.delivery.models import AdjustmentRequest
from assessment.delivery.rules import AdjustmentStatus
from tests.assessment.delivery.conftest import T0
from tests import uploads_data
from tests.uploads_data import evidence_sealer

PNG = uploads_data.png()


def ask(db, candidate, tmp_path, **changes):
    values = dict(extra_time_pct=25, rest_breaks=True)
    values.update(changes)
    return adjustment_services.request_adjustments(
        db, actor=candidate.actor, details=adjustment_services.AdjustmentDetails(**values),
        upload_folder=str(tmp_path), sealer=evidence_sealer(), scan_command=None, now=T0)


def test_a_request_with_evidence_is_stored_outside_the_web_root_by_its_hash(db, make_user, tmp_path):
    candidate = make_user(Role.CANDIDATE)
    request = ask(db, candidate, tmp_path, evidence=PNG, evidence_filename="../../letter from GP.png",
                  text_size="large", colour_scheme="cream", uses_screen_reader=True, other="A quiet room")
    digest = hashlib.sha256(PNG).hexdigest()
    assert request.evidence_sha256 == digest and request.evidence_filename == "letter_from_GP.png"
    stored = adjustment_services.evidence_path(str(tmp_path), digest)
    assert evidence_sealer().read(stored) == PNG and PNG not in stored.read_bytes()  # sealed on disk
    assert str(adjustment_services.evidence_path(str(tmp_path), digest)).startswith(str(tmp_path / "adjustments"))
    assert request.status == AdjustmentStatus.PENDING
    assert adjustment_rules.describe(request) == ["25% extra time", "Rest breaks that stop the clock",
                                          "Text size: Large (150%)", "Colour scheme: Dark text on cream",
                                          "Uses a screen reader", "Other: A quiet room"]
    assert db.scalar(select(AuditEntry).where(AuditEntry.action == "adjustments.requested")) is not None


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"extra_time_pct": 0, "rest_breaks": False}, "extra_time_pct", "Choose at least one adjustment"),
    ({"extra_time_pct": 40}, "extra_time_pct", "Choose an amount of extra time from the list"),
    ({"text_size": "huge"}, "text_size", "Choose a text size from the list"),
    ({"evidence": b"MZ\x90\x00 not a pdf"}, "evidence", "The file must be a PDF, PNG or JPEG"),
    ({"evidence": b"%PDF-" + b"0" * (10 * 1024 * 1024)}, "evidence", "The file must be smaller than 10 MB"),
    ({"evidence": uploads_data.pdf_with_javascript()}, "evidence", "The file contains JavaScript"),
    ({"evidence": uploads_data.png_with_zip()}, "evidence", "The file has extra data after the end"),
])
def test_bad_requests_are_refused_with_the_field_named(db, make_user, tmp_path, changes, field, message):
    with pytest.raises(ValidationFailed) as error:
        ask(db, make_user(Role.CANDIDATE), tmp_path, **changes)
    assert [(p.field, p.message.startswith(message)) for p in error.value.problems] == [(field, True)]
    assert db.scalars(select(AdjustmentRequest)).all() == [] and not (tmp_path / "adjustments").exists()


def test_one_pending_request_at_a_time_and_only_candidates_ask(db, make_user, tmp_path):
    candidate = make_user(Role.CANDIDATE)
    ask(db, candidate, tmp_path)
    with pytest.raises(Conflict, match="waiting for a decision"):
        ask(db, candidate, tmp_path, extra_time_pct=50)
    with pytest.raises(Forbidden):
        ask(db, make_user(Role.EXAMINER), tmp_path)


def test_an_admin_approves_with_a_reason_and_the_candidate_is_told(db, make_user, tmp_path):
    candidate, admin = make_user(Role.CANDIDATE), make_user(Role.ADMIN)
    request = ask(db, candidate, tmp_path)
    with pytest.raises(ValidationFailed) as error:
        adjustment_services.decide_adjustment(db, actor=admin.actor, request_id=request.id, approve=True, reason=" ",
                                              now=T0)
    assert error.value.problems[0].field == "reason" and request.status == AdjustmentStatus.PENDING
    with pytest.raises(Forbidden):
        adjustment_services.decide_adjustment(db, actor=make_user(Role.INVIGILATOR).actor, request_id=request.id,
                                              approve=True, reason="Fine", now=T0)
    decided = adjustment_services.decide_adjustment(db, actor=admin.actor, request_id=request.id, approve=True,
                                                    reason="Supported by the GP's letter", now=T0)
    assert (decided.status, decided.decided_by_id, decided.decision_reason) == \
        (AdjustmentStatus.APPROVED, admin.id, "Supported by the GP's letter")
    note = db.scalar(select(Notification).where(Notification.user_id == candidate.id))
    assert "approved" in note.message and "Supported by the GP's letter" in note.message
    assert note.link == "/adjustments"
    assert db.scalar(select(AuditEntry).where(AuditEntry.action == "adjustments.approved")) is not None
    with pytest.raises(Conflict, match="already been decided"):
        adjustment_services.decide_adjustment(db, actor=admin.actor, request_id=request.id, approve=False, reason="No",
                                              now=T0)


def test_an_admin_cannot_decide_their_own_request(db, make_user, tmp_path):
    person = make_user(Role.CANDIDATE, Role.ADMIN)
    request = ask(db, person, tmp_path)
    with pytest.raises(Forbidden):
        adjustment_services.decide_adjustment(db, actor=person.actor, request_id=request.id, approve=True, reason="Me",
                                              now=T0)


def test_approved_extra_time_applies_to_the_next_attempt(db, make_user, tmp_path, make_sitting, booked_candidate):
    sitting = make_sitting(duration_s=3600)
    candidate = booked_candidate(sitting)
    request = ask(db, candidate, tmp_path)
    adjustment_services.decide_adjustment(db, actor=make_user(Role.ADMIN).actor, request_id=request.id, approve=True,
                                          reason="Evidence seen", now=T0)
    attempt = services.start_attempt(db, actor=candidate.actor, sitting_id=sitting.id, device_id="d", now=T0)
    view = services.view_of(db, attempt, T0)
    assert attempt.extra_time_pct == 25 and attempt.has_rest_breaks
    assert view.deadline == T0 + dt.timedelta(minutes=75)


# --------------------------------------------------------------------------------------------- pages

def test_the_candidate_asks_on_the_page_and_sees_the_decision(app, client, db, login_as, clock, make_user, tmp_path):
    app.config["UPLOAD_FOLDER"] = str(tmp_path)
    candidate = login_as(Role.CANDIDATE)
    page = client.get("/adjustments")
    assert page.status_code == 200 and b"You have not asked for adjustments." in page.data
    bad = client.post("/adjustments", content_type="multipart/form-data",
                      data={"extra_time_pct": "25", "evidence": (io.BytesIO(b"GIF89a..."), "scan.gif")})
    assert bad.status_code == 422
    assert bad.get_data(as_text=True).count("The file must be a PDF, PNG or JPEG") == 2
    bad = client.post("/adjustments", content_type="multipart/form-data",
                      data={"extra_time_pct": "25", "evidence": (io.BytesIO(uploads_data.pdf_with_javascript()),
                                                                 "letter.pdf")})
    assert bad.status_code == 422 and "contains JavaScript" in uploads_data.error_beside(bad.text, "evidence")
    assert db.scalars(select(AdjustmentRequest)).all() == [] and not (tmp_path / "adjustments").exists()
    none = client.post("/adjustments", data={"extra_time_pct": "0"})
    assert none.status_code == 422 and b"Choose at least one adjustment" in none.data
    good = client.post("/adjustments", content_type="multipart/form-data", follow_redirects=True,
                       data={"extra_time_pct": "25", "rest_breaks": "y",
                             "evidence": (io.BytesIO(PNG), "letter.png")})
    assert good.status_code == 200 and b"Your request has been sent." in good.data
    assert b"Waiting for a decision" in good.data and b"25% extra time" in good.data
    request = db.scalar(select(AdjustmentRequest).where(AdjustmentRequest.candidate_id == candidate.id))
    adjustment_services.decide_adjustment(db, actor=make_user(Role.ADMIN).actor, request_id=request.id, approve=False,
                                          reason="Please send a letter dated this year", now=T0)
    page = client.get("/adjustments").get_data(as_text=True)
    assert "Declined" in page and "Please send a letter dated this year" in page


def test_the_admin_queue_decision_page_and_evidence_download(app, client, db, login_as, clock, make_user, tmp_path):
    app.config["UPLOAD_FOLDER"] = str(tmp_path)
    candidate = make_user(Role.CANDIDATE, name="Casey Candidate")
    with_evidence = ask(db, candidate, tmp_path, evidence=PNG, evidence_filename="letter.png")
    login_as(Role.ADMIN)
    queue = client.get("/admin/adjustments").get_data(as_text=True)
    assert "Casey Candidate" in queue and "Waiting for a decision" in queue
    page = client.get(f"/admin/adjustments/{with_evidence.id}")
    assert b"Download letter.png" in page.data
    download = client.get(f"/admin/adjustments/{with_evidence.id}/evidence")
    assert download.status_code == 200 and download.data == PNG and download.mimetype == "image/png"
    assert download.headers["Content-Disposition"] == "attachment; filename=letter.png"
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert "attachment" in download.headers["Content-Disposition"]
    download.close()
    missing = client.post(f"/admin/adjustments/{with_evidence.id}", data={"reason": ""})
    html = missing.get_data(as_text=True)
    assert missing.status_code == 422 and html.count("Choose whether to approve or decline") == 2
    assert html.count("Give a reason for the decision") == 2
    done = client.post(f"/admin/adjustments/{with_evidence.id}", data={"decision": "approve", "reason": "Seen"})
    assert done.status_code == 302
    db.expire_all()
    assert db.get(AdjustmentRequest, with_evidence.id).status == AdjustmentStatus.APPROVED
    assert client.get("/admin/adjustments/999999").status_code == 404


def test_candidates_cannot_reach_the_evidence(client, db, login_as, make_user, tmp_path):
    request = ask(db, make_user(Role.CANDIDATE), tmp_path, evidence=PNG, evidence_filename="letter.png")
    login_as(Role.CANDIDATE)
    assert client.get(f"/admin/adjustments/{request.id}/evidence").status_code == 403
