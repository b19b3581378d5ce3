"""Double marking through the services, on both databases: agree; disagree → third marker; marks
either side of the pass mark → third marker; blindness; own attempt; own first mark; range; seeds;
progress."""
import pytest
from sqlalchemy import func, select

from core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from core.roles import Role
from scoring.marking import moderation, queries, services
from scoring.marking.models import Mark, Script
from tests.scoring.marking.conftest import AFTER


def script_of(db, attempt):
    services.sync_scripts(db, attempt.sitting_id, AFTER)
    return db.scalar(select(Script).where(Script.attempt_id == attempt.id, Script.seed_of_id.is_(None)))


def mark(db, who, script, round_, value, why="Makes two of the points"):
    return services.give_mark(db, who.actor, script.id, round_, value, why, AFTER)


def n_marks(db):
    return db.scalar(select(func.count()).select_from(Mark))


def test_two_marks_within_tolerance_are_agreed_and_averaged(db, marking_sitting, team, sit):
    attempt = sit(marking_sitting, "I would listen to Jo and explain the risks.")
    script = script_of(db, attempt)
    assert queries.outstanding_scripts(db, marking_sitting.id, now=AFTER) == 1
    mark(db, team["first"], script, "first", 2)
    mark(db, team["second"], script, "second", 3)
    # (2 + 3) / 2 = 2.5, rounded half up to a whole mark by default
    assert queries.final_marks(db, marking_sitting.id, now=AFTER) == {(attempt.id, 3): 3.0}
    assert queries.outstanding_scripts(db, marking_sitting.id, now=AFTER) == 0


def test_marks_beyond_tolerance_go_to_a_third_marker_whose_mark_stands(db, marking_sitting, team, sit):
    attempt = sit(marking_sitting, "An answer")
    script = script_of(db, attempt)
    mark(db, team["first"], script, "first", 0)
    mark(db, team["second"], script, "second", 4)
    outcome = queries.script_outcomes(db, marking_sitting.id)[script.id]
    assert outcome.status == "awaiting_third" and "differ by more than the tolerance" in outcome.reason
    assert queries.final_marks(db, marking_sitting.id, now=AFTER) == {}
    assert queries.outstanding_scripts(db, marking_sitting.id, now=AFTER) == 1
    assert [e.script_id for e in queries.queue_for(db, team["third"].actor, marking_sitting.id)] == [script.id]
    mark(db, team["third"], script, "third", 1, "Only the first point is made")
    assert queries.final_marks(db, marking_sitting.id, now=AFTER) == {(attempt.id, 3): 1.0}
    assert "third marker's mark stands" in queries.script_outcomes(db, marking_sitting.id)[script.id].reason


def test_marks_either_side_of_the_pass_mark_go_to_a_third_marker(db, marking_sitting, team, sit):
    attempt = sit(marking_sitting, "An answer", sba="B")  # the SBA keys are B: 2 marks besides this script
    script = script_of(db, attempt)
    mark(db, team["first"], script, "first", 2)
    mark(db, team["second"], script, "second", 3)
    # With no pass mark the two agree; with a pass mark of 5 the totals are 4 (fail) and 5 (pass).
    assert queries.script_outcomes(db, marking_sitting.id)[script.id].status == "resolved"
    services.set_pass_mark(db, team["lead"].actor, marking_sitting.id, 5, AFTER)
    outcome = queries.script_outcomes(db, marking_sitting.id)[script.id]
    assert outcome.status == "awaiting_third" and "either side of the pass mark" in outcome.reason
    assert queries.final_marks(db, marking_sitting.id, now=AFTER) == {}
    # A cut passed as a parameter wins over the sitting's: a pass mark of 10 is not straddled.
    assert queries.final_marks(db, marking_sitting.id, cut=10, now=AFTER) == {(attempt.id, 3): 3.0}
    mark(db, team["third"], script, "third", 3, "Explains the risks well enough")
    assert queries.final_marks(db, marking_sitting.id, now=AFTER) == {(attempt.id, 3): 3.0}


def test_a_marker_cannot_see_the_other_mark_before_both_have_marked(db, marking_sitting, team, sit):
    attempt = sit(marking_sitting, "An answer")
    script = script_of(db, attempt)
    mark(db, team["first"], script, "first", 2, "SECRET-JUSTIFICATION")
    page = queries.marking_page(db, team["second"].actor, script.id, "second")
    assert page.my_mark is None and "SECRET" not in repr(page)
    with pytest.raises(NotFound):
        queries.revealed_marks(db, team["second"].actor, script.id)
    with pytest.raises(NotFound):
        queries.revealed_marks(db, team["first"].actor, script.id)  # the first marker cannot see either
    mark(db, team["second"], script, "second", 2)
    shown = queries.revealed_marks(db, team["second"].actor, script.id)
    assert (shown.first.mark, shown.second.mark) == (2, 2)


def test_nobody_marks_their_own_attempt(db, marking_sitting, team, sit, make_user):
    examiner = make_user(Role.EXAMINER, Role.CANDIDATE)  # an examiner who also sat this exam
    services.allocate(db, team["lead"].actor, marking_sitting.id, examiner.id, "first", AFTER)
    script = script_of(db, sit(marking_sitting, "My own answer", user=examiner))
    before = n_marks(db)
    with pytest.raises(Forbidden, match="your own attempt"):
        mark(db, examiner, script, "first", 2)
    assert n_marks(db) == before
    assert queries.queue_for(db, examiner.actor, marking_sitting.id) == []
    with pytest.raises(Forbidden):
        queries.marking_page(db, examiner.actor, script.id, "first")


def test_nobody_second_marks_their_own_first_mark(db, marking_sitting, team, sit):
    services.allocate(db, team["lead"].actor, marking_sitting.id, team["first"].id, "second", AFTER)
    script = script_of(db, sit(marking_sitting, "An answer"))
    mark(db, team["first"], script, "first", 2)
    with pytest.raises(Forbidden, match="first mark"):
        mark(db, team["first"], script, "second", 2)
    assert [e.round for e in queries.queue_for(db, team["first"].actor, marking_sitting.id)] == ["first"]
    with pytest.raises(Forbidden):
        mark(db, team["first"], script, "third", 2)  # nor third-marks it, even with a third allocation


def test_a_mark_outside_the_range_is_refused_and_nothing_is_written(db, marking_sitting, team, sit):
    script = script_of(db, sit(marking_sitting, "An answer"))
    before = n_marks(db)
    for value, message in ((5, "between 0 and 4"), (-1, "between 0 and 4"), (1.25, "steps of 0.5")):
        with pytest.raises(ValidationFailed) as refused:
            mark(db, team["first"], script, "first", value)
        assert any(message in p.message for p in refused.value.problems)
    with pytest.raises(ValidationFailed) as refused:
        mark(db, team["first"], script, "first", 2, "   ")
    assert [p.field for p in refused.value.problems] == ["justification"]
    assert n_marks(db) == before


def test_a_changed_mark_is_a_new_mark_with_a_reason(db, marking_sitting, team, sit):
    script = script_of(db, sit(marking_sitting, "An answer"))
    mark(db, team["first"], script, "first", 2)
    with pytest.raises(ValidationFailed):
        mark(db, team["first"], script, "first", 3)  # no reason given
    services.give_mark(db, team["first"].actor, script.id, "first", 3, "Both points", AFTER, reason="Misread point 2")
    assert [m.mark for m in db.scalars(select(Mark).where(Mark.script_id == script.id).order_by(Mark.id))] == [2, 3]
    mark(db, team["second"], script, "second", 3)
    with pytest.raises(Conflict):  # once both are in, a change would not be blind
        services.give_mark(db, team["first"].actor, script.id, "first", 4, "All", AFTER, reason="Changed my mind")


def test_seeded_scripts_measure_drift_and_never_count(db, marking_sitting, team, sit, make_user):
    attempt = sit(marking_sitting, "An answer")
    script = script_of(db, attempt)
    mark(db, team["first"], script, "first", 2)
    mark(db, team["second"], script, "second", 2)
    seed = services.seed_script(db, team["lead"].actor, script.id, AFTER)
    assert seed.reference_mark == 2 and seed.candidate_number != script.candidate_number
    # The markers of the source never see its seed; another first marker does, as a first mark.
    assert all(e.script_id != seed.id for e in queries.queue_for(db, team["first"].actor, marking_sitting.id))
    newcomer = make_user(Role.EXAMINER)
    services.allocate(db, team["lead"].actor, marking_sitting.id, newcomer.id, "first", AFTER)
    entries = queries.queue_for(db, newcomer.actor, marking_sitting.id)
    assert [(e.script_id, e.round) for e in entries] == [(seed.id, "first")]
    services.give_mark(db, newcomer.actor, seed.id, "first", 3.5, "Generous", AFTER)
    assert db.scalar(select(Mark.round).where(Mark.script_id == seed.id)) == "seed"
    line = next(m for m in moderation.moderation(db, marking_sitting.id).markers if m.marker_id == newcomer.id)
    assert (line.seeds, line.drift, line.marks) == (1, 1.5, 0)
    assert queries.final_marks(db, marking_sitting.id, now=AFTER) == {(attempt.id, 3): 2.0}


def test_progress_and_moderation_numbers(db, marking_sitting, team, sit):
    scripts = [script_of(db, sit(marking_sitting, f"Answer {i}")) for i in range(4)]
    sit(marking_sitting, None)  # an empty written answer is not marked, and stands at 0
    mark(db, team["first"], scripts[0], "first", 2)
    for s, (a, b) in zip(scripts[1:], ((2, 2), (0, 4), (1, 2))):
        mark(db, team["first"], s, "first", a)
        mark(db, team["second"], s, "second", b)
    progress = moderation.progress(db, marking_sitting.id, AFTER)
    assert progress == moderation.Progress(answers=4, unmarked=0, marked_once=1, marked_twice=3, awaiting_third=1,
                                        resolved=2)
    assert queries.outstanding_scripts(db, marking_sitting.id, now=AFTER) == 2
    assert len(queries.final_marks(db, marking_sitting.id, now=AFTER)) == 3  # two agreed and the empty one
    found = moderation.moderation(db, marking_sitting.id)
    assert (found.pairs, found.agreed) == (3, 2)
    first = next(m for m in found.markers if m.marker_id == team["first"].id)
    assert (first.marks, first.mean_mark) == (4, 1.25)


def test_only_the_lead_allocates_and_allocations_are_audited(db, marking_sitting, team, make_user):
    from core.audit import AuditEntry

    other = make_user(Role.EXAMINER)
    with pytest.raises(Forbidden):
        services.allocate(db, team["first"].actor, marking_sitting.id, other.id, "second", AFTER)
    with pytest.raises(Forbidden):
        services.allocate(db, team["lead"].actor, marking_sitting.id, other.id, "lead", AFTER)
    with pytest.raises(ValidationFailed):
        services.allocate(db, team["lead"].actor, marking_sitting.id, make_user(Role.CANDIDATE).id, "first", AFTER)
    services.allocate(db, team["lead"].actor, marking_sitting.id, other.id, "second", AFTER)
    assert db.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "marking.allocate")) == 5


def test_a_lead_examiner_who_also_marks_is_as_blind_as_any_marker(db, marking_sitting, team, sit):
    services.allocate(db, team["admin"].actor, marking_sitting.id, team["second"].id, "lead", AFTER)
    script = script_of(db, sit(marking_sitting, "An answer"))
    mark(db, team["first"], script, "first", 2)
    with pytest.raises(NotFound):
        queries.revealed_marks(db, team["second"].actor, script.id)
    assert queries.revealed_marks(db, team["lead"].actor, script.id).first.mark == 2  # a lead who does not mark
