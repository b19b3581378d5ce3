"""The practice exam can be taken again, a new attempt per try, and after a try the candidate sees
their answers beside the keys and rationales. A real sitting keeps one attempt per candidate and
never shows keys or rationales, whatever address is guessed."""
from __future__ import annotations

import pytest

from core.errors import NotFound
from core.roles import Role
from assessment.delivery import candidate as candidate_reads
from assessment.delivery import services
from assessment.delivery.models import Attempt
from tests.assessment.delivery.player_data import ALL_TYPES, SECRET, make_exam, staff_fields_in


@pytest.fixture
def candidate(login_as):
    return login_as(Role.CANDIDATE)


def _answer_everything(db, who, attempt, now):
    """Answers to the five item types of ``ALL_TYPES`` (SBA right, the rest partly or wholly wrong)."""
    answers = {1: "B", 2: ["A", "C"], 3: {"1": "B", "2": "A"}, 4: ["A", "B", "C", "D"], 5: "The two-stage test."}
    seq = 0
    for slot, answer in answers.items():
        ack = services.save_response(db, actor=who.actor, attempt_id=attempt.id, slot=slot, payload={"answer": answer},
                                     seen_seq=seq, client_step_id=f"{attempt.id}-{slot}", device_id="d", now=now)
        seq = ack.seq


def _attempts(db, sitting, who) -> list[Attempt]:
    return list(db.query(Attempt).filter_by(sitting_id=sitting.id, candidate_id=who.id).order_by(Attempt.attempt_no))


def test_the_practice_exam_can_be_taken_again_a_new_attempt_per_try(db, framework, clock, make_user):
    sitting, who = make_exam(db, items=ALL_TYPES, is_practice=True, now=clock.now())
    first = services.start_attempt(db, actor=who.actor, sitting_id=sitting.id, device_id="d", now=clock.now())
    # While a try is open, starting again resumes it.
    assert services.start_attempt(db, actor=who.actor, sitting_id=sitting.id, device_id="e", now=clock.now()) is first
    services.submit_attempt(db, actor=who.actor, attempt_id=first.id, now=clock.now())
    clock.advance(minutes=1)
    second = services.start_attempt(db, actor=who.actor, sitting_id=sitting.id, device_id="d", now=clock.now())
    assert second.id != first.id and (first.attempt_no, second.attempt_no) == (1, 2) and second.is_practice
    assert services.view_of(db, second, clock.now()).answered == 0  # a fresh try: no answers carried over
    clock.advance(hours=2)  # the second try runs out of time: a third may start
    third = services.start_attempt(db, actor=who.actor, sitting_id=sitting.id, device_id="d", now=clock.now())
    assert [a.id for a in _attempts(db, sitting, who)] == [first.id, second.id, third.id]


def test_a_real_sitting_keeps_one_attempt_per_candidate(db, framework, clock):
    sitting, who = make_exam(db, now=clock.now())
    attempt = services.start_attempt(db, actor=who.actor, sitting_id=sitting.id, device_id="d", now=clock.now())
    services.submit_attempt(db, actor=who.actor, attempt_id=attempt.id, now=clock.now())
    again = services.start_attempt(db, actor=who.actor, sitting_id=sitting.id, device_id="d", now=clock.now())
    assert again.id == attempt.id and not again.is_practice and again.attempt_no == 1
    assert len(_attempts(db, sitting, who)) == 1


def test_after_a_practice_try_the_start_page_offers_another_and_the_last_answers(client, db, framework, clock,
                                                                                  candidate):
    sitting, _ = make_exam(db, items=ALL_TYPES, is_practice=True, candidate=candidate, now=clock.now())
    first = client.post(f"/sittings/{sitting.id}/start", data={"declaration": "y"})
    first_id = int(first.headers["Location"].rsplit("/", 1)[1])
    assert client.post(f"/attempts/{first_id}/submit", data={"confirm": "y"}).status_code == 302
    receipt = client.get(f"/attempts/{first_id}/receipt").get_data(as_text=True)
    assert f'href="/attempts/{first_id}/answers"' in receipt and "Take the practice exam again" in receipt
    page = client.get(f"/sittings/{sitting.id}/start")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "You have taken this practice exam 1 time" in text
    assert f'href="/attempts/{first_id}/answers"' in text and "Start exam" in text
    second = client.post(f"/sittings/{sitting.id}/start", data={"declaration": "y"})
    assert second.status_code == 302 and second.headers["Location"] != first.headers["Location"]


def test_after_a_practice_try_the_candidate_sees_answers_keys_and_rationales(client, db, framework, clock,
                                                                             candidate):
    sitting, _ = make_exam(db, items=ALL_TYPES, is_practice=True, candidate=candidate, now=clock.now())
    attempt = services.start_attempt(db, actor=candidate.actor, sitting_id=sitting.id, device_id="d", now=clock.now())
    _answer_everything(db, candidate, attempt, clock.now())
    # Not while the try is open: the answers page sends the candidate back to the questions.
    assert client.get(f"/attempts/{attempt.id}/answers").headers["Location"] == f"/attempts/{attempt.id}"
    services.submit_attempt(db, actor=candidate.actor, attempt_id=attempt.id, now=clock.now())
    page = client.get(f"/attempts/{attempt.id}/answers")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    assert f"{SECRET} rationale: why the key is right." in text  # the rationale
    assert f"{SECRET} model answer: apply the two-stage test." in text
    assert "The two-stage test." in text  # the candidate's own written answer
    assert "Correct answer" in text and "Your answer: not correct" in text  # MR: C is not a key
    assert "Memory problems affecting work" in text and "Clinical neuropsychologist" in text  # EMQ key
    assert "1 of 1 mark" in text  # SBA right
    assert "Marked by examiners in the real exam" in text
    rows = candidate_reads.practice_answers(db, attempt, services.view_of(db, attempt, clock.now()))
    assert [r.mark for r in rows] == [1.0, 0.0, 1.0, 1.0, None]  # MR: +A −C; EMQ: 1 of 2; ordering: C-D


def test_a_real_sitting_never_shows_keys_or_rationales_even_by_guessing_addresses(client, db, framework, clock,
                                                                                  candidate):
    sitting, _ = make_exam(db, items=ALL_TYPES, candidate=candidate, now=clock.now())
    attempt = services.start_attempt(db, actor=candidate.actor, sitting_id=sitting.id, device_id="d", now=clock.now())
    _answer_everything(db, candidate, attempt, clock.now())
    services.submit_attempt(db, actor=candidate.actor, attempt_id=attempt.id, now=clock.now())
    assert client.get(f"/attempts/{attempt.id}/answers").status_code == 404
    pages = [client.get(url) for url in (f"/attempts/{attempt.id}/receipt", f"/sittings/{sitting.id}/start",
                                          f"/attempts/{attempt.id}", f"/attempts/{attempt.id}/review",
                                          f"/attempts/{attempt.id}/answers", "/sittings", "/dashboard")]
    for response in pages:
        text = response.get_data(as_text=True)
        assert SECRET not in text and "Correct answer" not in text and "model answer" not in text.lower()
    api = client.get(f"/api/v1/attempts/{attempt.id}")
    assert api.status_code == 200 and SECRET not in api.get_data(as_text=True)
    assert staff_fields_in(api.get_json()) == []
    with pytest.raises(NotFound):
        candidate_reads.practice_answers(db, attempt, services.view_of(db, attempt, clock.now()))


def test_another_candidates_practice_answers_are_not_found(client, db, framework, clock, candidate):
    sitting, other = make_exam(db, items=ALL_TYPES, is_practice=True, now=clock.now())
    attempt = services.start_attempt(db, actor=other.actor, sitting_id=sitting.id, device_id="d", now=clock.now())
    services.submit_attempt(db, actor=other.actor, attempt_id=attempt.id, now=clock.now())
    assert client.get(f"/attempts/{attempt.id}/answers").status_code == 404
    assert client.get("/attempts/999999/answers").status_code == 404


def test_the_live_list_shows_a_practice_candidates_latest_try(db, framework, clock, make_user):
    from assessment.delivery.staff import queries as staff_queries

    sitting, who = make_exam(db, items=ALL_TYPES, is_practice=True, now=clock.now())
    first = services.start_attempt(db, actor=who.actor, sitting_id=sitting.id, device_id="d", now=clock.now())
    services.submit_attempt(db, actor=who.actor, attempt_id=first.id, now=clock.now())
    second = services.start_attempt(db, actor=who.actor, sitting_id=sitting.id, device_id="d", now=clock.now())
    _, rows = staff_queries.live_list(db, actor=make_user(Role.INVIGILATOR).actor, sitting_id=sitting.id,
                                      now=clock.now())
    assert [(r.attempt_id, r.status) for r in rows] == [(second.id, "In progress")]
