"""Reading item statistics: per version and sitting with history, and the bank's filters on them."""
from __future__ import annotations

from werkzeug.datastructures import MultiDict

from item_bank.authoring import queries as bank
from item_bank.statistics import queries
from item_bank.workflow import Status
from tests.item_bank.statistics.conftest import NOW


def approved_new_version(db, case_study, make_user, now=NOW):
    """Version 2 of an approved case study, approved too (its items keep their identity)."""
    from assessment.accounts.models import User
    from core.roles import Role
    from item_bank.authoring import services as authoring
    from item_bank.review import services as review
    from item_bank.workflow import Action

    author = db.get(User, case_study.author_id).actor
    reviewer = make_user(Role.ITEM_REVIEWER).actor
    version = authoring.start_new_version(db, actor=author, case_study_id=case_study.id, change_note="Clearer stem",
                                          now=now)
    for action in (Action.SUBMIT, Action.START_REVIEW, Action.APPROVE):
        review.transition(db, actor=author if action == Action.SUBMIT else reviewer, version_id=version.id,
                          action=action, comment="ok", now=now)
    db.refresh(version)
    return version


def test_an_item_with_no_statistics_has_none(db, make_case_study):
    version = make_case_study(Status.APPROVED)
    assert queries.statistics_for_item(db, version.item_versions[0].item_id) == []


def test_statistics_are_grouped_by_version_and_sitting_latest_run_first(db, make_case_study, make_user, record):
    v1 = make_case_study(Status.APPROVED)
    item_v1 = v1.item_versions[0]
    first = record([item_v1], sitting_id=1, sitting_title="Spring", run=10, provisional=True, facility=0.50)
    second = record([item_v1], sitting_id=1, sitting_title="Spring", run=11, facility=0.55)
    other_sitting = record([item_v1], sitting_id=2, sitting_title="Summer", run=12, facility=0.60)
    v2 = approved_new_version(db, v1.case_study, make_user)
    item_v2 = next(iv for iv in v2.item_versions if iv.item_id == item_v1.item_id)
    newer_version = record([item_v2], sitting_id=3, sitting_title="Autumn", run=13, facility=0.70)

    result = queries.statistics_for_item(db, item_v1.item_id)
    assert [vs.item_version.id for vs in result] == [item_v2.id, item_v1.id]
    assert [s.sitting_title for s in result[0].sittings] == ["Autumn"]
    assert result[0].sittings[0].latest.id == newer_version[0].id
    spring, summer = sorted(result[1].sittings, key=lambda s: s.sitting_id)
    assert spring.latest.id == second[0].id and [r.id for r in spring.earlier] == [first[0].id]
    assert summer.latest.id == other_sitting[0].id and summer.earlier == ()
    # Another item's statistics never appear.
    record([v1.item_versions[1]], sitting_id=1, run=14)
    assert sum(len(s.earlier) + 1 for vs in queries.statistics_for_item(db, item_v1.item_id) for s in vs.sittings) == 4


def test_latest_facility_is_each_items_most_recent_row(db, make_case_study, record):
    version = make_case_study(Status.APPROVED)
    a, b, c = version.item_versions
    record({a: {"facility": 0.2}, b: {"facility": 0.9}}, run=20)
    record({a: {"facility": 0.4}}, run=21)
    assert queries.latest_facility_by_item(db) == {a.item_id: 0.4, b.item_id: 0.9}
    assert set(queries.latest_by_item(db, [b.item_id, c.item_id])) == {b.item_id}


def test_re_running_an_older_sitting_does_not_make_it_the_items_current_one(db, make_case_study, record):
    version = make_case_study(Status.APPROVED)
    iv = version.item_versions[0]
    record([iv], sitting_id=1, sitting_title="Spring", run=50, facility=0.2, flags=("too_hard",))
    record([iv], sitting_id=2, sitting_title="Autumn", run=51, facility=0.6)
    record([iv], sitting_id=1, sitting_title="Spring", run=52, facility=0.25, flags=("too_hard",))  # a later re-run
    assert queries.latest_facility_by_item(db) == {iv.item_id: 0.6}
    assert queries.latest_by_item(db)[iv.item_id].scoring_run_id == 51
    # The page lists Autumn (scored more recently) first, and Spring's re-run as its latest run.
    [vs] = queries.statistics_for_item(db, iv.item_id)
    assert [s.sitting_title for s in vs.sittings] == ["Autumn", "Spring"]
    assert vs.sittings[1].latest.scoring_run_id == 52 and [r.scoring_run_id for r in vs.sittings[1].earlier] == [50]
    assert _search(db, flagged="flagged") == set()


def _search(db, **args):
    filters = bank.BankFilters.from_args(MultiDict(args))
    assert not filters.problems
    return {v.case_study_id for v in bank.search_bank(db, filters)}


def test_the_banks_facility_range_uses_the_latest_statistics(db, make_case_study, record):
    hard = make_case_study(Status.APPROVED, title="Hard one")
    easy = make_case_study(Status.APPROVED, title="Easy one")
    unsat = make_case_study(Status.APPROVED, title="Never sat")
    record({hard.item_versions[0]: {"facility": 0.8}}, run=30)
    record({hard.item_versions[0]: {"facility": 0.15}}, run=31)  # a later run supersedes 0.8
    record({easy.item_versions[0]: {"facility": 0.92}}, run=32)
    assert _search(db, facility_max="0.3") == {hard.case_study_id}
    assert _search(db, facility_min="0.9") == {easy.case_study_id}
    assert _search(db, facility_min="0.7", facility_max="0.85") == set()
    assert unsat.case_study_id not in _search(db, facility_min="0", facility_max="1")
    assert unsat.case_study_id in _search(db)


def test_the_banks_flagged_filter(db, make_case_study, record):
    flagged = make_case_study(Status.APPROVED, title="Flagged")
    cleared = make_case_study(Status.APPROVED, title="Cleared by a later run")
    clean = make_case_study(Status.APPROVED, title="Clean")
    record({flagged.item_versions[1]: {"flags": ("possible_miskey",)}}, run=40)
    record({cleared.item_versions[0]: {"flags": ("too_hard",)}}, run=41)
    record({cleared.item_versions[0]: {}}, run=42)
    record({clean.item_versions[0]: {}}, run=43)
    assert _search(db, flagged="flagged") == {flagged.case_study_id}
    assert _search(db, flagged="not_flagged") == {cleared.case_study_id, clean.case_study_id}
    assert _search(db, flagged="flagged", facility_min="0.7") == set()


def test_bad_filter_values_are_explained():
    filters = bank.BankFilters.from_args(MultiDict({"flagged": "maybe", "facility_min": "2"}))
    assert filters.flagged == ""
    assert "Choose flagged or not flagged from the list" in filters.problems
    assert "Lowest facility must be between 0 and 1" in filters.problems
