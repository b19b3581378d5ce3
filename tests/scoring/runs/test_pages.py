"""The examiners' pages: a run, a new run with an error summary, and two runs compared."""
import re

from core.roles import Role
from scoring.runs import services
from scoring.runs.models import ScoringRun
from tests.scoring.runs.conftest import AFTER


def test_run_page_new_run_and_compare(client, db, sat_sitting, login_as, clock):
    sitting, _people = sat_sitting(12)
    clock.set(AFTER)
    examiner = login_as(Role.EXAMINER)
    page = client.get(f"/scoring/sittings/{sitting.id}/runs")
    assert page.status_code == 200 and "has not been scored yet" in page.text
    made = client.post(f"/scoring/sittings/{sitting.id}/runs", data={"reason": "First scoring"})
    assert made.status_code == 302
    run = db.query(ScoringRun).filter_by(sitting_id=sitting.id).one()
    assert run.created_by_id == examiner.id and made.headers["Location"].endswith(f"/scoring/runs/{run.id}")

    page = client.get(f"/scoring/runs/{run.id}")
    assert page.status_code == 200
    assert "<svg" in page.text and 'role="img"' in page.text and "Candidates at each total" in page.text
    assert "Cronbach" in page.text and "style=" not in page.text
    label = run.items[0].label

    refused = client.post(f"/scoring/runs/{run.id}/new", data={"decision": "rekey", "item": label, "key": "",
                                                               "reason": ""})
    assert refused.status_code == 422
    assert "There is a problem" in refused.text and "Enter the key" in refused.text and "Give the reason" in refused.text
    wrong = client.post(f"/scoring/runs/{run.id}/new", data={"decision": "rekey", "item": label, "key": "Z",
                                                             "reason": "Typo in key"})
    assert wrong.status_code == 422 and "is not one of the item&#39;s options" in wrong.text
    assert db.query(ScoringRun).filter_by(sitting_id=sitting.id).count() == 1

    done = client.post(f"/scoring/runs/{run.id}/new", data={"decision": "exclude", "item": label,
                                                            "reason": "Ambiguous stem"})
    assert done.status_code == 302
    second = db.query(ScoringRun).filter_by(sitting_id=sitting.id).order_by(ScoringRun.id.desc()).first()
    assert re.search(rf"/scoring/runs/{run.id}/compare\?other={second.id}$", done.headers["Location"])
    compared = client.get(f"/scoring/runs/{run.id}/compare?other={second.id}&cut=3")
    assert compared.status_code == 200 and "Candidates whose total changes" in compared.text
    assert "change outcome" in compared.text and label in compared.text
    bad_cut = client.get(f"/scoring/runs/{run.id}/compare?other={second.id}&cut=lots")
    assert bad_cut.status_code == 422 and "Enter a pass mark between 0 and" in bad_cut.text


def test_flags_are_in_words(client, db, sat_sitting, login_as, clock, examiner):
    # Everyone chooses the key of the first item: it is flagged as very easy.
    grid = [["B"] + (["B", "A", "C", "D", "B"] if i % 2 else ["A", "B", "B", "C", "A"]) for i in range(10)]
    sitting, _people = sat_sitting(10, answers=grid)
    run = services.run_scoring(db, actor=examiner.actor, sitting_id=sitting.id, now=AFTER)
    assert "too_easy" in run.items[0].flags
    login_as(Role.EXAMINER)
    page = client.get(f"/scoring/runs/{run.id}")
    assert "Very easy: nearly every candidate scored" in page.text and "too_easy" not in page.text


def test_a_sitting_still_in_progress_is_explained_on_the_page(client, db, make_sitting, booked_candidate, login_as,
                                                               clock):
    import datetime as dt
    import random

    from assessment.delivery import services as delivery
    from tests.assessment.delivery.conftest import T0
    sitting = make_sitting()
    for n in range(2):
        candidate = booked_candidate(sitting)
        delivery.start_attempt(db, actor=candidate.actor, sitting_id=sitting.id, device_id="d",
                               now=T0 + dt.timedelta(minutes=1), rng=random.Random(n))
    clock.set(T0 + dt.timedelta(minutes=10))
    login_as(Role.EXAMINER)
    page = client.post(f"/scoring/sittings/{sitting.id}/runs", data={"reason": ""})
    assert page.status_code == 422
    assert "There is a problem" in page.text and "2 attempt(s) of this sitting are still open" in page.text
    assert db.query(ScoringRun).count() == 0
