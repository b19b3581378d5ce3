"""A small approved pool and a spec it can meet, built through the real services."""
from __future__ import annotations

import datetime as dt

import pytest

from core.roles import Role
from item_bank.papers import rules, services
from item_bank.workflow import Status

NOW = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.timezone.utc)

# Four approved case studies of four 1-mark SBA items each. Papers of two case studies with two
# marks in every theme: {AABB, CCDD} and {ABCD, ABCD'} — two parallel papers, and no third.
POOL = {
    "aabb": ("1.1", "1.2", "6.3", "7.2"),
    "ccdd": ("13.1", "13.2", "19.2", "20.1"),
    "abcd": ("1.1", "6.3", "13.1", "19.2"),
    "abcd2": ("2.1", "5.1", "14.1", "21.1"),
}


def spec_fields(**changes) -> rules.SpecFields:
    base = dict(title="Two-case-study paper", total_marks=8, total_marks_tolerance=0, duration_min=60,
                min_case_studies=2, max_case_studies=2,
                theme_marks={"A": (2, 0), "B": (2, 0), "C": (2, 0), "D": (2, 0)})
    base.update(changes)
    return rules.SpecFields(**base)


@pytest.fixture
def examiner(make_user):
    return make_user(Role.EXAMINER, name="Emery Examiner")


@pytest.fixture
def pool(make_case_study):
    """Case-study id by name, all approved."""
    return {name: make_case_study(Status.APPROVED, n_items=4, primaries=primaries, title=f"Case {name}").case_study_id
            for name, primaries in POOL.items()}


@pytest.fixture
def spec(db, examiner, pool):
    return services.create_spec(db, actor=examiner.actor, fields=spec_fields(), now=NOW)
