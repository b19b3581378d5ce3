"""The candidate's clock hours wrong (a laptop set to another time zone by hand, a dead CMOS battery):
the page's clock is set hours ahead or behind, and still the countdown shows the time the server
allows, the exam does not end early (or run on), and every answer is accepted and stored. The player
counts down from the server's ``time_left_s`` with the page's monotonic clock, and takes the offset of
the page's clock from ``server_time`` for anything it stamps (static/js/player/timer.js, main.js)."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from tests.browser.test_exam_player import SAVED, start_exam, status
from tests.browser.test_foundation_journeys import sign_in
from tests.cop_testing import TEST_PASSWORD
from tests.faults.harness import check_stored, final_answers, started_exam

pytestmark = pytest.mark.browser

TWO_HOURS = 2 * 3600


def acknowledgements(page) -> list[tuple[str, int]]:
    """``(client_step_id, seq)`` of every save the server answered 200, as the page received them."""
    acks: list[tuple[str, int]] = []

    def on_response(response):
        if response.request.method == "POST" and response.url.endswith("/responses") and response.status == 200:
            acks.append((response.request.post_data_json["client_step_id"], response.json()["seq"]))

    page.on("response", on_response)
    return acks


@pytest.mark.parametrize("hours", [5, -7], ids=["five-hours-ahead", "seven-hours-behind"])
def test_the_timer_follows_the_server_when_the_candidates_clock_is_hours_wrong(page, live, hours):
    exam = started_exam(live.database_url, duration_s=TWO_HOURS, start=False)
    wrong = dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=hours)
    page.clock.install(time=wrong)  # the page's Date, timers and performance clock; time still runs
    acks = acknowledgements(page)
    sign_in(page, exam.email, TEST_PASSWORD)
    start_exam(page, exam.sitting_id)
    skew_h = page.evaluate("() => Date.now()") / 3_600_000 - dt.datetime.now(dt.timezone.utc).timestamp() / 3600
    assert abs(skew_h - hours) < 0.1, "the page's clock is as wrong as the test says"

    # Two hours allowed, a few seconds gone: whatever the page's own clock says.
    timer = page.locator("#timer-value")
    expect(timer).to_have_text(re.compile(r"^(2:00:00|1:5\d:\d\d)$"))
    page.get_by_label("Visit the client at home", exact=True).check()
    expect(status(page)).to_have_text(SAVED)
    page.get_by_role("button", name="Next question").click()
    page.get_by_label("The consent form", exact=True).check()
    page.get_by_label("A note of the home visit", exact=True).check()
    page.get_by_role("button", name="Next question").click()
    page.get_by_label("Your answer").fill(f"Written with the clock {hours} hours out")
    expect(status(page)).to_have_text(SAVED)
    expect(timer).to_have_text(re.compile(r"^(2:00:00|1:5\d:\d\d)$"))  # re-anchored by each answer
    expect(page.get_by_role("heading", name="Question 3 of 3")).to_be_visible()  # still answering

    attempt_id = int(re.search(r"/attempts/(\d+)", page.url).group(1))
    state = page.request.get(f"/api/v1/attempts/{attempt_id}/state").json()
    assert state["state"] == "in_progress" and TWO_HOURS - 300 < state["time_left_s"] <= TWO_HOURS
    check = check_stored(live.database_url, attempt_id, acks)
    assert len(acks) == 3 and check["acknowledged_missing"] == 0, "acknowledged lost must be 0"
    assert check["duplicated"] == check["out_of_order"] == check["seq_gaps"] == 0, check
    assert final_answers(live.database_url, attempt_id) == {1: "B", 2: ["A", "B"],
                                                            3: f"Written with the clock {hours} hours out"}
