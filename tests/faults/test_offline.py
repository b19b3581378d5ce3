"""A candidate offline for ten minutes. They answer, the connection goes, and they carry on answering
— changing earlier answers too — over ten minutes of the page's clock (Playwright's clock runs every
timer of those ten minutes: the autosave's back-off, the state poll, the countdown; nobody waits ten
real minutes). All the while the page says the answers are kept on the device, and they are: in the
outbox in localStorage, none on the server. Back online, everything is sent in the order it was made.
Read back from the database: the steps' seqs ascend in the order the answers were given, each slot's
last answer is the last one given, and every acknowledged save is stored — acknowledged lost = 0."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.test_exam_player import OFFLINE, SAVED, start_exam, status
from tests.browser.sealed_storage import sealed_queue
from tests.browser.test_foundation_journeys import sign_in
from tests.cop_testing import TEST_PASSWORD
from tests.faults.harness import check_stored, final_answers, started_exam
from tests.faults.test_client_clock import acknowledgements

pytestmark = pytest.mark.browser


def stored_payloads(url: str, attempt_id: int) -> list[tuple[int, int, object]]:
    """``(seq, slot, answer)`` of every stored step, in seq order."""
    from sqlalchemy import create_engine, select

    from assessment.delivery.models import ResponseStep

    steps = ResponseStep.__table__
    engine = create_engine(url)
    with engine.connect() as connection:
        rows = connection.execute(select(steps.c.seq, steps.c.slot, steps.c.payload)
                                  .where(steps.c.attempt_id == attempt_id).order_by(steps.c.seq)).all()
    engine.dispose()
    return [(seq, slot, payload["answer"]) for seq, slot, payload in rows]


def follows(changes: list[tuple[int, object]], given: list[tuple[int, object]]) -> bool:
    """Whether ``changes`` (sent or stored) are the changes ``given``, in the order given: each a
    change that was made, none twice, none before one made earlier; of consecutive changes to one
    slot (a click and the next, typing) some may be merged into the last, which is always there."""
    positions, start = [], 0
    for change in changes:
        if change not in given[start:]:
            return False
        start = given.index(change, start) + 1
        positions.append(start - 1)
    last_of_runs = {i for i in range(len(given)) if i + 1 == len(given) or given[i + 1][0] != given[i][0]}
    return last_of_runs <= set(positions)


def question(page, n: int) -> None:
    page.get_by_role("button", name=re.compile(rf"^Question {n}\W")).click()
    expect(page.get_by_role("heading", name=re.compile(rf"^Question {n} of"))).to_be_visible()


def test_everything_answered_offline_for_ten_minutes_reaches_the_server_in_order(page, live):
    exam = started_exam(live.database_url, duration_s=3 * 3600, start=False)
    page.clock.install()  # the page's timers, from now; time runs as usual until the test moves it
    acks = acknowledgements(page)
    sign_in(page, exam.email, TEST_PASSWORD)
    start_exam(page, exam.sitting_id)
    attempt_id = int(re.search(r"/attempts/(\d+)", page.url).group(1))
    given: list[tuple[int, object]] = []

    page.get_by_label("Visit the client at home", exact=True).check()
    given.append((1, "B"))
    expect(status(page)).to_have_text(SAVED)
    assert [step[1:] for step in stored_payloads(live.database_url, attempt_id)] == [(1, "B")]

    page.context.set_offline(True)
    page.get_by_role("button", name="Next question").click()
    page.get_by_label("The consent form", exact=True).check()
    given.append((2, ["A"]))
    page.get_by_label("A note of the home visit", exact=True).check()
    given.append((2, ["A", "B"]))
    expect(status(page)).to_have_text(OFFLINE)
    page.clock.run_for("03:00")  # three minutes offline
    page.get_by_role("button", name="Next question").click()
    page.get_by_label("Your answer").fill("Written offline, first draft")
    given.append((3, "Written offline, first draft"))
    page.clock.run_for("03:00")
    question(page, 1)
    page.get_by_label("Call the GP", exact=True).check()  # a change of mind
    given.append((1, "C"))
    page.clock.run_for("02:00")
    question(page, 3)
    page.get_by_label("Your answer").fill("Written offline, second draft")
    given.append((3, "Written offline, second draft"))
    page.clock.run_for("02:00")  # ten minutes in all
    expect(status(page)).to_have_text(OFFLINE)
    page.checked("ten-minutes-offline")

    # Nothing has reached the server; everything is on the device, in the order it was made.
    assert [step[1:] for step in stored_payloads(live.database_url, attempt_id)] == [(1, "B")]
    # (Sealed there with the attempt's key: opened here as the candidate, docs/exam-player.md.)
    outbox = sealed_queue(page, attempt_id)
    assert follows([(entry["slot"], entry["payload"]["answer"]) for entry in outbox], given[1:]), outbox

    page.context.set_offline(False)
    expect(status(page)).to_have_text(SAVED, timeout=45000)
    assert page.evaluate(f"() => localStorage.getItem('cop.outbox.{attempt_id}')") is None  # all sent

    stored = stored_payloads(live.database_url, attempt_id)
    print(f"given offline: {given[1:]}\nstored: {stored}")
    seqs = [seq for seq, _, _ in stored]
    assert seqs == list(range(1, len(stored) + 1))
    # In order: the stored steps are the answers given, one each, in the order they were given.
    assert follows([(slot, answer) for _, slot, answer in stored], given)
    assert [(slot, answer) for _, slot, answer in stored][-3:] == given[-3:]  # three slots in turn: none merged
    last_given = dict(given)
    assert final_answers(live.database_url, attempt_id) == last_given
    check = check_stored(live.database_url, attempt_id, acks)
    assert len(acks) == len(stored) and check["acknowledged_missing"] == 0, "acknowledged lost must be 0"
    assert check["duplicated"] == check["out_of_order"] == check["seq_gaps"] == 0, check
