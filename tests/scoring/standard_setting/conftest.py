"""A scored sitting (24 candidates, 6 one-mark items) and an exercise on its paper, through the real
services."""
import datetime as dt

import pytest

from core.roles import Role
from tests.scoring.runs.conftest import AFTER, sat_sitting  # noqa: F401 - fixtures
from tests.assessment.delivery.conftest import (T0, booked_candidate, make_published_paper,  # noqa: F401
                                                make_sitting)

NOW = AFTER + dt.timedelta(days=2)


@pytest.fixture
def scored(db, sat_sitting, make_user):
    """(sitting, run, lead examiner) — the lead made the run."""
    from scoring.runs import services as runs

    sitting, _people = sat_sitting(24)
    lead = make_user(Role.EXAMINER, name="Lee Lead")
    run = runs.run_scoring(db, actor=lead.actor, sitting_id=sitting.id, now=AFTER)
    return sitting, run, lead


@pytest.fixture
def make_exercise(db, scored, make_user):
    """``make(methods, n_rounds=2, judges=2)`` → (exercise, lead, [judges]); judges hold no role."""
    from scoring.standard_setting import services

    sitting, _run, lead = scored

    def make(methods=("angoff",), *, n_rounds=2, judges=2, shows_performance=True):
        people = [make_user(name=f"Judge {n + 1}") for n in range(judges)]
        exercise = services.create_exercise(
            db, actor=lead.actor, now=NOW, title="November panel", exam_paper_id=sitting.papers[0].exam_paper_id,
            sitting_id=sitting.id, methods=list(methods), n_rounds=n_rounds, shows_spread=True,
            shows_performance=shows_performance, judge_emails=[p.email for p in people])
        return exercise, lead, people

    return make
