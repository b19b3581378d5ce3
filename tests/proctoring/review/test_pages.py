"""The review pages: the list, the timeline (filters, paging, thumbnails through the evidence route),
a flag's decision, the outcome, and the incident report as HTML and PDF — for staff, and for the
candidate only their own and only once an outcome exists."""
from __future__ import annotations

import io
import re

import pytest
from pypdf import PdfReader

from core.roles import Role
from proctoring.review import services

from tests.proctoring.review.conftest import at


def _decide_and_conclude(db, finished, reviewer):
    services.decide_flag(db, actor=reviewer.actor, flag_id=finished.flags[0].id, decision="dismissed",
                         note="A notification from the operating system; 42 s.", now=at(3600))
    services.decide_flag(db, actor=reviewer.actor, flag_id=finished.flags[1].id, decision="confirmed",
                         note="A second person is visible behind the candidate.", now=at(3600))
    services.record_outcome(db, actor=reviewer.actor, attempt_id=finished.attempt.id,
                            outcome="withheld_pending_examiner",
                            reasons="Someone else was in the room during the exam.", now=at(3700))


def test_the_list_shows_the_attempt_awaiting_review(client, login_as, finished):
    login_as(Role.INVIGILATOR)
    page = client.get("/invigilation/review").get_data(as_text=True)
    assert "Cara Candidate" in page and "Awaiting review" in page
    assert client.get(f"/invigilation/review/sittings/{finished.sitting.id}").status_code == 200


def test_the_timeline_joins_everything_in_order(client, login_as, finished):
    login_as(Role.EXAMINER)
    response = client.get(f"/invigilation/attempts/{finished.attempt.id}/timeline")
    assert response.status_code == 200
    page = response.get_data(as_text=True).split('<ol class="review-timeline">')[1]
    order = ["Consent to invigilation given", "Check-in approved", "Attempt started", "Answer saved to question 1",
             "No heartbeat for 2 min", "The exam&#39;s tab was hidden", "Webcam snapshot",
             "Faces counted by the server: 2 faces", "Message to the candidate", "Submitted by the candidate"]
    positions = [page.index(words) for words in order]
    assert positions == sorted(positions)
    assert "Back after 42 s." in page and "Please keep your face in view." in page
    assert "Connected (heartbeats) for 1 min" in page  # 15 s … 75 s, then the gap, then 195 s … 210 s
    assert f'src="/invigilation/evidence/{finished.rows["snapshot"].id}"' in page
    assert "Not yet decided" in page
    # The answer itself is never on the timeline; times are UK time to the second.
    assert "23 November 2026, 10:01:00" in page


def test_the_timeline_filters_and_pages(client, login_as, finished):
    login_as(Role.ADMIN)
    page = client.get(f"/invigilation/attempts/{finished.attempt.id}/timeline?type=messages").get_data(as_text=True)
    assert "Message to the candidate" in page and "Webcam snapshot" not in page and "(filtered)" in page
    many = client.get(f"/invigilation/attempts/{finished.attempt.id}/timeline?page=99").get_data(as_text=True)
    assert "Page" not in many or "Page 1 of 1" in many  # one page: no pager; an absurd page shows the last


def test_deciding_flags_and_the_outcome_through_the_pages(client, login_as, db, finished):
    reviewer = login_as(Role.INVIGILATOR)
    first, second = finished.flags
    refused = client.post(f"/invigilation/flags/{first.id}/decision", data={"decision": "dismissed", "note": ""})
    assert refused.status_code == 422 and "Enter a note" in refused.get_data(as_text=True)
    early = client.post(f"/invigilation/attempts/{finished.attempt.id}/outcome",
                        data={"outcome": "no_concern", "reasons": "Nothing of concern was seen."})
    assert early.status_code == 409 and "2 flags have no decision yet" in early.get_data(as_text=True)
    done = client.post(f"/invigilation/flags/{first.id}/decision",
                       data={"decision": "dismissed", "note": "A notification popped up; 42 s only."})
    assert done.status_code == 302 and done.headers["Location"].endswith(f"/attempts/{finished.attempt.id}/timeline#flags")
    client.post(f"/invigilation/flags/{second.id}/decision",
                data={"decision": "confirmed", "note": "Two faces: another person is in the room."})
    recorded = client.post(f"/invigilation/attempts/{finished.attempt.id}/outcome",
                           data={"outcome": "concern_noted", "reasons": "Another person was seen once, briefly."})
    assert recorded.status_code == 302
    page = client.get(f"/invigilation/attempts/{finished.attempt.id}/timeline").get_data(as_text=True)
    assert "Outcome recorded: Concern noted" in page and f"By {reviewer.full_name}" in page
    assert "Dismissed the flag" in page and "Confirmed the flag" in page


def test_the_incident_report_as_html_and_pdf(client, login_as, db, finished):
    reviewer = login_as(Role.EXAMINER)
    _decide_and_conclude(db, finished, reviewer)
    page = client.get(f"/invigilation/attempts/{finished.attempt.id}/incident-report").get_data(as_text=True)
    assert "Result withheld pending an examiner&#39;s decision" in page
    assert "A second person is visible behind the candidate." in page and "Please keep your face in view." in page
    assert "<img" not in page.split('class="incident-report"')[1]  # pictures are listed, never embedded
    assert "Webcam snapshot" not in page and ": snapshot</li>" in page  # listed by time instead
    pdf = client.get(f"/invigilation/attempts/{finished.attempt.id}/incident-report.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages)
    text = re.sub(r"\s+", " ", text)
    for words in ("Invigilation incident report", "Cara Candidate", "Result withheld pending an examiner",
                  "Someone else was in the room during the exam.", "Dismissed by", "Confirmed by",
                  "Message to the candidate", "Please keep your face in view.", reviewer.full_name):
        assert words in text, words


def test_the_candidate_reads_their_own_report_only_once_an_outcome_exists(app, client, db, make_user, finished):
    url = f"/invigilation/attempts/{finished.attempt.id}/incident-report"
    with client.session_transaction() as flask_session:
        flask_session["_user_id"] = finished.candidate.get_id()
    assert client.get(url).status_code == 404
    _decide_and_conclude(db, finished, make_user(Role.EXAMINER))
    page = client.get(url)
    assert page.status_code == 200 and "Someone else was in the room" in page.get_data(as_text=True)
    assert "/timeline" not in page.get_data(as_text=True)  # no link to what the candidate cannot open
    assert client.get(f"{url}.pdf").status_code == 200
    # Another candidate gets nothing, nor does the candidate get the timeline.
    assert client.get(f"/invigilation/attempts/{finished.attempt.id}/timeline").status_code == 403
    other = make_user(Role.CANDIDATE)
    with client.session_transaction() as flask_session:
        flask_session["_user_id"] = other.get_id()
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("role", [Role.CANDIDATE, Role.ITEM_WRITER, Role.ASSESSOR])
def test_others_cannot_review(client, login_as, finished, role):
    login_as(role)
    assert client.get(f"/invigilation/attempts/{finished.attempt.id}/timeline").status_code == 403
    assert client.post(f"/invigilation/flags/{finished.flags[0].id}/decision",
                       data={"decision": "dismissed", "note": "Not mine to decide."}).status_code == 403


def test_the_flag_page_links_its_evidence_on_the_timeline(client, login_as, finished):
    login_as(Role.INVIGILATOR)
    page = client.get(f"/invigilation/flags/{finished.flags[0].id}/decision").get_data(as_text=True)
    hidden, visible = finished.rows["hidden"].id, finished.rows["visible"].id
    base = f"/invigilation/attempts/{finished.attempt.id}/timeline?page=1"
    assert f'href="{base}#log-{hidden}"' in page and f'href="{base}#log-{visible}"' in page
    assert "42 s" in page and "The exam&#39;s tab was hidden for 42 s." in page


def test_the_candidates_result_page_links_the_report_once_there_is_an_outcome(client, db, make_user, finished):
    with client.session_transaction() as flask_session:
        flask_session["_user_id"] = finished.candidate.get_id()
    result = f"/results/sittings/{finished.sitting.id}"
    report = f"/invigilation/attempts/{finished.attempt.id}/incident-report"
    assert report not in client.get(result).get_data(as_text=True)
    _decide_and_conclude(db, finished, make_user(Role.EXAMINER))
    assert f'href="{report}"' in client.get(result).get_data(as_text=True)


def test_the_report_holds_no_other_candidates_data(client, db, login_as, booked_candidate, finished):
    from proctoring import log
    from proctoring.rules import LogKind

    other = booked_candidate(finished.sitting, name="Otto Other-Candidate")
    theirs = log.invigilation_for(db, sitting_id=finished.sitting.id, candidate_id=other.id, now=at(0))
    log.append(db, invigilation_id=theirs.id, kind=LogKind.MESSAGE_SENT, now=at(500),
               actor_id=finished.invigilator.id, payload={"text": "A message for Otto only."})
    reviewer = login_as(Role.EXAMINER)
    _decide_and_conclude(db, finished, reviewer)
    for url in (f"/invigilation/attempts/{finished.attempt.id}/incident-report",
                f"/invigilation/attempts/{finished.attempt.id}/timeline?type=messages"):
        page = client.get(url).get_data(as_text=True)
        assert "Please keep your face in view." in page
        assert "Otto" not in page and "A message for Otto only." not in page
