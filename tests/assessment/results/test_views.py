"""The results pages through HTTP: the release with its confirmation, examiners' decisions, the
board, and the candidate's own result and PDF score report (only theirs, only after release)."""
import datetime as dt
import io
import re

import pytest
from sqlalchemy import select

from core.roles import Role
from assessment.results import services
from assessment.results.models import CandidateResult, ExaminerResultDecision, ResultRelease
from tests.assessment.results.conftest import RELEASED_AT, issuer_for_tests
from tests.cop_testing import mark_reauthenticated


def sign_in(client, user):
    with client.session_transaction() as flask_session:
        flask_session["_user_id"] = user.get_id()
        flask_session["_fresh"] = True
        mark_reauthenticated(flask_session, user)


def _text(response) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


def _release(db, scored, **kwargs):
    values = dict(actor=scored.examiner.actor, sitting_id=scored.sitting.id, run_id=scored.run.id,
                  decision_id=scored.decision.id, now=RELEASED_AT, issuer=issuer_for_tests())
    values.update(kwargs)
    return services.release_results(db, **values)


def test_the_examiner_releases_after_a_confirmation_page(client, db, scored):
    sign_in(client, scored.examiner)
    url = f"/results/board/{scored.sitting.id}/release"
    form = {"run": scored.run.id, "decision": scored.decision.id, "reasons": ""}
    page = client.post(url, data=form)
    assert page.status_code == 200 and "Confirm the release" in _text(page)
    assert "cannot be undone" in _text(page)
    assert db.scalar(select(ResultRelease.id)) is None  # nothing yet
    done = client.post(url, data={**form, "confirmed": "yes"})
    assert done.status_code == 302 and done.headers["Location"].endswith(f"/results/board/{scored.sitting.id}")
    [release] = db.scalars(select(ResultRelease))
    assert release.pass_mark == 3.0
    board = client.get(f"/results/board/{scored.sitting.id}")
    assert f"Results were released" in _text(board) and "release " + str(release.id) in _text(board)


def test_release_refusals_are_said_beside_the_fields(client, db, scored, make_decision):
    sign_in(client, scored.examiner)
    unapproved = make_decision(scored.sitting, scored.run, 4.0, approved=False)
    url = f"/results/board/{scored.sitting.id}/release"
    page = client.post(url, data={"run": "", "decision": unapproved.id, "confirmed": "yes"})
    assert page.status_code == 422
    text = _text(page)
    assert "Choose a scoring run" in text and "There is a problem" in text
    page = client.post(url, data={"run": scored.run.id, "decision": unapproved.id, "confirmed": "yes"})
    assert page.status_code == 422 and "has not been approved by a second examiner" in _text(page)
    # Back on the choices page, the next "Continue" leads to the confirmation page again, never straight on.
    assert re.search(r'<input id="confirmed" name="confirmed" type="hidden" value="">', _text(page))
    _release(db, scored)
    page = client.post(url, data={"run": scored.run.id, "decision": scored.decision.id})
    assert page.status_code == 422 and "give the reasons for it" in _text(page)
    assert len(list(db.scalars(select(ResultRelease)))) == 1


def test_an_examiner_withholds_a_result_with_reasons(client, db, scored):
    sign_in(client, scored.examiner)
    url = f"/results/board/{scored.sitting.id}/decisions"
    attempt = scored.people[0][1]
    page = client.post(url, data={"attempt": attempt.id, "action": "withhold", "reasons": ""})
    assert page.status_code == 422 and "Enter the reasons" in _text(page)
    done = client.post(url, data={"attempt": attempt.id, "action": "withhold",
                                  "reasons": "Awaiting the invigilation review"})
    assert done.status_code == 302
    [row] = db.scalars(select(ExaminerResultDecision))
    assert (row.attempt_id, row.action, row.decided_by_id) == (attempt.id, "withhold", scored.examiner.id)
    board = _text(client.get(f"/results/board/{scored.sitting.id}"))
    assert "Awaiting the invigilation review" in board and "result withheld" in board


def test_the_board_shows_the_cut_the_pass_rate_and_the_candidates_near_it(client, db, scored):
    sign_in(client, scored.examiner)
    text = _text(client.get(f"/results/board/{scored.sitting.id}"))
    totals = [2, 2, 2, 2, 3, 3, 3, 4, 4, 5, 5, 5]  # the fixture's totals (seeded simulation)
    passed = sum(t >= 3 for t in totals)
    assert f"({passed} of 12)" in text
    assert 'id="pass-mark">3<' in text
    assert "<svg" in text and "Score distribution of run" in text
    assert "Test Person" not in text  # candidates by number, never by name
    assert "No written answer is waiting for a marker" in text
    for item in scored.run.items:
        assert f'/item-bank/items/{item.item_id}"' in text


def test_an_examiner_who_is_a_candidate_in_the_sitting_sees_nothing_of_it(client, db, scored):
    from assessment.accounts.services import grant_role
    from core.roles import SYSTEM

    candidate = scored.people[0][0]
    grant_role(db, actor=SYSTEM, user_id=candidate.id, role=Role.EXAMINER, now=RELEASED_AT)
    sign_in(client, candidate)
    assert client.get(f"/results/board/{scored.sitting.id}").status_code == 403
    assert client.get(f"/results/board/{scored.sitting.id}/release").status_code == 403


def test_before_release_the_candidate_is_told_when_to_expect_results(client, db, scored, app):
    candidate = scored.people[0][0]
    sign_in(client, candidate)
    page = client.get(f"/results/sittings/{scored.sitting.id}")
    assert page.status_code == 200
    expected = (scored.sitting.closes_at + dt.timedelta(days=app.config["RESULTS_EXPECTED_WITHIN_DAYS"])).date()
    assert f"expected by {expected.day} {expected:%B %Y}" in _text(page)
    assert client.get(f"/results/sittings/{scored.sitting.id}/score-report.pdf").status_code == 404
    dashboard = _text(client.get("/dashboard"))
    assert "when to expect your result" in dashboard


def test_after_release_each_candidate_reads_their_own_result_only(client, db, scored, make_user):
    release = _release(db, scored)
    results = {r.candidate_id: r for r in db.scalars(select(CandidateResult).where(CandidateResult.release_id == release.id))}
    for candidate, _attempt in scored.people[:4]:
        sign_in(client, candidate)
        text = _text(client.get(f"/results/sittings/{scored.sitting.id}"))
        mine = results[candidate.id]
        assert f"Your score: {mine.score:g} out of 6. The pass mark was 3." in text
        assert ("You passed" in text) == (mine.outcome == "pass")
        for code, standing in mine.theme_feedback.items():
            label = {"above": "Above the standard", "at": "At the standard", "below": "Below the standard"}[standing]
            assert re.search(rf"{code}: [^<]+</th><td>{label}</td>", text)
        assert "read your result" in _text(client.get("/dashboard"))
    outsider = make_user(Role.CANDIDATE)
    sign_in(client, outsider)
    assert client.get(f"/results/sittings/{scored.sitting.id}").status_code == 404
    assert client.get(f"/results/sittings/{scored.sitting.id}/score-report.pdf").status_code == 404


def test_what_happens_next_after_a_fail_names_the_resit_date(client, db, scored, app):
    release = _release(db, scored)
    failed = db.scalar(select(CandidateResult).where(CandidateResult.release_id == release.id,
                                                     CandidateResult.outcome == "fail"))
    candidate = next(c for c, _a in scored.people if c.id == failed.candidate_id)
    sign_in(client, candidate)
    resit = (RELEASED_AT + dt.timedelta(days=app.config["RESULTS_RESIT_INTERVAL_DAYS"])).date()
    text = _text(client.get(f"/results/sittings/{scored.sitting.id}"))
    assert "You did not pass" in text and f"on or after {resit.day} {resit:%B %Y}" in text


def test_the_score_report_pdf_says_the_result_and_the_feedback_by_theme(client, db, scored):
    from pypdf import PdfReader

    release = _release(db, scored)
    candidate = scored.people[-1][0]  # the strongest: a pass
    result = db.scalar(select(CandidateResult).where(CandidateResult.release_id == release.id,
                                                     CandidateResult.candidate_id == candidate.id))
    sign_in(client, candidate)
    response = client.get(f"/results/sittings/{scored.sitting.id}/score-report.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    text = re.sub(r"\s+", " ", text)
    assert "score report" in text and "Test Person" in text and scored.sitting.title in text
    assert ("Pass" if result.outcome == "pass" else "Fail") in text
    assert f"Score: {result.score:g} out of 6. Pass mark: 3." in text
    for code in result.theme_feedback:
        assert f"{code}:" in text
    assert "Above the standard" in text or "At the standard" in text or "Below the standard" in text
    assert "key" not in text.lower()  # nothing item-level


def test_a_withheld_result_shows_no_score_and_has_no_report(client, db, scored):
    candidate, attempt = scored.people[-1]
    services.decide_on_result(db, actor=scored.examiner.actor, sitting_id=scored.sitting.id, attempt_id=attempt.id,
                              action="withhold", reasons="Awaiting the invigilation review", now=RELEASED_AT)
    _release(db, scored)
    sign_in(client, candidate)
    text = _text(client.get(f"/results/sittings/{scored.sitting.id}"))
    assert "being withheld" in text and "Your score" not in text
    assert client.get(f"/results/sittings/{scored.sitting.id}/score-report.pdf").status_code == 404


@pytest.mark.parametrize("path", ["/results/board", "/results/board/{sid}", "/results/board/{sid}/release",
                                  "/results/board/{sid}/decisions"])
def test_examiner_pages_render(client, db, scored, path):
    sign_in(client, scored.examiner)
    assert client.get(path.format(sid=scored.sitting.id)).status_code == 200
