"""The candidate's screens: booking and cancelling ask for confirmation first (on the server, not a
script's confirm box), and extra time shows the same time on the start page, /sittings, the booking
page and the timer."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select

from core.roles import Role
from assessment.delivery import services
from assessment.delivery.models import Booking
from tests.assessment.delivery.conftest import T0
from tests.assessment.delivery.player_data import make_exam

HOUR = dt.timedelta(hours=1)


@pytest.fixture
def candidate(login_as):
    return login_as(Role.CANDIDATE)


def _bookings(db, who) -> list[Booking]:
    return list(db.scalars(select(Booking).where(Booking.candidate_id == who.id)))


def test_booking_asks_for_confirmation_first(client, db, clock, make_sitting, candidate):
    sitting = make_sitting(booking_closes=T0 + HOUR, opens=T0 + 2 * HOUR, closes=T0 + 10 * HOUR)
    listing = client.get("/sittings").get_data(as_text=True)
    assert f'href="/sittings/{sitting.id}/book"' in listing
    assert f'action="/sittings/{sitting.id}/book"' not in listing  # no one-click booking
    page = client.get(f"/sittings/{sitting.id}/book")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "Book November sitting?" in text and "1 hour" in text
    assert f'action="/sittings/{sitting.id}/book"' in text and "Confirm booking" in text
    assert _bookings(db, candidate) == []  # asking writes nothing
    booked = client.post(f"/sittings/{sitting.id}/book", follow_redirects=True)
    assert "You have booked November sitting." in booked.get_data(as_text=True)
    assert len(_bookings(db, candidate)) == 1
    again = client.get(f"/sittings/{sitting.id}/book").get_data(as_text=True)
    assert "You cannot book this sitting: You have already booked this sitting." in again
    assert "Confirm booking" not in again


def test_cancelling_asks_for_confirmation_first(client, db, clock, make_sitting, candidate):
    sitting = make_sitting(booking_closes=T0 + HOUR, opens=T0 + 2 * HOUR, closes=T0 + 10 * HOUR)
    client.post(f"/sittings/{sitting.id}/book")
    listing = client.get("/sittings").get_data(as_text=True)
    assert f'href="/sittings/{sitting.id}/cancel"' in listing
    assert f'action="/sittings/{sitting.id}/cancel"' not in listing  # no one-click cancelling
    page = client.get(f"/sittings/{sitting.id}/cancel")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "Cancel your booking for November sitting?" in text
    assert "Yes, cancel my booking" in text and "No, keep my booking" in text
    assert _bookings(db, candidate)[0].cancelled_at is None  # asking writes nothing
    done = client.post(f"/sittings/{sitting.id}/cancel", follow_redirects=True)
    assert "Your booking for November sitting is cancelled." in done.get_data(as_text=True)
    assert client.get(f"/sittings/{sitting.id}/cancel").status_code == 404  # nothing left to cancel


def test_a_started_booking_cannot_be_cancelled_and_the_page_says_why(client, db, framework, clock, candidate):
    sitting, _ = make_exam(db, candidate=candidate, now=clock.now())
    sitting.booking_closes_at = clock.now() + HOUR  # still inside the cancelling window
    db.flush()
    services.start_attempt(db, actor=candidate.actor, sitting_id=sitting.id, device_id="d", now=clock.now())
    text = client.get(f"/sittings/{sitting.id}/cancel").get_data(as_text=True)
    assert "You have already started this sitting" in text and "Yes, cancel my booking" not in text


def test_a_quarter_extra_time_shows_the_same_time_everywhere(client, db, framework, clock, make_sitting, candidate):
    """A 1-minute exam with 25 % extra time is 75 seconds: never "2 minutes" beside a 1:13 timer,
    never "1 minutes"."""
    sitting, _ = make_exam(db, candidate=candidate, now=clock.now(), duration_s=60, extra_time_pct=25)
    bookable = make_sitting(duration_s=60, booking_closes=T0 + HOUR, opens=T0 + 2 * HOUR, closes=T0 + 10 * HOUR)
    pages = {url: client.get(url).get_data(as_text=True)
             for url in ("/sittings", f"/sittings/{sitting.id}/start", f"/sittings/{bookable.id}/book")}
    for url, text in pages.items():
        assert "1 minute and 15 seconds" in text, url
        assert "2 minutes" not in text and not re.search(r"(?<!\d)1 minutes", text), url
    assert "extra time of 25%" in pages[f"/sittings/{sitting.id}/start"]
    started = client.post(f"/sittings/{sitting.id}/start", data={"declaration": "y"})
    attempt_id = int(started.headers["Location"].rsplit("/", 1)[1])
    body = client.get(f"/api/v1/attempts/{attempt_id}").get_json()
    assert body["allowed_s"] == 75 and body["time_left_s"] == 75  # what the timer counts down from
    clock.advance(seconds=2)
    resumed = client.get(f"/sittings/{sitting.id}/start").get_data(as_text=True)
    assert "1 minute and 13 seconds" in resumed  # the same as the timer's 1:13
    assert client.get(f"/api/v1/attempts/{attempt_id}/state").get_json()["time_left_s"] == 73
    assert "1 minute and 15 seconds" in client.get("/sittings").get_data(as_text=True)
