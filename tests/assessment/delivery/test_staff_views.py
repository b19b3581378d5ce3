"""Staff views: a sitting's live list, actions on an attempt (add time, pause, resume), and an
attempt's timeline replayed to any moment."""
import datetime as dt
import re

import pytest
from sqlalchemy import select

from core.errors import Forbidden, NotFound
from core.roles import Role
from assessment.delivery import services
from assessment.delivery.staff import queries as staff_queries
from assessment.delivery.models import AttemptEvent
from assessment.delivery.replay import AttemptState
from tests.assessment.delivery.conftest import T0

MIN = dt.timedelta(minutes=1)


def start(db, candidate, sitting, at=T0):
    return services.start_attempt(db, actor=candidate.actor, sitting_id=sitting.id, device_id="tab", now=at)


def save(db, candidate, attempt, slot, answer, seen, at):
    return services.save_response(db, actor=candidate.actor, attempt_id=attempt.id, slot=slot,
                                  payload={"answer": answer}, seen_seq=seen, client_step_id=f"c{seen}-{slot}",
                                  device_id="tab", now=at)


@pytest.fixture
def running(db, make_user, make_sitting, booked_candidate):
    """A sitting with four booked candidates: not started, answering, gone quiet, submitted."""
    sitting = make_sitting(duration_s=3600)
    waiting = booked_candidate(sitting, name="Alex Waiting")
    busy = booked_candidate(sitting, name="Bea Busy")
    quiet = booked_candidate(sitting, name="Cal Quiet")
    done = booked_candidate(sitting, name="Dee Done")
    busy_attempt = start(db, busy, sitting)
    save(db, busy, busy_attempt, 1, "B", 0, T0 + 5 * MIN)
    save(db, busy, busy_attempt, 2, "C", 1, T0 + 9 * MIN + dt.timedelta(seconds=30))
    quiet_attempt = start(db, quiet, sitting)
    save(db, quiet, quiet_attempt, 1, "A", 0, T0 + 2 * MIN)
    done_attempt = start(db, done, sitting)
    services.submit_attempt(db, actor=done.actor, attempt_id=done_attempt.id, now=T0 + 8 * MIN)
    return sitting, {"waiting": waiting, "busy": (busy, busy_attempt), "quiet": (quiet, quiet_attempt),
                     "done": (done, done_attempt)}


def test_the_live_list(db, make_user, running):
    sitting, people = running
    _, rows = staff_queries.live_list(db, actor=make_user(Role.INVIGILATOR).actor, sitting_id=sitting.id,
                                      now=T0 + 10 * MIN)
    by_name = {row.name: row for row in rows}
    assert list(by_name) == ["Alex Waiting", "Bea Busy", "Cal Quiet", "Dee Done"]
    waiting, busy, quiet, done = by_name.values()
    assert (waiting.status, waiting.attempt_id, waiting.connection) == ("Not started", None, "—")
    assert (busy.status, busy.answered, busy.total, busy.time_left_s) == ("In progress", 2, 6, 50 * 60)
    assert busy.last_save_at == T0 + 9 * MIN + dt.timedelta(seconds=30) and busy.connection == "Online"
    assert (quiet.status, quiet.answered, quiet.connection) == ("In progress", 1, "No recent contact")
    assert (done.status, done.time_left_s, done.connection) == ("Submitted", None, "—")
    later = {r.name: r for r in staff_queries.live_list(db, actor=make_user(Role.ADMIN).actor, sitting_id=sitting.id,
                                                        now=T0 + 61 * MIN)[1]}
    assert later["Bea Busy"].status == "Timed out" and later["Bea Busy"].answered == 2


def test_only_staff_who_are_not_candidates_in_the_sitting_see_it(db, make_user, running, booked_candidate):
    sitting, _ = running
    for role in (Role.CANDIDATE, Role.EXAMINER, Role.ITEM_WRITER):
        with pytest.raises(Forbidden):
            staff_queries.live_list(db, actor=make_user(role).actor, sitting_id=sitting.id, now=T0)
    booked_invigilator = booked_candidate(sitting)
    from assessment.accounts import services as accounts
    from core.roles import SYSTEM

    accounts.grant_role(db, actor=SYSTEM, user_id=booked_invigilator.id, role=Role.INVIGILATOR, now=T0)
    db.refresh(booked_invigilator)
    with pytest.raises(Forbidden, match="candidate in this sitting"):
        staff_queries.live_list(db, actor=booked_invigilator.actor, sitting_id=sitting.id, now=T0)
    with pytest.raises(NotFound):
        staff_queries.live_list(db, actor=make_user(Role.ADMIN).actor, sitting_id=999999, now=T0)


def test_the_live_page_and_the_staff_actions(client, db, login_as, clock, running):
    sitting, people = running
    _, busy_attempt = people["busy"]
    login_as(Role.INVIGILATOR)
    clock.set(T0 + 10 * MIN)
    page = client.get(f"/staff/sittings/{sitting.id}/live").get_data(as_text=True)
    assert "Bea Busy" in page and "2 of 6" in page and "50 minutes" in page and "No recent contact" in page
    assert f'href="/staff/attempts/{busy_attempt.id}"' in page and "live-refresh.js" in page
    assert client.get(f"/staff/attempts/{busy_attempt.id}").status_code == 200

    url = f"/staff/attempts/{busy_attempt.id}"
    missing = client.post(url + "/add-time", data={"add-minutes": "", "add-reason": ""})
    html = missing.get_data(as_text=True)
    assert missing.status_code == 422 and html.count("Enter the minutes to add") == 2
    assert html.count("Give a reason: it is kept with the attempt") == 2
    too_much = client.post(url + "/add-time", data={"add-minutes": "300", "add-reason": "Lost connection"})
    assert too_much.status_code == 422 and too_much.get_data(as_text=True).count("Add between 1 and 240 minutes") == 2
    assert client.post(url + "/add-time", data={"add-minutes": "10", "add-reason": "Lost connection"}).status_code == 302
    assert client.post(url + "/pause", data={"pause-reason": ""}).status_code == 422
    assert client.post(url + "/pause", data={"pause-reason": "Fire alarm"}).status_code == 302
    paused = client.get(url).get_data(as_text=True)
    assert "Paused (Fire alarm)" in paused and "Resume the attempt" in paused
    clock.advance(minutes=5)
    assert client.post(url + "/resume").status_code == 302
    again = client.post(url + "/resume")
    assert again.status_code == 422 and b"is not paused and not on a rest break" in again.data
    events = db.scalars(select(AttemptEvent).where(AttemptEvent.attempt_id == busy_attempt.id)
                        .order_by(AttemptEvent.id)).all()
    assert [e.kind for e in events][-3:] == ["time_extended", "paused", "resumed"]
    assert events[-3].payload == {"seconds": 600} and events[-3].reason == "Lost connection"
    view = services.view_of(db, busy_attempt, T0 + 15 * MIN)
    assert view.deadline == T0 + 60 * MIN + 10 * MIN + 5 * MIN  # extension and the paused five minutes


def test_the_timeline_words_a_one_minute_extension_in_the_singular(client, login_as, clock, running):
    _, people = running
    _, attempt = people["busy"]
    clock.set(T0 + 10 * MIN)
    login_as(Role.ADMIN)
    url = f"/staff/attempts/{attempt.id}"
    assert client.post(url + "/add-time", data={"add-minutes": "1", "add-reason": "Slow upload"}).status_code == 302
    page = client.get(url + "/timeline").get_data(as_text=True)
    assert "1 minute. Slow upload" in page and not re.search(r"\b1 minutes", page)


def test_an_ended_attempt_cannot_be_given_time(client, db, login_as, clock, running):
    _, people = running
    _, done_attempt = people["done"]
    clock.set(T0 + 10 * MIN)  # submitted at T0 + 8 minutes
    login_as(Role.ADMIN)
    response = client.post(f"/staff/attempts/{done_attempt.id}/add-time",
                           data={"add-minutes": "5", "add-reason": "Too late"})
    assert response.status_code == 422 and b"time can no longer be added" in response.data


def test_the_timeline_replays_answers_at_any_moment(client, db, login_as, clock, make_user, running):
    _, people = running
    busy, attempt = people["busy"]
    clock.set(T0 + 20 * MIN)
    timeline = staff_queries.timeline(db, actor=make_user(Role.EXAMINER).actor, attempt_id=attempt.id,
                                      at=T0 + 6 * MIN, now=T0 + 20 * MIN)
    assert [e.kind for e in timeline.entries] == ["started", "device_claimed", "step", "step"]
    assert [e.is_after for e in timeline.entries] == [False, False, False, True]
    assert timeline.view.slots[1].answer == "B" and timeline.view.slots[2].answer is None
    assert timeline.view.state == AttemptState.IN_PROGRESS and timeline.view.time_left_s == 54 * 60
    now_view = staff_queries.timeline(db, actor=make_user(Role.ADMIN).actor, attempt_id=attempt.id, at=None,
                                      now=T0 + 20 * MIN).view
    assert now_view.slots[2].answer == "C"
    with pytest.raises(Forbidden):
        staff_queries.timeline(db, actor=make_user(Role.INVIGILATOR).actor, attempt_id=attempt.id, at=None, now=T0)

    login_as(Role.EXAMINER)
    url = f"/staff/attempts/{attempt.id}/timeline"
    page = client.get(url, query_string={"at": (T0 + 6 * MIN).isoformat()}).get_data(as_text=True)
    assert "Answers at 23 November 2026, 10:06:00" in page and "Answer saved" in page
    assert "1 of 6 answered" in page
    local = client.get(url, query_string={"at": "2026-11-23T10:10:00"}).get_data(as_text=True)  # UK time = UTC in Nov
    assert "2 of 6 answered" in local
    bad = client.get(url, query_string={"at": "yesterday"})
    assert bad.status_code == 422 and bad.get_data(as_text=True).count("Enter the moment as a date and time") == 2
    assert client.get("/staff/attempts/999999/timeline").status_code == 404
