"""A run's DIF report from consented monitoring data: equal to the engine's ``dif_analysis`` on the
run's exported matrix and the groups; only consenting candidates who did not prefer not to say are
counted; small groups are refused; a planted DIF item is classified C; CLI and page."""
import csv
import datetime as dt
import io
import json
import math
import random

import numpy as np
import pytest
from sqlalchemy import select

from core.errors import Forbidden, ValidationFailed
from core.roles import Role
from assessment.accounts.monitoring import services as monitoring
from assessment.accounts.monitoring.models import MonitoringQuestion
from scoring.psychometrics.dif import dif_analysis
from scoring.runs import dif, exports, services
from tests.scoring.runs.conftest import AFTER

NOW = dt.datetime(2026, 11, 1, 9, 0, tzinfo=dt.timezone.utc)


@pytest.fixture
def sex(db):
    monitoring.seed_default_questions(db, now=NOW)
    return db.scalar(select(MonitoringQuestion).where(MonitoringQuestion.key == "sex"))


def answer(db, person, question, value, *, consent=True):
    if consent:
        monitoring.give_consent(db, actor=person.actor, now=NOW)
    option = next(o.id for o in question.options if o.value == value)
    monitoring.save_answers(db, actor=person.actor, now=NOW, answers={question.id: option})


def planted_grid(n: int, n_items: int, seed: int = 11, shift: float = 2.5):
    """Rasch answers ("B" is every key) for ``n`` candidates: even rows are the focal group, for
    whom the first item is ``shift`` logits harder than for reference candidates of equal ability."""
    rng = random.Random(seed)
    grid = []
    for i in range(n):
        theta = rng.gauss(0, 1)
        row = []
        for j in range(n_items):
            b = -1.0 + 2.0 * j / (n_items - 1) + (shift if j == 0 and i % 2 == 0 else 0.0)
            row.append("B" if rng.random() < 1 / (1 + math.exp(b - theta)) else rng.choice("ACD"))
        grid.append(row)
    return grid


@pytest.fixture
def planted(db, sat_sitting, make_published_paper, examiner, sex):
    paper = make_published_paper(3)  # nine single-best-answer items
    sitting, people = sat_sitting(120, answers=planted_grid(120, 9), papers=[paper])
    for i, (person, _attempt) in enumerate(people):
        answer(db, person, sex, "female" if i % 2 == 0 else "male")
    run = services.run_scoring(db, actor=examiner.actor, sitting_id=sitting.id, now=AFTER)
    return run, people


def test_a_planted_dif_item_is_classified_c_and_the_report_equals_the_engine(db, planted, examiner):
    run, people = planted
    report = dif.dif_report(db, examiner.actor, run.id, question_key="sex", reference="male", focal="female",
                            min_group=30)
    first = run.items[0].label
    assert (report.n_reference, report.n_focal) == (60, 60)
    assert [(r.label, r.category, r.direction) for r in report.large] == [(first, "C", "−")]
    assert report.rows[0].d_dif < -1.5 and report.rows[0].odds_ratio > 1

    # The engine on the exported matrix and the candidates' groups gives the same figures.
    rows = list(csv.reader(io.StringIO(exports.export_bytes(db, examiner.actor, run.id, "responses", "csv").decode())))
    header, body = rows[0], rows[1:]
    x = np.array([[float(v) for v in r[1:]] for r in body])
    sex_of = {person.id: "female" if i % 2 == 0 else "male" for i, (person, _a) in enumerate(people)}
    engine = dif_analysis(x, [sex_of[int(r[0])] for r in body], reference="male", focal="female", items=header[1:])
    assert [r.label for r in report.rows] == header[1:]
    for mine, theirs in zip(report.rows, engine.items):
        assert (mine.category, mine.direction) == (theirs.category, theirs.direction)
        assert mine.odds_ratio == pytest.approx(theirs.mh.alpha_mh, rel=1e-12)
        assert mine.d_dif == pytest.approx(theirs.mh.d_dif, rel=1e-12)
        assert mine.d_dif_se == pytest.approx(theirs.mh.d_dif_se, rel=1e-12)
        assert mine.chi_square == pytest.approx(theirs.mh.chi_square, rel=1e-12)
        assert mine.p_value == pytest.approx(theirs.mh.p_value, rel=1e-9)


def test_only_consenting_candidates_who_answered_are_counted(db, sat_sitting, examiner, sex):
    sitting, people = sat_sitting(40)
    answers = ["female", "male", "prefer_not_to_say", None] * 10
    for (person, _a), value in zip(people, answers):
        if value is not None:
            answer(db, person, sex, value)
    withdrawn = [people[0][0], people[1][0]]  # a female and a male candidate withdraw
    for person in withdrawn:
        monitoring.withdraw_consent(db, actor=person.actor, now=NOW)
    run = services.run_scoring(db, actor=examiner.actor, sitting_id=sitting.id, now=AFTER)
    report = dif.dif_report(db, examiner.actor, run.id, question_key="sex", reference="male", focal="female",
                            min_group=5)
    assert (report.n_reference, report.n_focal) == (9, 9)
    # The same numbers as the engine given exactly those candidates' groups.
    counted = {p.id: v for (p, _a), v in zip(people, answers) if v in ("female", "male") and p not in withdrawn}
    scores = {c: marks for c, marks, _t in services_scores(db, run.id)}
    order = sorted(scores)
    engine = dif_analysis(np.array([scores[c] for c in order]), [counted.get(c) for c in order], reference="male",
                          focal="female")
    assert [r.chi_square for r in report.rows] == pytest.approx([i.mh.chi_square for i in engine.items], nan_ok=True)


def services_scores(db, run_id):
    from scoring.runs.queries import run_scores

    return run_scores(db, run_id)


def test_small_groups_and_bad_choices_are_refused_without_exposing_anyone(db, sat_sitting, examiner, sex):
    sitting, people = sat_sitting(12)
    for i, (person, _a) in enumerate(people):
        answer(db, person, sex, "female" if i < 3 else "male")
    run = services.run_scoring(db, actor=examiner.actor, sitting_id=sitting.id, now=AFTER)
    with pytest.raises(ValidationFailed) as refused:
        dif.dif_report(db, examiner.actor, run.id, question_key="sex", reference="male", focal="female", min_group=5)
    [problem] = refused.value.problems
    assert problem.field == "focal" and "Fewer than 5 candidates" in problem.message
    assert "3" not in problem.message  # the size of a small group is not given away
    with pytest.raises(ValidationFailed) as refused:
        dif.dif_report(db, examiner.actor, run.id, question_key="sex", reference="male", focal="female", min_group=30)
    assert {p.field for p in refused.value.problems} == {"reference", "focal"}
    for kwargs, field in ((dict(question_key="religion", reference="a", focal="b"), "question"),
                          (dict(question_key="sex", reference="male", focal="male"), "focal"),
                          (dict(question_key="sex", reference="male", focal="prefer_not_to_say"), "focal")):
        with pytest.raises(ValidationFailed) as refused:
            dif.dif_report(db, examiner.actor, run.id, min_group=1, **kwargs)
        assert [p.field for p in refused.value.problems] == [field]
    candidate = people[0][0]
    with pytest.raises(Forbidden):
        dif.dif_report(db, candidate.actor, run.id, question_key="sex", reference="male", focal="female", min_group=1)


def test_cli(runner, db, planted, app):
    run, _people = planted
    result = runner.invoke(args=["scoring", "dif", "--run", str(run.id), "--question", "sex", "--reference", "male",
                                 "--focal", "female", "--json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    assert document["n_reference"] == document["n_focal"] == 60 and document["min_group"] == 30
    assert [i["item"] for i in document["items"] if i["category"] == "C"] == [run.items[0].label]
    table = runner.invoke(args=["scoring", "dif", "--run", str(run.id), "--question", "sex", "--reference", "male",
                                "--focal", "female"])
    assert table.exit_code == 0 and f"Moderate to large DIF (C or CC): {run.items[0].label}" in table.output
    app.config["DIF_MIN_GROUP"] = 100
    refused = runner.invoke(args=["scoring", "dif", "--run", str(run.id), "--question", "sex", "--reference", "male",
                                  "--focal", "female"])
    assert refused.exit_code == 1 and len(refused.output.strip().splitlines()) == 1
    assert "Fewer than 100 candidates" in refused.output


def test_page(client, db, planted, login_as):
    run, _people = planted
    login_as(Role.EXAMINER)
    assert f'href="/scoring/runs/{run.id}/dif"' in client.get(f"/scoring/runs/{run.id}").text
    page = client.get(f"/scoring/runs/{run.id}/dif")
    assert page.status_code == 200 and "What is your sex?" in page.text and 'name="reference"' not in page.text
    page = client.get(f"/scoring/runs/{run.id}/dif?question=sex")  # "Choose the groups"
    assert page.status_code == 200 and 'name="reference"' in page.text and 'name="show"' in page.text
    assert "Prefer not to say" not in page.text.split('name="reference"')[1]
    page = client.get(f"/scoring/runs/{run.id}/dif?show=1&question=sex")  # "Show the DIF report" with no groups
    assert page.status_code == 422 and 'href="#reference"' in page.text and 'href="#focal"' in page.text
    report = client.get(f"/scoring/runs/{run.id}/dif?show=1&question=sex&reference=male&focal=female")
    assert report.status_code == 200 and "Items with moderate to large DIF (1)" in report.text
    item = run.items[0]
    assert f'href="/item-bank/items/{item.item_id}"' in report.text and "60 candidates" in report.text
    same = client.get(f"/scoring/runs/{run.id}/dif?show=1&question=sex&reference=male&focal=male")
    assert same.status_code == 422 and 'href="#focal"' in same.text and "different from the reference" in same.text
