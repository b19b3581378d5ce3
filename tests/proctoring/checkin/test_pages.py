"""The check-in pages through the test client: the privacy notice and consent, the check-in without
JavaScript (file fields) and with it (JSON answers), the queue, the review, and the system check."""
from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from core.roles import Role
from assessment.delivery.models import Booking
from proctoring.checkin import queries
from proctoring.checkin.rules import CheckinStatus
from proctoring.models import InvigilationEvent
from tests.assessment.delivery.conftest import T0
from tests.proctoring.checkin.conftest import picture


@pytest.fixture
def me(db, client, login_as, invigilated_sitting):
    candidate = login_as(Role.CANDIDATE, name="Cara Candidate")
    db.add(Booking(sitting_id=invigilated_sitting.id, candidate_id=candidate.id, booked_at=T0))
    db.flush()
    return candidate


def base(sitting) -> str:
    return f"/invigilation/sittings/{sitting.id}"


def upload(client, sitting, step, data, *, as_json=False):
    headers = {"Accept": "application/json"} if as_json else {}
    return client.post(f"{base(sitting)}/check-in/{step}/picture", headers=headers,
                       data={f"{step}-image": (io.BytesIO(data), "photo.jpg")}, content_type="multipart/form-data")


def test_the_sittings_page_and_the_booking_say_consent_is_still_needed(client, db, me, invigilated_sitting):
    text = client.get("/sittings").get_data(as_text=True)
    assert "your consent is still needed" in text and f"{base(invigilated_sitting)}/consent" in text


def test_the_privacy_notice_says_what_why_who_how_long_and_the_basis(app, client, me, invigilated_sitting):
    page = client.get(f"{base(invigilated_sitting)}/consent")
    text = " ".join(page.get_data(as_text=True).split())
    assert page.status_code == 200 and "Your consent is still needed" in text
    for words in ("every 30 seconds", "room scan", f"appeal window ({app.config['APPEAL_WINDOW_DAYS']} days)",
                  "a further 30 days",
                  "Article 6(1)(b)", "6(1)(f)", "No biometric matching", "never a decision", "in-person or adjusted"):
        assert words in text, words


def test_consent_needs_the_box_ticked_then_is_recorded_and_can_be_withdrawn(client, db, me, invigilated_sitting):
    refused = client.post(f"{base(invigilated_sitting)}/consent", data={})
    assert refused.status_code == 422 and "Tick the box to give your consent" in refused.get_data(as_text=True)
    given = client.post(f"{base(invigilated_sitting)}/consent", data={"agree": "y"})
    assert given.status_code == 302
    assert queries.state_of(db, sitting_id=invigilated_sitting.id, candidate_id=me.id).consent is True
    assert "Your consent is recorded" in client.get(f"{base(invigilated_sitting)}/consent").get_data(as_text=True)
    client.post(f"{base(invigilated_sitting)}/consent/withdraw")
    assert queries.state_of(db, sitting_id=invigilated_sitting.id, candidate_id=me.id).consent is False
    checkin = client.get(f"{base(invigilated_sitting)}/check-in").get_data(as_text=True)
    assert "You have withdrawn your consent" in checkin and "in-person or adjusted sitting" in checkin


def test_the_whole_check_in_without_javascript(client, db, me, invigilated_sitting, make_user):
    client.post(f"{base(invigilated_sitting)}/consent", data={"agree": "y"})
    page = client.get(f"{base(invigilated_sitting)}/check-in").get_data(as_text=True)
    assert 'accept="image/jpeg,image/png"' in page and "I need help with this step" in page
    # A PDF is refused beside its field, and nothing is written.
    before = db.scalar(select(func.count()).select_from(InvigilationEvent))
    bad = upload(client, invigilated_sitting, "photo", b"%PDF-1.4")
    assert bad.status_code == 422 and "not a JPEG or PNG picture" in bad.get_data(as_text=True)
    assert 'id="photo-image-error"' in bad.get_data(as_text=True)
    assert db.scalar(select(func.count()).select_from(InvigilationEvent)) == before
    assert upload(client, invigilated_sitting, "photo", picture()).status_code == 302
    assert upload(client, invigilated_sitting, "id_photo", picture("PNG")).status_code == 302
    for _ in range(3):
        assert upload(client, invigilated_sitting, "room_scan", picture()).status_code == 302
    early = client.post(f"{base(invigilated_sitting)}/check-in/submit", data={})
    assert early.status_code == 422 and "Confirm that you have read the rules" in early.get_data(as_text=True)
    assert client.post(f"{base(invigilated_sitting)}/check-in/rules", data={"rules-agree": "y"}).status_code == 302
    assert client.post(f"{base(invigilated_sitting)}/check-in/submit", data={}).status_code == 302
    text = client.get(f"{base(invigilated_sitting)}/check-in").get_data(as_text=True)
    assert "Submitted: waiting for an invigilator" in text


def test_the_camera_path_answers_json(client, db, me, invigilated_sitting):
    client.post(f"{base(invigilated_sitting)}/consent", data={"agree": "y"})
    first = upload(client, invigilated_sitting, "room_scan", picture(), as_json=True)
    assert first.status_code == 200 and first.json["frames"] == 1 and first.json["done"] is False
    assert "2 more needed" in first.json["message"]
    bad = upload(client, invigilated_sitting, "room_scan", b"nope", as_json=True)
    assert bad.status_code == 422 and "not a JPEG or PNG picture" in bad.json["error"]


def test_asking_for_help_reaches_the_queue(client, db, me, invigilated_sitting, make_user):
    client.post(f"{base(invigilated_sitting)}/consent", data={"agree": "y"})
    asked = client.post(f"{base(invigilated_sitting)}/check-in/room_scan/help",
                        data={"room_scan-note": "I am blind and cannot frame the room"})
    assert asked.status_code == 302
    invigilator = make_user(Role.INVIGILATOR)
    with client.session_transaction() as flask_session:
        flask_session["_user_id"] = invigilator.get_id()
    text = client.get(f"{base(invigilated_sitting)}/check-ins").get_data(as_text=True)
    assert "Asking for help, not sent yet (1)" in text and "I am blind and cannot frame the room" in text


def test_the_queue_review_and_decisions(client, db, me, invigilated_sitting, make_user):
    client.post(f"{base(invigilated_sitting)}/consent", data={"agree": "y"})
    for step in ("photo", "id_photo", "room_scan", "room_scan", "room_scan"):
        upload(client, invigilated_sitting, step, picture())
    client.post(f"{base(invigilated_sitting)}/check-in/rules", data={"rules-agree": "y"})
    client.post(f"{base(invigilated_sitting)}/check-in/submit", data={})
    invigilator = make_user(Role.INVIGILATOR)
    with client.session_transaction() as flask_session:
        flask_session["_user_id"] = invigilator.get_id()
    queue = client.get(f"{base(invigilated_sitting)}/check-ins").get_data(as_text=True)
    assert "Waiting for a decision (1)" in queue and "Cara Candidate" in queue
    review = client.get(f"{base(invigilated_sitting)}/check-ins/{me.id}").get_data(as_text=True)
    state = queries.state_of(db, sitting_id=invigilated_sitting.id, candidate_id=me.id)
    assert f"/invigilation/evidence/{state.photo_id}" in review
    assert f"/invigilation/evidence/{state.id_photo_id}" in review
    assert review.count("Room scan, photo") == 3
    empty = client.post(f"{base(invigilated_sitting)}/check-ins/{me.id}/reject", data={"reject-reason": ""})
    assert empty.status_code == 422 and "Say why the check-in is not approved" in empty.get_data(as_text=True)
    rejected = client.post(f"{base(invigilated_sitting)}/check-ins/{me.id}/reject",
                           data={"reject-reason": "The ID photo is blurred"})
    assert rejected.status_code == 302
    with client.session_transaction() as flask_session:
        flask_session["_user_id"] = me.get_id()
    text = client.get(f"{base(invigilated_sitting)}/check-in").get_data(as_text=True)
    assert "was not approved" in text and "The ID photo is blurred" in text
    with client.session_transaction() as flask_session:
        flask_session["_user_id"] = invigilator.get_id()
    waived = client.post(f"{base(invigilated_sitting)}/check-ins/{me.id}/waive",
                         data={"waive-reason_code": "technical_problem",
                               "waive-reason": "Camera broken; ID seen on call"})
    assert waived.status_code == 302
    assert queries.state_of(db, sitting_id=invigilated_sitting.id, candidate_id=me.id).status is CheckinStatus.WAIVED


def test_the_system_check_and_its_speed_routes(client, login_as):
    login_as(Role.EXAMINER)
    page = client.get("/invigilation/system-check").get_data(as_text=True)
    assert "Run the check" in page and "js/invigilation/system-check.js" in page
    download = client.get("/invigilation/system-check/download")
    assert download.status_code == 200 and len(download.data) == 512 * 1024
    assert download.headers["Cache-Control"] == "no-store"
    assert client.post("/invigilation/system-check/upload", data=b"x" * 1000,
                       content_type="application/octet-stream").json == {"received": 1000}
    assert client.post("/invigilation/system-check/upload", data=b"x" * (512 * 1024 + 1),
                       content_type="application/octet-stream").status_code == 413


def test_booking_an_invigilated_sitting_says_consent_is_still_needed(client, db, clock, login_as, make_sitting):
    import datetime as dt

    sitting = make_sitting(booking_closes=T0 + dt.timedelta(hours=1), opens=T0 + dt.timedelta(hours=2),
                           closes=T0 + dt.timedelta(hours=10))
    sitting.requires_invigilation = True
    db.flush()
    login_as(Role.CANDIDATE)
    confirm = client.get(f"/sittings/{sitting.id}/book").get_data(as_text=True)
    assert "Remote, by webcam. After booking, read the privacy notice and give your consent" in confirm
    booked = client.post(f"/sittings/{sitting.id}/book", follow_redirects=True).get_data(as_text=True)
    assert "It is invigilated remotely: your consent is still needed." in booked
    assert f"/invigilation/sittings/{sitting.id}/consent" in booked
