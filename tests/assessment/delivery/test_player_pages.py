"""The candidate's pages: instructions and declaration, the player's shell, review, submit, receipt."""
from __future__ import annotations

import re

import pytest

from core.roles import Role
from assessment.delivery import services
from tests.assessment.delivery.player_data import SECRET, make_exam
from tests.proctoring.helpers import approve_checkin


@pytest.fixture
def candidate(login_as):
    return login_as(Role.CANDIDATE)


def test_the_start_page_explains_the_exam_and_needs_the_declaration(client, db, framework, clock, candidate, make_user):
    sitting, _ = make_exam(db, candidate=candidate, now=clock.now(), extra_time_pct=25, requires_invigilation=True)
    invigilator = make_user(Role.INVIGILATOR)
    approve_checkin(db, sitting.id, candidate.id, invigilator.id, clock.now())
    page = client.get(f"/sittings/{sitting.id}/start")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "1 hour and 15 minutes" in text and "extra time of 25%" in text
    assert "Identity and room check: Approved." in text
    refused = client.post(f"/sittings/{sitting.id}/start", data={})
    assert refused.status_code == 422 and "Confirm the declaration to start the exam" in refused.get_data(as_text=True)
    started = client.post(f"/sittings/{sitting.id}/start", data={"declaration": "y"})
    assert started.status_code == 302 and re.fullmatch(r"/attempts/\d+", started.headers["Location"])
    again = client.get(f"/sittings/{sitting.id}/start")
    assert "Continue the exam" in again.get_data(as_text=True)


def test_a_sitting_the_candidate_has_not_booked_cannot_be_started(client, db, framework, clock, candidate):
    sitting, _ = make_exam(db, now=clock.now())  # booked by somebody else
    page = client.get(f"/sittings/{sitting.id}/start")
    assert "You have not booked this sitting" in page.get_data(as_text=True)
    refused = client.post(f"/sittings/{sitting.id}/start", data={"declaration": "y"})
    assert refused.status_code == 409 and "You have not booked this sitting" in refused.get_data(as_text=True)
    assert client.get("/sittings/99999/start").status_code == 404


def test_pressing_start_looks_up_the_attempt_and_the_adjustments_once(client, db, framework, clock, candidate,
                                                                      monkeypatch):
    """The start storm: the page's facts are not read again before the service reads them itself
    (each look was a statement for every one of 5,000 candidates). They are read when the page is
    drawn again: a refused start, or a form without the declaration."""
    sitting, _ = make_exam(db, candidate=candidate, now=clock.now(), extra_time_pct=25)
    looks = {"latest_attempt": 0, "approved_adjustments": 0}
    for name in looks:
        real = getattr(services, name)

        def counted(*args, _name=name, _real=real, **kwargs):
            looks[_name] += 1
            return _real(*args, **kwargs)

        monkeypatch.setattr(services, name, counted)
    assert client.post(f"/sittings/{sitting.id}/start", data={}).status_code == 422
    assert looks == {"latest_attempt": 1, "approved_adjustments": 1}  # the page drawn again
    looks.update(latest_attempt=0, approved_adjustments=0)
    started = client.post(f"/sittings/{sitting.id}/start", data={"declaration": "y"})
    assert started.status_code == 302
    assert looks == {"latest_attempt": 1, "approved_adjustments": 1}
    from assessment.delivery.models import Attempt
    assert db.get(Attempt, int(started.headers["Location"].rsplit("/", 1)[1])).extra_time_pct == 25


def test_pressing_start_on_an_ended_attempt_reaches_its_receipt(client, db, framework, clock, candidate):
    sitting, _ = make_exam(db, candidate=candidate, now=clock.now())
    attempt = services.start_attempt(db, actor=candidate.actor, sitting_id=sitting.id, device_id="d", now=clock.now())
    services.submit_attempt(db, actor=candidate.actor, attempt_id=attempt.id, now=clock.now())
    db.commit()
    pressed = client.post(f"/sittings/{sitting.id}/start", data={"declaration": "y"})
    assert pressed.status_code == 302
    receipt = client.get(pressed.headers["Location"])
    assert receipt.status_code == 302 and receipt.headers["Location"] == f"/attempts/{attempt.id}/receipt"
    assert client.get(f"/sittings/{sitting.id}/start").headers["Location"] == f"/attempts/{attempt.id}/receipt"


def test_the_player_shell_review_submit_and_receipt(client, db, framework, clock, candidate):
    sitting, _ = make_exam(db, candidate=candidate, now=clock.now())
    attempt = services.start_attempt(db, actor=candidate.actor, sitting_id=sitting.id, device_id="d", now=clock.now())
    services.save_response(db, actor=candidate.actor, attempt_id=attempt.id, slot=1, payload={"answer": "B"},
                           seen_seq=0, client_step_id="c1", device_id="d", now=clock.now())
    services.save_response(db, actor=candidate.actor, attempt_id=attempt.id, slot=3,
                           payload={"answer": None, "flagged": True}, seen_seq=1, client_step_id="c2",
                           device_id="d", now=clock.now())
    shell = client.get(f"/attempts/{attempt.id}").get_data(as_text=True)
    assert 'name="csrf-token"' in shell and "js/player/main.js" in shell and "The exam needs JavaScript" in shell
    review = client.get(f"/attempts/{attempt.id}/review")
    text = review.get_data(as_text=True)
    assert review.status_code == 200 and "You have answered 1 of 5 questions" in text and "flagged 1" in text
    assert f"/attempts/{attempt.id}#q3" in text
    for page in (shell, text):
        assert SECRET not in page and "Visit the client at home" not in page  # no item content, let alone keys
    assert client.post(f"/attempts/{attempt.id}/submit", data={}).status_code == 422
    submitted = client.post(f"/attempts/{attempt.id}/submit", data={"confirm": "y"})
    assert submitted.status_code == 302 and submitted.headers["Location"] == f"/attempts/{attempt.id}/receipt"
    receipt = client.get(f"/attempts/{attempt.id}/receipt").get_data(as_text=True)
    assert "Your exam has been submitted" in receipt and "1 of 5" in receipt
    assert services.receipt_for(db, attempt, clock.now()) in receipt
    # After the end the player and review pages lead to the receipt.
    assert client.get(f"/attempts/{attempt.id}").headers["Location"] == f"/attempts/{attempt.id}/receipt"
    assert client.get(f"/attempts/{attempt.id}/review").status_code == 302


def test_a_timed_out_attempt_has_a_receipt_too(client, db, framework, clock, candidate):
    sitting, _ = make_exam(db, candidate=candidate, now=clock.now(), duration_s=600)
    attempt = services.start_attempt(db, actor=candidate.actor, sitting_id=sitting.id, device_id="d", now=clock.now())
    assert client.get(f"/attempts/{attempt.id}/receipt").headers["Location"] == f"/attempts/{attempt.id}"
    clock.advance(minutes=11)
    receipt = client.get(f"/attempts/{attempt.id}/receipt")
    assert receipt.status_code == 200 and "the time ran out" in receipt.get_data(as_text=True)
    late = client.post(f"/attempts/{attempt.id}/submit", data={"confirm": "y"})
    assert late.headers["Location"] == f"/attempts/{attempt.id}/receipt"


def test_the_review_page_lists_incomplete_and_over_long_answers(client, db, framework, clock, candidate):
    sitting, _ = make_exam(db, candidate=candidate, now=clock.now())
    attempt = services.start_attempt(db, actor=candidate.actor, sitting_id=sitting.id, device_id="d", now=clock.now())
    answers = {2: ["A"], 3: {"1": "B"}, 5: "word " * 62}  # choose 2; two stems; a word limit of 50
    for seen, (slot, answer) in enumerate(answers.items()):
        services.save_response(db, actor=candidate.actor, attempt_id=attempt.id, slot=slot,
                               payload={"answer": answer}, seen_seq=seen, client_step_id=f"c{slot}", device_id="d",
                               now=clock.now())
    text = client.get(f"/attempts/{attempt.id}/review").get_data(as_text=True)
    assert "Answers to check" in text
    assert "1 of 2 options chosen" in text and "1 of 2 situations matched" in text
    assert "62 words: 12 over the limit of 50" in text
    attention = text[text.index("Answers to check"):text.index("Submit the exam")]
    assert [f"#q{n}" in attention for n in (1, 2, 3, 4, 5)] == [False, True, True, False, True]


def test_two_presses_of_start_that_race_both_reach_the_one_attempt(client, db, framework, clock, candidate,
                                                                   monkeypatch):
    """A double click or a second tab: both requests looked before either had made the attempt, so
    both make one and the database refuses the second (one attempt a candidate). The loser resumes
    the winner's attempt, as a later press would — not a server error."""
    from sqlalchemy import select

    from assessment.delivery.models import Attempt, AttemptEvent

    sitting, _ = make_exam(db, candidate=candidate, now=clock.now())
    first = services.start_attempt(db, actor=candidate.actor, sitting_id=sitting.id, device_id="tab-one",
                                   now=clock.now())
    db.flush()
    looked = services.latest_attempt
    in_start = {"calls": 0}
    real_start = services.start_attempt

    def start_unaware(*args, **kwargs):
        in_start["calls"] += 1
        return real_start(*args, **kwargs)

    def latest_as_the_race_saw_it(session, sitting_id, candidate_id):
        # The first look from inside start_attempt saw no attempt yet: the other press had not committed.
        return None if in_start["calls"] == 1 else looked(session, sitting_id, candidate_id)

    monkeypatch.setattr(services, "start_attempt", start_unaware)
    monkeypatch.setattr(services, "latest_attempt", latest_as_the_race_saw_it)
    second = client.post(f"/sittings/{sitting.id}/start", data={"declaration": "y"})
    assert in_start["calls"] == 2  # refused by the database once, then resumed
    assert second.status_code == 302 and second.headers["Location"] == f"/attempts/{first.id}"
    assert db.scalars(select(Attempt.id).where(Attempt.sitting_id == sitting.id)).all() == [first.id]
    claims = db.scalars(select(AttemptEvent.payload).where(AttemptEvent.attempt_id == first.id,
                                                           AttemptEvent.kind == "device_claimed")).all()
    assert len(claims) == 2 and claims[1]["device_id"].startswith("start-")
