"""Walkthroughs of an exercise through its services: two judges, two rounds, performance data
between, and the cut with its standard error; every method; the refusals; excluded items; the
append-only record and its exports."""
import datetime as dt
import io
import math

import numpy as np
import pytest
from sqlalchemy import select

from core.errors import Conflict, Forbidden, ValidationFailed
from scoring.standard_setting import queries, services
from scoring.standard_setting.models import StandardSettingEvent, StandardSettingRating
from tests.scoring.standard_setting.conftest import NOW

MIN = dt.timedelta(minutes=1)
ROUND1 = [["0.6", "70", "0.5", "40%", "0.8", "0.55"], ["0.7", "0.6", "0.45", "0.5", "0.9", "0.65"]]
ROUND2 = [["0.62", "0.66", "0.5", "0.45", "0.85", "0.6"], ["0.66", "0.64", "0.48", "0.47", "0.86", "0.62"]]


def _rate_all(db, exercise, judges, grid, at):
    for judge, row in zip(judges, grid):
        for position, text in enumerate(row, start=1):
            services.rate_angoff(db, actor=judge.actor, now=at, exercise_id=exercise.id, position=position, text=text)


def _as_fractions(grid):
    return np.array([[float(t.rstrip("%")) / (100 if t.endswith("%") or float(t) > 1 else 1) for t in row]
                     for row in grid])


def test_two_judges_two_rounds_with_performance_data_between_give_a_cut_with_its_se(db, make_exercise, scored):
    from scoring.runs.models import ScoringRunItem

    exercise, lead, judges = make_exercise(("angoff",))
    _sitting, run, _lead = scored
    _rate_all(db, exercise, judges, ROUND1, NOW)
    # A judge sees only their own ratings while the round is open.
    home = queries.judge_home(db, judges[0].actor, exercise.id)
    assert list(home.mine.values()) == pytest.approx(list(_as_fractions(ROUND1)[0]))
    assert home.closed == []
    # The lead's dashboard has the live cut: mean rating per item summed, SE = SD(judge cuts)/√2.
    live = queries.dashboard(db, lead.actor, exercise.id).live.cuts[0]
    r1 = _as_fractions(ROUND1)
    assert live.cut == pytest.approx(r1.mean(axis=0).sum())
    assert live.standard_error == pytest.approx(np.std(r1.sum(axis=1), ddof=1) / math.sqrt(2))
    assert live.agreement is not None

    services.close_round(db, actor=lead.actor, now=NOW + MIN, exercise_id=exercise.id)
    closed = db.scalars(select(StandardSettingEvent).where(StandardSettingEvent.kind == "round_closed")).one()
    label = services.paper_items(db, exercise.exam_paper_id)[0].label
    assert closed.payload["spread"][label] == [2, 0.6, pytest.approx(0.65), 0.7]
    assert closed.payload["cuts"][0]["cut"] == pytest.approx(r1.mean(axis=0).sum())
    with pytest.raises(Conflict, match="closed"):
        services.rate_angoff(db, actor=judges[0].actor, now=NOW + 2 * MIN, exercise_id=exercise.id, position=1,
                             text="0.9")

    services.release_performance(db, actor=lead.actor, now=NOW + 2 * MIN, exercise_id=exercise.id)
    released = db.scalars(select(StandardSettingEvent).where(StandardSettingEvent.kind == "performance_released")).one()
    facility = {i.label: i.facility for i in db.scalars(select(ScoringRunItem).where(ScoringRunItem.run_id == run.id))}
    assert released.payload["facility"] == facility
    totals = np.array([t for _a, t in services.run_totals(db, run)])
    assert released.payload["impact"][0]["pass_rate"] == pytest.approx(np.mean(totals >= r1.mean(axis=0).sum()))
    # Judges now see the spread and the data, beside their own rating.
    page = queries.angoff_item(db, judges[1].actor, exercise.id, 1, type_names={}, attachment_url=lambda a: "")
    assert page.earlier == [(1, pytest.approx(0.7), [2, 0.6, pytest.approx(0.65), 0.7], facility[label])]
    assert "key" not in page.preview["items"][0] and len(page.preview["items"]) == 1
    assert page.standards and page.standards[0][2] is True

    services.open_next_round(db, actor=lead.actor, now=NOW + 3 * MIN, exercise_id=exercise.id)
    _rate_all(db, exercise, judges, ROUND2, NOW + 4 * MIN)
    services.close_round(db, actor=lead.actor, now=NOW + 5 * MIN, exercise_id=exercise.id)
    assert services.state(db, exercise).is_finished
    r2 = _as_fractions(ROUND2)
    cuts = queries.exercise_cuts(db, exercise.id)
    assert cuts == [queries.ExerciseCut("angoff", pytest.approx(r2.mean(axis=0).sum()),
                                        pytest.approx(np.std(r2.sum(axis=1), ddof=1) / math.sqrt(2)), 2)]
    with pytest.raises(Conflict, match="finished"):
        services.open_next_round(db, actor=lead.actor, now=NOW + 6 * MIN, exercise_id=exercise.id)
    dashboard = queries.dashboard(db, lead.actor, exercise.id)
    assert [c.round for c in dashboard.closed] == [1, 2] and dashboard.closed[0].performance is not None


def test_a_changed_rating_is_a_new_row_and_the_latest_counts(db, make_exercise):
    exercise, _lead, judges = make_exercise(("angoff",))
    j = judges[0]
    services.rate_angoff(db, actor=j.actor, now=NOW, exercise_id=exercise.id, position=1, text="0.5")
    assert services.rate_angoff(db, actor=j.actor, now=NOW + MIN, exercise_id=exercise.id, position=1,
                                text="50%") is None  # the same rating: nothing written
    services.rate_angoff(db, actor=j.actor, now=NOW + 2 * MIN, exercise_id=exercise.id, position=1, text="0.7")
    rows = db.scalars(select(StandardSettingRating).order_by(StandardSettingRating.id)).all()
    assert [r.value for r in rows] == [0.5, 0.7]
    assert queries.judge_home(db, j.actor, exercise.id).mine == {rows[0].target: 0.7}


def test_refusals(db, make_exercise, make_user):
    from core.roles import Role

    exercise, lead, judges = make_exercise(("angoff", "hofstee"))
    stranger, other_examiner = make_user(), make_user(Role.EXAMINER)
    with pytest.raises(Forbidden, match="not a judge"):
        services.rate_angoff(db, actor=stranger.actor, now=NOW, exercise_id=exercise.id, position=1, text="0.5")
    with pytest.raises(Forbidden, match="not a judge"):  # the lead is not a judge of their own exercise
        services.rate_angoff(db, actor=lead.actor, now=NOW, exercise_id=exercise.id, position=1, text="0.5")
    with pytest.raises(ValidationFailed) as error:
        services.add_judge(db, actor=lead.actor, now=NOW, exercise_id=exercise.id, email=lead.email)
    assert "cannot also be one of its judges" in error.value.problems[0].message
    with pytest.raises(ValidationFailed) as error:
        services.rate_angoff(db, actor=judges[0].actor, now=NOW, exercise_id=exercise.id, position=1, text="1.5%0")
    assert error.value.problems[0].field == "rating"
    with pytest.raises(ValidationFailed, match="not saved"):
        services.rate_angoff(db, actor=judges[0].actor, now=NOW, exercise_id=exercise.id, position=1, text="250")
    with pytest.raises(ValidationFailed) as error:
        services.rate_compromise(db, actor=judges[0].actor, now=NOW, exercise_id=exercise.id, method="hofstee",
                                 texts={"min_cut": "60", "max_cut": "50", "min_fail": "10", "max_fail": "130"})
    assert {p.field for p in error.value.problems} == {"max_fail"}
    with pytest.raises(Forbidden, match="lead"):
        services.close_round(db, actor=other_examiner.actor, now=NOW, exercise_id=exercise.id)
    with pytest.raises(Conflict, match="Close the round first"):
        services.release_performance(db, actor=lead.actor, now=NOW, exercise_id=exercise.id)
    with pytest.raises(Conflict, match="still open"):
        services.open_next_round(db, actor=lead.actor, now=NOW, exercise_id=exercise.id)
    with pytest.raises(Forbidden):  # judges never see the dashboard (these hold no role)
        queries.dashboard(db, judges[0].actor, exercise.id)
    assert db.scalars(select(StandardSettingRating)).all() == []


def test_set_up_problems_are_all_said_at_once(db, scored, make_user):
    from core.roles import Role

    _sitting, _run, lead = scored
    with pytest.raises(ValidationFailed) as error:
        services.create_exercise(db, actor=lead.actor, now=NOW, title="", exam_paper_id=None, sitting_id=None,
                                 methods=["hofstee"], n_rounds=5, shows_spread=True, shows_performance=True,
                                 judge_emails=["nobody@example.org", lead.email])
    assert {p.field for p in error.value.problems} == {"title", "exam_paper_id", "sitting_id", "n_rounds", "judges"}
    with pytest.raises(Forbidden):
        services.create_exercise(db, actor=make_user(Role.CANDIDATE).actor, now=NOW, title="x", exam_paper_id=1,
                                 sitting_id=None, methods=["angoff"], n_rounds=1, shows_spread=True,
                                 shows_performance=False)


def test_a_candidate_of_the_sitting_cannot_judge_it(db, make_exercise, scored):
    from assessment.accounts.models import User
    from assessment.delivery.models import Attempt

    exercise, lead, _judges = make_exercise(("angoff",))
    sitting, _run, _lead = scored
    candidate = db.get(User, db.scalars(select(Attempt).where(Attempt.sitting_id == sitting.id)).first().candidate_id)
    with pytest.raises(ValidationFailed, match="cannot be added"):
        services.add_judge(db, actor=lead.actor, now=NOW, exercise_id=exercise.id, email=candidate.email)


def test_ebel_cut_is_the_mean_of_the_judges_own_cuts(db, make_exercise):
    from scoring.psychometrics.standard_setting import ebel

    exercise, lead, judges = make_exercise(("ebel",))
    items = services.paper_items(db, exercise.exam_paper_id)
    grids = [
        ({i.label: ("essential", "easy" if i.position <= 3 else "hard") for i in items},
         {("essential", "easy"): "80", ("essential", "hard"): "40"}),
        ({i.label: ("important", "medium") for i in items}, {("important", "medium"): "55"}),
    ]
    own = []
    for judge, (cats, rates) in zip(judges, grids):
        services.rate_ebel(db, actor=judge.actor, now=NOW, exercise_id=exercise.id, categories=cats, rates=rates)
        own.append(ebel([cats[i.label] for i in items], {k: float(v) / 100 for k, v in rates.items()}).cut_score)
    figure = services.round_figures(db, exercise, 1).cuts[0]
    assert own == pytest.approx([3.6, 3.3])
    assert figure.cut == pytest.approx(np.mean(own))
    assert figure.standard_error == pytest.approx(np.std(own, ddof=1) / math.sqrt(2))
    with pytest.raises(ValidationFailed) as error:
        services.rate_ebel(db, actor=judges[0].actor, now=NOW, exercise_id=exercise.id,
                           categories={items[0].label: ("essential", "easy")}, rates={("essential", "easy"): "x"})
    fields = {p.field for p in error.value.problems}
    assert f"item-{items[1].label}" in fields and "cell-essential-easy" in fields


def test_hofstee_and_beuk_cuts_with_bootstrap_standard_errors(db, make_exercise, scored):
    from scoring.psychometrics.standard_setting import beuk, hofstee

    exercise, _lead, judges = make_exercise(("hofstee", "beuk"))
    _sitting, run, _lead = scored
    for n, judge in enumerate(judges):
        services.rate_compromise(db, actor=judge.actor, now=NOW, exercise_id=exercise.id, method="hofstee",
                                 texts={"min_cut": str(30 + 10 * n), "max_cut": str(60 + 10 * n),
                                        "min_fail": str(10 + 5 * n), "max_fail": "50%"})
        services.rate_compromise(db, actor=judge.actor, now=NOW, exercise_id=exercise.id, method="beuk",
                                 texts={"cut": str(40 + 20 * n), "pass_rate": str(80 - 20 * n)})
    totals = [t for _a, t in services.run_totals(db, run)]
    top = run.max_score
    hof, bk = services.round_figures(db, exercise, 1).cuts
    assert hof.cut == hofstee(totals, min_cut=0.35 * top, max_cut=0.65 * top, min_fail=0.125, max_fail=0.5).cut_score
    assert bk.cut == beuk(totals, [0.4 * top, 0.6 * top], [0.8, 0.6]).cut_score
    assert hof.standard_error > 0 and bk.standard_error > 0
    assert "bootstrap" in hof.se_basis
    again = services.round_figures(db, exercise, 1).cuts
    assert (again[0].standard_error, again[1].standard_error) == (hof.standard_error, bk.standard_error)


def test_borderline_methods_from_global_grades(db, make_exercise, scored):
    exercise, lead, _judges = make_exercise(("borderline_regression", "borderline_group"), judges=0)
    _sitting, run, _lead = scored
    pairs = services.run_totals(db, run)
    ordered = sorted(pairs, key=lambda p: p[1])
    lines = [f"{a}, {'fail' if n < 8 else 'borderline' if n < 16 else 'pass'}" for n, (a, _t) in enumerate(ordered)]
    with pytest.raises(ValidationFailed, match="not recorded"):
        services.record_grades(db, actor=lead.actor, now=NOW, exercise_id=exercise.id, text="1, maybe")
    assert services.record_grades(db, actor=lead.actor, now=NOW, exercise_id=exercise.id, text="\n".join(lines)) == 24
    assert services.record_grades(db, actor=lead.actor, now=NOW, exercise_id=exercise.id, text=lines[0]) == 0
    reg, group = services.round_figures(db, exercise, 1).cuts
    scores = np.array([t for _a, t in ordered])
    grades = np.array([1.0] * 8 + [2.0] * 8 + [3.0] * 8)
    slope, intercept = np.polyfit(grades, scores, 1)
    assert reg.cut == pytest.approx(intercept + 2 * slope)
    resid = scores - intercept - slope * grades
    assert reg.standard_error == pytest.approx(math.sqrt(resid @ resid / 22 * (1 / 24)))  # ḡ = 2: the SE of the mean
    assert group.cut == pytest.approx(np.median(scores[8:16]))
    assert [c.method for c in queries.exercise_cuts(db, exercise.id)] == ["borderline_regression", "borderline_group"]


def test_an_item_excluded_after_the_sitting_leaves_the_cut_and_the_record_shows_both(db, make_exercise, scored, app):
    from scoring.runs import services as runs

    exercise, lead, judges = make_exercise(("angoff",), n_rounds=1)
    _sitting, run, _lead = scored
    _rate_all(db, exercise, judges, ROUND1, NOW)
    services.close_round(db, actor=lead.actor, now=NOW + MIN, exercise_id=exercise.id)
    r1 = _as_fractions(ROUND1)
    before = queries.exercise_cuts(db, exercise.id)[0]
    assert before.cut == pytest.approx(r1.mean(axis=0).sum())
    label = services.paper_items(db, exercise.exam_paper_id)[2].label
    runs.rerun(db, actor=lead.actor, run_id=run.id, now=NOW + 2 * MIN, exclude=[label], reason="Ambiguous stem")
    after = queries.exercise_cuts(db, exercise.id)[0]
    assert after.cut == pytest.approx(r1.mean(axis=0).sum() - r1[:, 2].mean())
    figure = queries.dashboard(db, lead.actor, exercise.id).live.cuts[0]
    assert figure.cut_all_items == pytest.approx(before.cut) and figure.cut == pytest.approx(after.cut)
    assert figure.max_score == 5
    from pypdf import PdfReader

    from scoring.standard_setting import exports

    with app.test_request_context():
        pdf = exports.report_pdf(db, lead.actor, exercise.id)
    words = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert f"{after.cut:.2f}" in words and f"{before.cut:.2f}" in words  # both cuts in the record


def test_the_record_exports_as_csv_and_pdf(db, make_exercise, app):
    from pypdf import PdfReader

    from scoring.standard_setting import exports

    exercise, lead, judges = make_exercise(("angoff",), n_rounds=1)
    _rate_all(db, exercise, judges, ROUND1, NOW)
    services.rate_angoff(db, actor=judges[0].actor, now=NOW + MIN, exercise_id=exercise.id, position=1, text="0.75")
    services.close_round(db, actor=lead.actor, now=NOW + 2 * MIN, exercise_id=exercise.id)
    text = exports.record_csv(db, lead.actor, exercise.id)
    lines = text.splitlines()
    assert lines[0] == "section,id,round,judge,kind,target,value,details,at"
    assert sum(line.startswith("rating,") for line in lines) == 13  # 12 ratings and the changed one
    assert any(line.startswith("event,") and "round_closed" in line for line in lines)
    assert any(line.startswith("cut,,1,,angoff") for line in lines)
    with app.test_request_context():
        pdf = exports.report_pdf(db, lead.actor, exercise.id)
    words = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    cut = queries.exercise_cuts(db, exercise.id)[0]
    assert "Standard-setting report: November panel" in words
    assert f"{cut.cut:.2f}" in words and "Judge 1" in words and "0.750" in words
