"""Sittings (admin) and bookings (candidate): the services, then the pages."""
import datetime as dt

import pytest
from sqlalchemy import select

from core.audit import AuditEntry
from core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from core.roles import Role
from assessment.delivery import services
from assessment.delivery.sittings import queries as sitting_queries
from assessment.delivery.sittings import services as sitting_services
from assessment.delivery.forms import from_london
from assessment.delivery.models import Booking, Sitting
from tests.assessment.delivery.conftest import T0

HOUR = dt.timedelta(hours=1)


def details(papers, **changes):
    values = dict(title="January sitting", paper_ids=[p.id for p in papers], booking_opens_at=T0 - HOUR,
                  booking_closes_at=T0 + 24 * HOUR, opens_at=T0 + 48 * HOUR, closes_at=T0 + 56 * HOUR,
                  duration_min=90, capacity=2)
    values.update(changes)
    return sitting_services.SittingDetails(**values)


def actions(db, action):
    return db.scalars(select(AuditEntry).where(AuditEntry.action == action)).all()


# ------------------------------------------------------------------------------------------ services

def test_an_admin_creates_a_sitting_with_two_parallel_papers(db, make_user, make_published_paper):
    admin = make_user(Role.ADMIN)
    first = make_published_paper(1, title="Paper A")
    papers = [first, make_published_paper(1, title="Paper B", spec=first.spec)]
    sitting = sitting_services.create_sitting(db, actor=admin.actor, details=details(papers), now=T0)
    assert sorted(p.exam_paper_id for p in sitting.papers) == sorted(p.id for p in papers)
    assert (sitting.duration_s, sitting.capacity, sitting.created_by_id) == (5400, 2, admin.id)
    assert len(actions(db, "sitting.created")) == 1


def test_a_sittings_papers_must_be_parallel_or_it_is_refused_with_the_reason(db, make_user, make_published_paper):
    admin = make_user(Role.ADMIN)
    a = make_published_paper(1, title="Paper A")
    more_marks = make_published_paper(2, title="Paper B", spec=a.spec)
    other_spec = make_published_paper(1, title="Paper C")
    other_spec.spec.title = "Old spec"
    longer = make_published_paper(1, title="Paper D", duration_min=90)
    longer.spec.title = "Long spec"
    db.flush()
    cases = [
        ([a, more_marks], ["The papers must have the same total marks: “Paper A” has 3; “Paper B” has 6"]),
        ([a, other_spec], ["The papers must follow the same exam specification: “Paper A” follows “Test spec”; "
                           "“Paper C” follows “Old spec”"]),
        ([a, longer], ["The papers must follow the same exam specification: “Paper A” follows “Test spec”; "
                       "“Paper D” follows “Long spec”",
                       "The papers must allow the same time: “Paper A” allows 60 minutes; "
                       "“Paper D” allows 90 minutes"]),
    ]
    for papers, messages in cases:
        with pytest.raises(ValidationFailed) as error:
            sitting_services.create_sitting(db, actor=admin.actor, details=details(papers), now=T0)
        assert [(p.field, p.message) for p in error.value.problems] == [("paper_ids", m) for m in messages]
    assert db.scalars(select(Sitting)).all() == []
    sitting = sitting_services.create_sitting(db, actor=admin.actor, details=details([a]), now=T0)
    with pytest.raises(ValidationFailed, match="problem"):
        sitting_services.update_sitting(db, actor=admin.actor, sitting_id=sitting.id,
                                        details=details([a, more_marks]), now=T0)
    assert [p.exam_paper_id for p in sitting.papers] == [a.id]


def test_non_parallel_papers_are_explained_beside_the_field(client, db, login_as, make_published_paper):
    a = make_published_paper(1, title="Paper A")
    b = make_published_paper(2, title="Paper B", spec=a.spec)
    login_as(Role.ADMIN)
    response = client.post("/admin/sittings/new", data={**FORM, "paper_ids": [str(a.id), str(b.id)]})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert html.count("The papers must have the same total marks: “Paper A” has 3; “Paper B” has 6") == 2
    assert 'href="#paper_ids' in html
    assert db.scalars(select(Sitting)).all() == []


def test_every_problem_with_a_sitting_is_reported_at_once_and_nothing_is_written(db, make_user, make_published_paper):
    from item_bank.models import ExamPaper

    admin = make_user(Role.ADMIN)
    draft = make_published_paper(1)
    draft.is_published = False
    db.flush()
    bad = details([draft], title=" ", booking_closes_at=T0 + 50 * HOUR, closes_at=T0 + 48 * HOUR, duration_min=0,
                  capacity=0)
    with pytest.raises(ValidationFailed) as error:
        sitting_services.create_sitting(db, actor=admin.actor, details=bad, now=T0)
    fields = {p.field: p.message for p in error.value.problems}
    assert fields == {
        "title": "Enter a title for the sitting",
        "paper_ids": "Choose only published exam papers",
        "closes_at": "The exam window must close after it opens",
        "booking_closes_at": "Booking must close before, or when, the exam window opens",
        "duration_min": "Time allowed must be between 1 and 600 minutes",
        "capacity": "The number of places must be 1 or more",
    }
    assert db.scalars(select(Sitting)).all() == [] and db.get(ExamPaper, draft.id) is not None
    with pytest.raises(ValidationFailed) as error:
        sitting_services.create_sitting(db, actor=admin.actor, details=details([], booking_opens_at=T0 + 24 * HOUR),
                                        now=T0)
    assert {p.field for p in error.value.problems} == {"paper_ids", "booking_closes_at"}


def test_only_an_admin_manages_sittings(db, make_user, make_published_paper):
    paper = make_published_paper(1)
    for role in (Role.CANDIDATE, Role.EXAMINER, Role.INVIGILATOR):
        with pytest.raises(Forbidden):
            sitting_services.create_sitting(db, actor=make_user(role).actor, details=details([paper]), now=T0)


def test_a_practice_sitting_needs_no_booking_window(db, make_user, make_published_paper):
    admin = make_user(Role.ADMIN)
    sitting = sitting_services.create_sitting(db, actor=admin.actor, now=T0, details=details(
        [make_published_paper(1)], is_practice=True, booking_opens_at=None, booking_closes_at=None,
        opens_at=T0 - HOUR, closes_at=T0 + 24 * 365 * HOUR))
    assert sitting.is_practice and sitting.booking_closes_at == sitting.opens_at


def test_editing_a_sitting_changes_its_papers_but_never_drops_below_its_bookings(db, make_user, make_published_paper,
                                                                                 booked_candidate):
    admin = make_user(Role.ADMIN)
    first, second = make_published_paper(1), make_published_paper(1)
    sitting = sitting_services.create_sitting(db, actor=admin.actor, details=details([first]), now=T0)
    booked_candidate(sitting)
    booked_candidate(sitting)
    with pytest.raises(ValidationFailed) as error:
        sitting_services.update_sitting(db, actor=admin.actor, sitting_id=sitting.id,
                                        details=details([second], capacity=1), now=T0)
    assert error.value.problems[0].message == "The number of places cannot be fewer than the 2 people already booked"
    sitting_services.update_sitting(db, actor=admin.actor, sitting_id=sitting.id, details=details([second], capacity=3),
                                    now=T0)
    db.expire_all()
    assert [p.exam_paper_id for p in db.get(Sitting, sitting.id).papers] == [second.id]
    assert len(actions(db, "sitting.updated")) == 1
    with pytest.raises(NotFound):
        sitting_services.update_sitting(db, actor=admin.actor, sitting_id=999999, details=details([second]), now=T0)


def test_booking_counts_active_places_and_refuses_with_the_rules_reason(db, make_user, make_sitting):
    sitting = make_sitting(capacity=2, booking_closes=T0 + HOUR, opens=T0 + 2 * HOUR, closes=T0 + 10 * HOUR)
    first, second, third = (make_user(Role.CANDIDATE) for _ in range(3))
    sitting_services.book(db, actor=first.actor, sitting_id=sitting.id, now=T0)
    with pytest.raises(Conflict, match="already booked"):
        sitting_services.book(db, actor=first.actor, sitting_id=sitting.id, now=T0)
    sitting_services.book(db, actor=second.actor, sitting_id=sitting.id, now=T0)
    with pytest.raises(Conflict, match="full"):
        sitting_services.book(db, actor=third.actor, sitting_id=sitting.id, now=T0)
    sitting_services.cancel_booking(db, actor=second.actor, sitting_id=sitting.id, now=T0)  # a place comes free
    sitting_services.book(db, actor=third.actor, sitting_id=sitting.id, now=T0)
    assert sitting_queries.booked_count(db, sitting.id) == 2
    assert len(actions(db, "booking.created")) == 3 and len(actions(db, "booking.cancelled")) == 1
    with pytest.raises(Conflict, match="closed"):
        sitting_services.book(db, actor=make_user(Role.CANDIDATE).actor, sitting_id=sitting.id, now=T0 + HOUR)
    with pytest.raises(Forbidden):
        sitting_services.book(db, actor=make_user(Role.EXAMINER).actor, sitting_id=sitting.id, now=T0)
    with pytest.raises(NotFound):
        sitting_services.book(db, actor=first.actor, sitting_id=999999, now=T0)


def test_practice_sittings_are_not_booked(db, make_user, make_sitting):
    practice = make_sitting(is_practice=True, booking_closes=T0 + HOUR)
    with pytest.raises(Conflict, match="needs no booking"):
        sitting_services.book(db, actor=make_user(Role.CANDIDATE).actor, sitting_id=practice.id, now=T0)


def test_cancelling_until_the_deadline_only_and_only_ones_own_booking(db, make_user, make_sitting, booked_candidate):
    sitting = make_sitting(booking_closes=T0 + HOUR, opens=T0 + 2 * HOUR, closes=T0 + 10 * HOUR)
    candidate = booked_candidate(sitting)
    with pytest.raises(NotFound):  # someone else has no booking here
        sitting_services.cancel_booking(db, actor=make_user(Role.CANDIDATE).actor, sitting_id=sitting.id, now=T0)
    with pytest.raises(Conflict, match="deadline has passed"):
        sitting_services.cancel_booking(db, actor=candidate.actor, sitting_id=sitting.id, now=T0 + HOUR)
    booking = sitting_services.cancel_booking(db, actor=candidate.actor, sitting_id=sitting.id, now=T0)
    assert booking.cancelled_at == T0
    with pytest.raises(NotFound):  # already cancelled
        sitting_services.cancel_booking(db, actor=candidate.actor, sitting_id=sitting.id, now=T0)


def test_the_candidate_overview(db, make_user, make_sitting, booked_candidate):
    practice = make_sitting(is_practice=True)
    bookable = make_sitting(booking_closes=T0 + HOUR, opens=T0 + 2 * HOUR, closes=T0 + 10 * HOUR)
    running = make_sitting()  # booking closed an hour ago; the window is open now
    make_sitting(booking_closes=T0 - HOUR, opens=T0 + 2 * HOUR)  # closed for booking: not offered
    candidate = booked_candidate(running)
    services.start_attempt(db, actor=candidate.actor, sitting_id=running.id, device_id="d", now=T0)
    overview = sitting_queries.candidate_overview(db, actor=candidate.actor, now=T0 + dt.timedelta(minutes=1))
    assert [s.id for s in overview.practice] == [practice.id]
    assert [o.sitting.id for o in overview.open_sittings] == [bookable.id]
    assert overview.open_sittings[0].places_left == 50 and overview.open_sittings[0].decision.allowed
    [mine] = overview.bookings
    assert mine.booking.sitting_id == running.id and mine.is_open_now and not mine.can_cancel.allowed
    assert mine.attempt_state.value == "in_progress" and len(overview.attempts) == 1


# --------------------------------------------------------------------------------------------- pages

def test_uk_times_are_read_as_london_time_and_impossible_ones_refused():
    assert from_london(dt.datetime(2027, 6, 1, 9, 0)) == dt.datetime(2027, 6, 1, 8, 0, tzinfo=dt.timezone.utc)
    assert from_london(dt.datetime(2027, 1, 11, 9, 0)) == dt.datetime(2027, 1, 11, 9, 0, tzinfo=dt.timezone.utc)
    with pytest.raises(ValueError, match="clocks go forward"):
        from_london(dt.datetime(2027, 3, 28, 1, 30))
    with pytest.raises(ValueError, match="clocks go back"):
        from_london(dt.datetime(2027, 10, 31, 1, 30))


FORM = {"title": "Summer sitting", "booking_opens_at": "2027-05-01T09:00", "booking_closes_at": "2027-05-31T17:00",
        "opens_at": "2027-06-14T09:00", "closes_at": "2027-06-14T17:00", "duration_min": "120", "capacity": "40",
        "requires_invigilation": "y"}


def test_an_admin_creates_a_sitting_on_the_page_in_uk_time(client, db, login_as, clock, make_published_paper):
    paper = make_published_paper(1)
    login_as(Role.ADMIN)
    page = client.get("/admin/sittings/new")
    assert page.status_code == 200 and b"Test paper" in page.data
    response = client.post("/admin/sittings/new", data={**FORM, "paper_ids": str(paper.id)})
    assert response.status_code == 302
    sitting = db.scalars(select(Sitting)).one()
    assert sitting.opens_at == dt.datetime(2027, 6, 14, 8, 0, tzinfo=dt.timezone.utc)  # 09:00 BST
    assert sitting.duration_s == 7200 and sitting.requires_invigilation
    listing = client.get("/admin/sittings")
    assert b"Summer sitting" in listing.data and b"14 June 2027, 09:00" in listing.data
    edit = client.get(f"/admin/sittings/{sitting.id}/edit")
    assert b'value="2027-06-14T09:00"' in edit.data
    response = client.post(f"/admin/sittings/{sitting.id}/edit",
                           data={**FORM, "title": "Summer sitting (moved)", "paper_ids": str(paper.id)})
    db.expire_all()
    assert response.status_code == 302 and db.get(Sitting, sitting.id).title == "Summer sitting (moved)"


def test_bad_sitting_input_is_explained_beside_each_field(client, db, login_as, clock, make_published_paper):
    make_published_paper(1)
    login_as(Role.ADMIN)
    response = client.post("/admin/sittings/new", data={**FORM, "opens_at": "2027-03-28T01:30", "duration_min": "two",
                                                        "capacity": ""})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    for message in ("That time does not exist in the UK", "Time allowed in minutes must be a whole number",
                    "Enter the number of places"):
        assert html.count(message) == 2  # in the summary and beside the field
    response = client.post("/admin/sittings/new", data={**FORM, "closes_at": "2027-06-14T08:00"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert html.count("Choose at least one published exam paper") == 2
    assert html.count("The exam window must close after it opens") == 2
    assert db.scalars(select(Sitting)).all() == []


def test_a_candidate_books_and_cancels_on_the_sittings_page(client, db, login_as, clock, make_sitting):
    practice = make_sitting(is_practice=True)
    sitting = make_sitting(booking_closes=T0 + HOUR, opens=T0 + 2 * HOUR, closes=T0 + 10 * HOUR)
    candidate = login_as(Role.CANDIDATE)
    page = client.get("/sittings").get_data(as_text=True)
    assert "Try the practice exam" in page and f'href="/sittings/{practice.id}/start"' in page
    assert "No sittings are open" not in page and "You have not booked a sitting." in page
    response = client.post(f"/sittings/{sitting.id}/book", follow_redirects=True)
    assert "You have booked November sitting." in response.get_data(as_text=True)
    assert db.scalar(select(Booking).where(Booking.candidate_id == candidate.id)).cancelled_at is None
    again = client.post(f"/sittings/{sitting.id}/book", follow_redirects=True)
    assert "You have already booked this sitting." in again.get_data(as_text=True)
    response = client.post(f"/sittings/{sitting.id}/cancel", follow_redirects=True)
    assert "Your booking for November sitting is cancelled." in response.get_data(as_text=True)
    assert sitting_queries.booked_count(db, sitting.id) == 0


def test_the_dashboard_links_candidates_to_their_sittings(client, login_as):
    login_as(Role.CANDIDATE)
    assert b'href="/sittings"' in client.get("/dashboard").data


def test_close_overdue_command_reports_how_many_it_closed(runner, db, clock, make_sitting, booked_candidate):
    sitting = make_sitting(duration_s=600)
    candidate = booked_candidate(sitting)
    services.start_attempt(db, actor=candidate.actor, sitting_id=sitting.id, device_id="d", now=T0)
    clock.advance(minutes=11)
    result = runner.invoke(args=["delivery", "close-overdue"])
    assert result.exit_code == 0 and result.output.strip() == "Closed 1 overdue attempt."
    again = runner.invoke(args=["delivery", "close-overdue"])
    assert again.output.strip() == "Closed 0 overdue attempts."
