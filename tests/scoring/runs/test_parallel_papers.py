"""A sitting with two parallel papers: a run scores one paper (and only its candidates); the
paper is required when the candidates sat more than one; runs of different papers are not
compared. Through the service, the CLI and the pages."""
import json

import pytest

from core.errors import ValidationFailed
from core.roles import Role
from assessment.delivery import services as delivery
from scoring.runs import queries, services
from scoring.runs.models import ScoringRun
from tests.scoring.runs.conftest import AFTER


@pytest.fixture
def two_paper_sitting(db, sat_sitting, make_published_paper):
    first = make_published_paper(title="Paper A")
    from item_bank.models import ExamSpec
    second = make_published_paper(spec=db.get(ExamSpec, first.exam_spec_id), title="Paper B")
    sitting, people = sat_sitting(24, papers=[first, second])
    by_paper = {first.id: [], second.id: []}
    for candidate, attempt in people:
        by_paper[attempt.exam_paper_id].append((candidate, attempt))
    assert all(len(sat) >= 2 for sat in by_paper.values())  # the seeded shuffle gives each paper candidates
    return sitting, first, second, by_paper


def test_each_paper_is_scored_on_its_own_candidates(db, two_paper_sitting, examiner):
    sitting, first, second, by_paper = two_paper_sitting
    with pytest.raises(ValidationFailed) as refused:
        services.run_scoring(db, actor=examiner.actor, sitting_id=sitting.id, now=AFTER)
    [problem] = refused.value.problems
    assert problem.field == "exam_paper_id" and "sat 2 papers" in problem.message
    assert "Paper A" in problem.message and "choose the paper to score" in problem.message
    assert db.query(ScoringRun).count() == 0

    run_a = services.run_scoring(db, actor=examiner.actor, sitting_id=sitting.id, now=AFTER, exam_paper_id=first.id)
    run_b = services.run_scoring(db, actor=examiner.actor, sitting_id=sitting.id, now=AFTER, exam_paper_id=second.id)
    for run, paper in ((run_a, first), (run_b, second)):
        assert run.exam_paper_id == paper.id and run.n_candidates == len(by_paper[paper.id])
        scores = {c: total for c, _m, total in queries.run_scores(db, run.id)}
        assert set(scores) == {candidate.id for candidate, _a in by_paper[paper.id]}
        for candidate, attempt in by_paper[paper.id]:
            final = delivery.final_responses(db, attempt.id, AFTER)
            assert scores[candidate.id] == sum(1 for r in final if r.answer == "B")
        versions = {i.item_version_id for i in queries.run_items(db, run.id)}
        assert versions == {v.id for entry in paper.entries for v in entry.case_study_version.item_versions}
    assert run_a.previous_run_id is None and run_b.previous_run_id is None  # one chain of runs per paper

    label = queries.run_items(db, run_a.id)[0].label
    again = services.rerun(db, actor=examiner.actor, run_id=run_a.id, now=AFTER, exclude=[label], reason="Ambiguous")
    assert again.exam_paper_id == first.id and again.previous_run_id == run_a.id
    _a, _b, comparison = queries.compare_runs(db, examiner.actor, run_a.id, again.id)
    assert comparison.items
    with pytest.raises(ValidationFailed, match="only runs of the same paper can be compared"):
        queries.compare_runs(db, examiner.actor, run_a.id, run_b.id)

    rows = {r.id: r for r in queries.runs(db, examiner.actor, sitting.id)}
    assert (rows[run_a.id].paper_title, rows[run_b.id].paper_title) == ("Paper A", "Paper B")


def test_a_paper_nobody_sat_is_refused_and_one_paper_needs_no_choice(db, sat_sitting, two_paper_sitting, examiner,
                                                                     make_published_paper):
    sitting, first, second, _by_paper = two_paper_sitting
    other = make_published_paper(title="Paper C")
    with pytest.raises(ValidationFailed) as refused:
        services.run_scoring(db, actor=examiner.actor, sitting_id=sitting.id, now=AFTER, exam_paper_id=other.id)
    assert f"No candidate of this sitting sat paper {other.id}" in refused.value.problems[0].message

    single, _people = sat_sitting(6)
    run = services.run_scoring(db, actor=examiner.actor, sitting_id=single.id, now=AFTER)
    paper_id = single.papers[0].exam_paper_id
    assert run.exam_paper_id == paper_id
    named = services.run_scoring(db, actor=examiner.actor, sitting_id=single.id, now=AFTER, exam_paper_id=paper_id)
    assert named.exam_paper_id == paper_id and named.previous_run_id == run.id


def test_cli_needs_the_paper_of_a_two_paper_sitting(runner, db, two_paper_sitting, clock):
    sitting, first, second, by_paper = two_paper_sitting
    clock.set(AFTER)
    refused = runner.invoke(args=["scoring", "run", "--sitting", str(sitting.id)])
    assert refused.exit_code == 1 and "choose the paper to score" in refused.output
    assert len(refused.output.strip().splitlines()) == 1
    made = runner.invoke(args=["scoring", "run", "--sitting", str(sitting.id), "--paper", str(second.id)])
    assert made.exit_code == 0, made.output
    run = db.get(ScoringRun, int(made.output.strip()))
    assert run.exam_paper_id == second.id and run.n_candidates == len(by_paper[second.id])
    listed = json.loads(runner.invoke(args=["scoring", "runs", "--json"]).output)
    assert [(r["id"], r["paper"]) for r in listed] == [(run.id, second.id)]
    table = runner.invoke(args=["scoring", "runs"])
    assert f"paper {second.id}" in table.output


def test_pages_choose_show_and_keep_the_paper(client, db, two_paper_sitting, login_as, clock):
    sitting, first, second, by_paper = two_paper_sitting
    clock.set(AFTER)
    login_as(Role.EXAMINER)
    page = client.get(f"/scoring/sittings/{sitting.id}/runs")
    assert page.status_code == 200 and 'name="exam_paper_id"' in page.text and "Choose a paper" in page.text
    refused = client.post(f"/scoring/sittings/{sitting.id}/runs", data={"exam_paper_id": "", "reason": ""})
    assert refused.status_code == 422 and "There is a problem" in refused.text
    assert 'href="#exam_paper_id"' in refused.text and "choose the paper to score" in refused.text
    assert db.query(ScoringRun).count() == 0

    made = client.post(f"/scoring/sittings/{sitting.id}/runs", data={"exam_paper_id": str(first.id), "reason": ""})
    assert made.status_code == 302
    run_a = db.query(ScoringRun).one()
    assert run_a.exam_paper_id == first.id
    page = client.get(f"/scoring/runs/{run_a.id}")
    assert f"Paper A (paper {first.id})" in page.text
    client.post(f"/scoring/sittings/{sitting.id}/runs", data={"exam_paper_id": str(second.id), "reason": ""})
    run_b = db.query(ScoringRun).filter_by(exam_paper_id=second.id).one()
    listing = client.get(f"/scoring/sittings/{sitting.id}/runs")
    assert "Paper A" in listing.text and "Paper B" in listing.text

    compared = client.get(f"/scoring/runs/{run_a.id}/compare?other={run_b.id}")
    assert compared.status_code == 422 and "only runs of the same paper can be compared" in compared.text
    assert 'href="#other"' in compared.text
    page = client.get(f"/scoring/runs/{run_a.id}/compare")
    assert f'value="{run_b.id}"' not in page.text  # only runs of the same paper are offered
