"""The examiner reads the results board, withholds a result (after an error summary), releases the
results through the confirmation page; a candidate reads their result and downloads the score report
(its text extracted and checked) — axe-core on every page, screenshots at 1280 and 320 px."""
from __future__ import annotations

import datetime as dt
import io
import itertools
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.test_foundation_journeys import sign_in
from tests.browser.test_scoring_runs import _sat_sitting

pytestmark = pytest.mark.browser
_ids = itertools.count(1)


def _scored_with_decision(live, tag: str) -> tuple[int, int]:
    """A sat sitting, a final run and an approved cut-score decision (rows, as the cut-score package
    records them). Returns the sitting's id and the pass mark."""
    from assessment.accounts import services as accounts
    from core import db
    from scoring.cut_scores.models import CutScoreApproval, CutScoreDecision
    from scoring.runs import services as runs

    sitting_id = _sat_sitting(live, tag)
    now = dt.datetime.now(dt.timezone.utc)
    with live.app.app_context():
        session = db.session()
        examiner = accounts.find_user_by_email(session, "examiner@example.org")
        marker = accounts.find_user_by_email(session, "marker@example.org")
        run = runs.run_scoring(session, actor=examiner.actor, sitting_id=sitting_id, now=now - dt.timedelta(hours=3))
        pass_mark = 1  # the simulated answers are random guesses: a low cut gives passes and fails
        decision = CutScoreDecision(sitting_id=sitting_id, scoring_run_id=run.id, method="angoff",
                                    raw_cut=pass_mark - 0.3, policy={"rounding": "up"}, pass_mark=pass_mark,
                                    reasons="The panel's cut", decided_by_id=marker.id,
                                    decided_at=now - dt.timedelta(hours=2))
        session.add(decision)
        session.flush()
        session.add(CutScoreApproval(decision_id=decision.id, approved_by_id=examiner.id,
                                     approved_at=now - dt.timedelta(hours=1)))
        session.commit()
        return sitting_id, pass_mark


def test_examiner_releases_and_a_candidate_reads_the_result_and_the_pdf(page, live):
    from pypdf import PdfReader

    tag = f"results{next(_ids)}"
    sitting_id, pass_mark = _scored_with_decision(live, tag)
    sign_in(page, "examiner@example.org")
    page.goto("/dashboard")
    page.get_by_role("link", name=re.compile("^Results boards")).click()
    page.checked("boards")
    page.get_by_role("link", name=f"Scored sitting {tag}").click()
    expect(page.get_by_role("heading", name="Results board")).to_be_visible()
    expect(page.get_by_role("img", name=re.compile(r"Score distribution of run \d+, pass mark"))).to_be_visible()
    expect(page.locator("#pass-mark")).to_have_text(str(pass_mark))
    page.checked("board")

    # Withhold one candidate's result: reasons are required.
    page.get_by_role("link", name="Withhold, void or reinstate a result").click()
    page.get_by_label("Candidate", exact=True).select_option(index=1)
    page.get_by_label("Withhold the result").check()
    page.get_by_role("button", name="Record the decision").click()
    expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
    page.checked("decision-error")
    page.get_by_label("Reasons").fill("Awaiting the review of an invigilation incident")
    page.get_by_role("button", name="Record the decision").press("Enter")
    expect(page.get_by_text("Awaiting the review of an invigilation incident")).to_be_visible()

    # Release: the choices, then the confirmation page, then the board says it is done.
    page.get_by_role("link", name="Release results").click()
    expect(page.get_by_role("heading", name="Release results")).to_be_visible()
    page.checked("release")
    page.get_by_label("Scoring run").select_option(index=1)
    page.get_by_label("Cut-score decision").select_option(index=1)
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Confirm the release")).to_be_visible()
    expect(page.locator("#confirm-withheld")).to_have_text("1")
    page.checked("confirm")
    page.get_by_role("button", name="Release results").click()
    expect(page.locator("#release-status")).to_contain_text("Results were released")
    page.checked("board-released")
    page.get_by_role("link", name="Make a new release that supersedes it").click()
    page.get_by_label("Scoring run").select_option(index=1)
    page.get_by_label("Cut-score decision").select_option(index=1)
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
    page.checked("rerelease-error")

    # A candidate of the sitting (not the withheld one) reads the result and downloads the report.
    from sqlalchemy import select

    from assessment.accounts.models import User
    from assessment.results.models import CandidateResult
    from core import db

    with live.app.app_context():
        email, outcome, score = db.session().execute(
            select(User.email, CandidateResult.outcome, CandidateResult.score)
            .join(User, User.id == CandidateResult.candidate_id)
            .where(CandidateResult.outcome.in_(("pass", "fail")), User.email.like(f"scored{tag}-%")).limit(1)).one()
    page.context.clear_cookies()
    sign_in(page, email)
    page.goto("/dashboard")
    page.get_by_role("link", name=re.compile(f"Scored sitting {tag}: read your result")).click()
    expect(page.get_by_role("heading", name="Your result")).to_be_visible()
    expect(page.locator("#result-outcome")).to_have_text("You passed" if outcome == "pass" else "You did not pass")
    expect(page.locator("#result-score")).to_contain_text(f"The pass mark was {pass_mark}.")
    expect(page.get_by_role("table", name="Your feedback by theme of the Standards of Proficiency")).to_be_visible()
    page.checked("result")
    with page.expect_download() as info:
        page.get_by_role("link", name="Download your score report (PDF)").click()
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(Path(info.value.path()).read_bytes())).pages)
    text = re.sub(r"\s+", " ", text)
    assert f"Scored sitting {tag}" in text and f"Score: {score:g} out of" in text and f"Pass mark: {pass_mark}." in text
    assert "Feedback by theme" in text and "the standard" in text
    page.set_viewport_size({"width": 320, "height": 800})
    page.reload()
    expect(page.get_by_role("heading", name="Your result")).to_be_visible()
    page.checked("result-320")
    page.goto("/dashboard")
    page.checked("dashboard-320")


def test_the_board_at_320_px(page, live):
    tag = f"results{next(_ids)}"
    sitting_id, _pass_mark = _scored_with_decision(live, tag)
    page.set_viewport_size({"width": 320, "height": 800})
    sign_in(page, "examiner@example.org")
    page.goto(f"/results/board/{sitting_id}")
    expect(page.get_by_role("heading", name="Results board")).to_be_visible()
    page.checked("board-320")
    page.goto(f"/results/board/{sitting_id}/release")
    page.checked("release-320")


def test_before_release_the_candidate_reads_when_to_expect_results(page, live):
    tag = f"results{next(_ids)}"
    sitting_id, _pass_mark = _scored_with_decision(live, tag)
    sign_in(page, f"scored{tag}-0@example.org")
    page.goto("/dashboard")
    page.get_by_role("link", name=re.compile(f"Scored sitting {tag}: when to expect your result")).click()
    expect(page.locator("#result-status")).to_contain_text("have not been released yet")
    expect(page.get_by_role("link", name="Download your score report (PDF)")).to_have_count(0)
    page.checked("before-release")
    assert page.request.get(f"/results/sittings/{sitting_id}/score-report.pdf").status == 404
