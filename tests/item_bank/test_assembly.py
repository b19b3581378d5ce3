"""Spec conformance and automatic paper assembly (item_bank.assembly) — pure, no database."""

import itertools
import random
from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from item_bank.assembly import (
    ITEM_TYPES,
    AssemblyStatus,
    CaseStudySummary,
    SpecConstraints,
    assemble,
    conformance,
    difficulty_weight,
    mean_facility,
    paper_figures,
    running_order,
)

# The framework's shape: theme → standards, and sub-standards per standard.
STANDARDS_BY_THEME = {"A": range(1, 5), "B": range(5, 13), "C": range(13, 19), "D": range(19, 23)}
SUBSTANDARD_COUNTS = {
    1: 4, 2: 9, 3: 9, 4: 4, 5: 3, 6: 4, 7: 8, 8: 6, 9: 4, 10: 3, 11: 7, 12: 3,
    13: 4, 14: 2, 15: 2, 16: 5, 17: 3, 18: 4, 19: 3, 20: 5, 21: 3, 22: 3,
}
# Constructed responses carry more marks than selected-response items.
MARKS_BY_TYPE = {
    "sba": (1,), "multiple_response": (1, 2), "extended_matching": (1, 2), "ordering": (1, 2),
    "constructed_response": (2, 3, 4),
}


def make_case_study(rng, cs_id, main_theme, *, exposure=0, with_cut=True):
    """A realistic testlet: 3–8 items, most on its main theme, each on one sub-standard."""
    marks_by_theme, marks_by_standard, type_counts, substandards = {}, {}, {}, set()
    facility_marks = 0.0
    for _ in range(rng.randint(3, 8)):
        theme = main_theme if rng.random() < 0.75 else rng.choice("ABCD")
        standard = rng.choice(list(STANDARDS_BY_THEME[theme]))
        item_type = rng.choice(ITEM_TYPES)
        marks = rng.choice(MARKS_BY_TYPE[item_type])
        marks_by_theme[theme] = marks_by_theme.get(theme, 0) + marks
        marks_by_standard[standard] = marks_by_standard.get(standard, 0) + marks
        type_counts[item_type] = type_counts.get(item_type, 0) + 1
        substandards.add(f"{standard}.{rng.randint(1, SUBSTANDARD_COUNTS[standard])}")
        facility_marks += rng.uniform(0.4, 0.9) * marks
    total = sum(marks_by_theme.values())
    return CaseStudySummary(
        id=cs_id,
        title=f"Case study {cs_id}",
        marks_by_theme=marks_by_theme,
        marks_by_standard=marks_by_standard,
        item_type_counts=type_counts,
        substandards=frozenset(substandards),
        expected_facility=round(facility_marks / total, 4),
        total_marks=total,
        expected_cut_marks=round(total * rng.uniform(0.5, 0.7), 2) if with_cut else None,
        exposure=exposure,
    )


def make_pool(size=24, seed=2024):
    rng = random.Random(seed)
    # Themes in turn so each theme has a fair share; a few case studies are well used already.
    return [
        make_case_study(rng, cs_id, "ABCD"[(cs_id - 1) % 4], exposure=[0, 0, 0, 1, 3][cs_id % 5])
        for cs_id in range(1, size + 1)
    ]


POOL = make_pool()

# Roughly a quarter of the marks per theme, as a real spec would ask.
SPEC = SpecConstraints(
    total_marks=36,
    total_marks_tolerance=2,
    theme_marks={"A": (9, 3), "B": (9, 3), "C": (9, 3), "D": (9, 3)},
    item_type_mix={"sba": (2, None), "constructed_response": (1, 8)},
    n_case_studies=(3, 6),
    enemy_sets=[frozenset({1, 5})],
    max_exposure=1,
)

# Parallel papers: expected facility differs by at most this much (3 percentage points) from
# the tie-breaking objective alone; a hard band (facility_tolerance) can insist on less.
FACILITY_BAND = 0.03


def by_id(ids, pool=POOL):
    wanted = set(ids)
    return [cs for cs in pool if cs.id in wanted]


def assert_conforms(spec, paper_ids, pool=POOL):
    rows = conformance(spec, by_id(paper_ids, pool))
    unmet = [(row.name, row.required, row.actual) for row in rows if not row.met]
    assert not unmet


# --- conformance -----------------------------------------------------------------------------


def small_case_study(cs_id, theme_marks, *, types=None, subs=(), facility=0.6, exposure=0,
                     cut=None, standards=None):
    return CaseStudySummary(
        id=cs_id,
        title=f"Case study {cs_id}",
        marks_by_theme=theme_marks,
        marks_by_standard=standards or {},
        item_type_counts=types or {"sba": 3},
        substandards=frozenset(subs),
        expected_facility=facility,
        total_marks=sum(theme_marks.values()),
        expected_cut_marks=cut,
        exposure=exposure,
    )


def test_conformance_table_has_a_row_per_constraint_in_words():
    spec = SpecConstraints(
        total_marks=20,
        total_marks_tolerance=2,
        theme_marks={"A": (10, 2), "C": (10, 0)},
        standard_marks={6: (0, 4)},
        item_type_mix={"sba": (2, 5), "constructed_response": (1, None)},
        n_case_studies=2,
        enemy_sets=[frozenset({3, 7})],
        max_exposure=1,
    )
    selected = [
        small_case_study(3, {"A": 8, "B": 2}, types={"sba": 4}, standards={1: 8, 6: 2}, exposure=2),
        small_case_study(7, {"C": 9}, types={"sba": 2, "constructed_response": 1}),
    ]
    rows = {row.name: row for row in conformance(spec, selected)}
    assert list(rows) == [
        "total_marks", "case_studies", "theme:A", "theme:C", "standard:6", "type:sba",
        "type:constructed_response", "enemy:{3,7}", "exposure",
    ]

    def cells(name):
        row = rows[name]
        return row.label, row.required, row.actual, row.met

    assert cells("total_marks") == ("Total marks", "18–22", "19", True)
    assert cells("case_studies") == ("Number of case studies", "2", "2", True)
    assert cells("theme:A") == ("Theme A marks", "8–12", "8", True)
    assert cells("theme:C") == ("Theme C marks", "10", "9", False)
    assert cells("standard:6") == ("Standard 6 marks", "at most 4", "2", True)
    assert cells("type:sba") == ("Number of single best answer items", "2–5", "6", False)
    assert cells("type:constructed_response")[1:] == ("at least 1", "1", True)
    assert cells("enemy:{3,7}") == ("Enemy case studies 3 and 7", "at most 1", "2 (3 and 7)", False)
    assert cells("exposure") == (
        "Earlier papers any case study has appeared in", "at most 1",
        "2 (case study 3 over the limit)", False,
    )


def test_conformance_of_an_empty_selection_shows_nothing_met_that_needs_marks():
    rows = {row.name: row for row in conformance(SPEC, [])}
    assert rows["total_marks"].actual == "0" and not rows["total_marks"].met
    assert rows["enemy:{1,5}"].met and rows["exposure"].met


def test_conformance_refuses_a_case_study_selected_twice():
    with pytest.raises(ValueError, match="more than once"):
        conformance(SPEC, [POOL[0], POOL[0]])


# --- assembling papers -----------------------------------------------------------------------


def test_one_paper_meets_every_constraint():
    result = assemble(SPEC, POOL)
    assert result.status == AssemblyStatus.OPTIMAL
    assert result.ok and not result.infeasible
    [paper] = result.papers
    assert_conforms(SPEC, paper)
    assert all(row.met for row in result.conformance[0])
    figures, recomputed = result.figures[0], paper_figures(by_id(paper))
    assert (figures.coverage, figures.total_marks) == (recomputed.coverage, recomputed.total_marks)
    assert figures.expected_facility == pytest.approx(recomputed.expected_facility)
    assert figures.coverage == len(set().union(*(cs.substandards for cs in by_id(paper))))
    assert figures.expected_cut_marks is not None


@pytest.mark.parametrize("n_papers", [2, 3])
def test_parallel_papers_share_nothing_conform_and_are_equally_hard(n_papers):
    result = assemble(SPEC, POOL, n_papers)
    assert result.status == AssemblyStatus.OPTIMAL
    assert len(result.papers) == n_papers
    used = [cs_id for paper in result.papers for cs_id in paper]
    assert len(used) == len(set(used)), "parallel papers must share no case study"
    for paper in result.papers:
        assert_conforms(SPEC, paper)
    assert result.facility_spread <= FACILITY_BAND
    assert result.cut_spread is not None


def test_papers_come_in_running_order():
    result = assemble(SPEC, POOL, 2)
    for paper in result.papers:
        assert paper == [cs.id for cs in running_order(by_id(paper))]


def test_running_order_follows_the_themes_then_puts_easier_first():
    paper = [
        small_case_study(1, {"C": 6}, facility=0.7),
        small_case_study(2, {"A": 4, "D": 1}, facility=0.5),
        small_case_study(3, {"C": 5}, facility=0.8),
        small_case_study(4, {"B": 2, "D": 5}, facility=0.6),
    ]
    assert [cs.id for cs in running_order(paper)] == [2, 3, 1, 4]


def test_enemies_never_share_a_paper():
    # Make enemies of case studies the unconstrained optimum puts together.
    free = replace(SPEC, enemy_sets=())
    first, second = assemble(free, POOL).papers[0][:2]
    spec = replace(SPEC, enemy_sets=(frozenset({first, second}),))
    result = assemble(spec, POOL, 2)
    assert result.ok
    for paper in result.papers:
        assert not {first, second} <= set(paper)
        assert_conforms(spec, paper)


@pytest.mark.parametrize(("limit", "n_papers"), [(0, 1), (1, 2), (3, 2)])
def test_exposure_limit_is_respected(limit, n_papers):
    spec = replace(SPEC, max_exposure=limit)
    result = assemble(spec, POOL, n_papers)
    assert result.ok
    assert all(cs.exposure <= limit for paper in result.papers for cs in by_id(paper))
    assert all(row.met for rows in result.conformance for row in rows)


def _brute_force_best(spec, pool, target):
    """Every subset: the conforming ones with most coverage, then the nearest facility."""
    best = None
    for size in range(1, len(pool) + 1):
        for subset in itertools.combinations(pool, size):
            if not all(row.met for row in conformance(spec, list(subset))):
                continue
            figures = paper_figures(subset)
            key = (-figures.coverage, abs(figures.expected_facility - target))
            if best is None or key < best:
                best = key
    return best


@pytest.mark.parametrize("seed", [11, 12, 13])
def test_coverage_is_maximal_and_difficulty_breaks_ties_as_brute_force_finds(seed):
    pool = make_pool(10, seed)
    spec = SpecConstraints(
        total_marks=30,  # no tolerance: the linearised deviation is then exactly facility
        theme_marks={"A": (7, 4), "B": (7, 4)},
        item_type_mix={"sba": (1, None)},
        n_case_studies=(2, 5),
        enemy_sets=[frozenset({1, 2})],
    )
    result = assemble(spec, pool)
    target = mean_facility(pool)
    best = _brute_force_best(spec, pool, target)
    assert result.status == AssemblyStatus.OPTIMAL, "the brute force found a paper"
    figures = result.figures[0]
    assert figures.coverage == -best[0]
    assert abs(figures.expected_facility - target) == pytest.approx(best[1], abs=1e-4)


def test_a_given_difficulty_target_is_used():
    result = assemble(SPEC, POOL, difficulty_target=0.7)
    assert result.facility_target == 0.7
    assert assemble(SPEC, POOL).facility_target == pytest.approx(mean_facility(POOL))


def test_the_difficulty_weight_keeps_coverage_dominant():
    # The whole difficulty penalty is at most 5·n·M marks (see formulation's docstring).
    for n_papers in (1, 2, 3):
        assert difficulty_weight(SPEC, n_papers) * 5 * n_papers * 38 < 1


def test_hard_bands_hold_each_paper_near_the_target_facility_and_cut():
    eligible = [cs for cs in POOL if cs.exposure <= SPEC.max_exposure]
    cut_rate = (sum(cs.expected_cut_marks for cs in eligible)
                / sum(cs.total_marks for cs in eligible))
    result = assemble(SPEC, POOL, 2, difficulty_target=0.65, facility_tolerance=0.01,
                      cut_tolerance_marks=1.0)
    assert result.ok
    for figures in result.figures:
        assert abs(figures.expected_facility - 0.65) <= 0.01 + 1e-9
        assert abs(figures.expected_cut_marks - cut_rate * figures.total_marks) <= 1.0 + 1e-6
    for rows in result.conformance:
        assert all(row.met for row in rows)


def test_an_impossible_facility_band_is_named():
    result = assemble(SPEC, POOL, 2, difficulty_target=0.3, facility_tolerance=0.01)
    assert result.status == AssemblyStatus.INFEASIBLE
    assert frozenset({"facility_band"}) in result.blocking
    assert (
        "The expected facility of each paper (required 0.29–0.31) cannot be met together with "
        "the other constraints."
    ) in result.infeasible


def tie_pool(facilities, cuts):
    """Four interchangeable case studies: same marks, equal coverage, different difficulty."""
    return [
        small_case_study(i + 1, {"A": 10}, subs=[f"{i + 1}.1", f"{i + 1}.2"], facility=facility,
                         cut=cut)
        for i, (facility, cut) in enumerate(zip(facilities, cuts, strict=True))
    ]


def test_difficulty_breaks_the_tie_between_equally_covering_parallel_papers():
    pool = tie_pool([0.5, 0.6, 0.7, 0.8], [6.0] * 4)
    result = assemble(SpecConstraints(total_marks=20, n_case_studies=2), pool, 2)
    assert sorted(sorted(paper) for paper in result.papers) == [[1, 4], [2, 3]]
    assert result.facility_spread == pytest.approx(0.0)


def test_expected_cuts_break_the_tie_when_facility_cannot():
    pool = tie_pool([0.6] * 4, [5.0, 6.0, 7.0, 8.0])
    result = assemble(SpecConstraints(total_marks=20, n_case_studies=2), pool, 2)
    assert sorted(sorted(paper) for paper in result.papers) == [[1, 4], [2, 3]]
    assert result.cut_spread == pytest.approx(0.0)


def test_without_angoff_ratings_papers_have_no_expected_cut():
    pool = [
        replace(cs, expected_cut_marks=None) for cs in POOL]
    result = assemble(SPEC, pool, 2)
    assert result.ok
    assert all(figures.expected_cut_marks is None for figures in result.figures)
    assert result.cut_spread is None


# --- impossible specs, said precisely --------------------------------------------------------


def theme_pool(c_marks_each=3):
    """Eight case studies: plenty of A, B and D, and theme C thin on the ground."""
    pool = []
    for cs_id in range(1, 9):
        marks = {"A": 4, "B": 4, "D": 4}
        if cs_id <= 3:
            marks["C"] = c_marks_each
        pool.append(small_case_study(cs_id, marks, subs=[f"{cs_id}.1"]))
    return pool


def test_unreachable_theme_marks_are_named():
    spec = SpecConstraints(
        total_marks=60, total_marks_tolerance=10,
        theme_marks={"A": (12, 4), "C": (18, 2)},
    )
    result = assemble(spec, theme_pool())
    assert result.status == AssemblyStatus.INFEASIBLE
    assert result.infeasible == [
        "Theme C needs at least 16 marks but the pool holds only 9 marks in theme C."
    ]
    assert result.blocking == [frozenset({"theme:C"})]


def test_too_many_parallel_papers_are_named():
    # Eleven eligible case studies, big and small, so marks are not what runs short.
    marks = [10] * 6 + [2] * 5 + [10] * 3
    pool = [small_case_study(i, {"A": m}, exposure=0 if i <= 11 else 4)
            for i, m in enumerate(marks, start=1)]
    spec = SpecConstraints(total_marks=30, total_marks_tolerance=10, n_case_studies=5,
                           max_exposure=2)
    assert assemble(spec, pool, 2).ok
    result = assemble(spec, pool, 3)
    assert result.infeasible == [
        "3 parallel papers need 15 case studies (5 each), but the pool has only 11 eligible "
        "after the exposure limit."
    ]
    assert result.blocking == [frozenset({"case_studies"})]


def test_total_marks_unreachable_through_granularity_are_named():
    # Every case study is worth an even number of marks, so 61 cannot be made.
    pool = [small_case_study(i, {"A": 2 * (3 + i % 4)}) for i in range(1, 16)]
    spec = SpecConstraints(total_marks=61)
    result = assemble(spec, pool)
    assert result.infeasible == [
        "No combination of case studies in the pool sums to 61 marks "
        "(the nearest possible are 60 and 62)."
    ]
    assert result.blocking == [frozenset({"total_marks"})]


def test_granularity_respects_the_number_of_case_studies():
    pool = [small_case_study(i, {"A": 10}) for i in range(1, 9)]
    spec = SpecConstraints(total_marks=40, n_case_studies=(2, 3))
    result = assemble(spec, pool)
    assert result.infeasible == [
        "No combination of 2 to 3 case studies in the pool sums to 40 marks "
        "(the nearest possible is 30)."
    ]


def test_enemies_that_make_a_paper_impossible_are_named():
    # Only case studies 3 and 7 carry theme D, and the spec needs both of them.
    pool = [small_case_study(i, {"A": 5}, subs=[f"{i}.1"]) for i in range(1, 9) if i not in (3, 7)]
    pool += [small_case_study(3, {"D": 5}), small_case_study(7, {"D": 5})]
    spec = SpecConstraints(
        total_marks=20, theme_marks={"A": (10, 0), "D": (10, 0)},
        enemy_sets=[frozenset({3, 7})],
    )
    result = assemble(spec, pool)
    assert result.status == AssemblyStatus.INFEASIBLE
    assert frozenset({"enemy:{3,7}"}) in result.blocking
    reason = result.infeasible[result.blocking.index(frozenset({"enemy:{3,7}"}))]
    assert reason == (
        "Enemy set {3, 7} (at most one per paper) cannot be respected: every selection that "
        "meets the other constraints puts more than one of them in the paper."
    )
    # Relaxing theme D alone would not help (theme A and the total still need 10 marks of D),
    # so the enemy set is the only single culprit.
    assert result.blocking == [frozenset({"enemy:{3,7}"})]


def test_a_theme_that_cannot_be_met_alongside_the_others_is_named_with_the_nearest_value():
    # Theme C marks only come with theme A marks attached, so C = 8 drags A over its limit.
    pool = [small_case_study(i, {"A": 6, "C": 4}, subs=[f"{i}.1"]) for i in range(1, 4)]
    pool += [small_case_study(i, {"B": 4}) for i in range(4, 9)]
    spec = SpecConstraints(total_marks=20, total_marks_tolerance=4,
                           theme_marks={"A": (6, 2), "C": (8, 0)})
    result = assemble(spec, pool)
    assert result.status == AssemblyStatus.INFEASIBLE
    assert (
        "Theme A marks (required 4–8) cannot be met together with the other constraints. "
        "The nearest paper found has 12 marks in theme A."
    ) in result.infeasible
    assert (
        "Theme C marks (required 8) cannot be met together with the other constraints. "
        "The nearest paper found has 4 marks in theme C."
    ) in result.infeasible


def test_two_independent_conflicts_are_named_as_pairs():
    # Theme C can only reach 8 by taking theme A over its limit, and theme D can only reach 10
    # with both enemies: no single relaxation is enough, so each answer names two constraints.
    pool = [small_case_study(i, {"A": 6, "C": 4}) for i in (1, 2, 3)]
    pool += [small_case_study(i, {"D": 5}) for i in (4, 5)]
    pool += [small_case_study(i, {"B": 4}) for i in (6, 7, 8, 9)]
    spec = SpecConstraints(
        total_marks=30, total_marks_tolerance=12,
        theme_marks={"A": (6, 2), "C": (8, 0), "D": (10, 0)},
        enemy_sets=[frozenset({4, 5})],
    )
    result = assemble(spec, pool)
    assert result.status == AssemblyStatus.INFEASIBLE
    assert sorted(sorted(names) for names in result.blocking) == [
        ["enemy:{4,5}", "theme:A"], ["enemy:{4,5}", "theme:C"],
        ["theme:A", "theme:D"], ["theme:C", "theme:D"],
    ]
    reason = result.infeasible[result.blocking.index(frozenset({"theme:A", "enemy:{4,5}"}))]
    assert reason.startswith(
        "No paper can meet both theme A marks (4–8) and enemy set {4, 5} together with the "
        "other constraints; relaxing both would allow one."
    )
    assert "The nearest paper found has 12 marks in theme A." in reason


def test_exposure_limit_that_empties_the_pool_is_named():
    pool = [small_case_study(i, {"A": 10}, exposure=2) for i in range(1, 6)]
    spec = SpecConstraints(total_marks=20, max_exposure=1)
    result = assemble(spec, pool)
    assert result.infeasible == [
        "No case study is eligible: all 5 in the pool have appeared in more than 1 earlier "
        "paper, the exposure limit."
    ]
    assert result.blocking == [frozenset({"exposure"})]


def test_parallel_papers_blocked_by_a_scarce_theme_are_diagnosed():
    # Two papers each need 8 marks in theme C; the pool holds 17, in pieces of 8, 5 and 4 —
    # enough in all, and one paper can have 8, but no split gives both papers 8. The pre-checks
    # pass; the diagnosis must find it.
    pool = [small_case_study(1, {"C": 8, "A": 4}), small_case_study(2, {"C": 5, "A": 4}),
            small_case_study(3, {"C": 4, "A": 4})] + theme_pool()[3:]
    spec = SpecConstraints(
        total_marks=20, total_marks_tolerance=8,
        theme_marks={"C": (8, 0)},
    )
    assert assemble(spec, pool).ok
    result = assemble(spec, pool, 2)
    assert result.status == AssemblyStatus.INFEASIBLE
    assert frozenset({"theme:C"}) in result.blocking
    assert frozenset({"parallel"}) in result.blocking
    assert (
        "2 parallel papers cannot be assembled without sharing case studies: the pool does not "
        "hold enough suitable case studies to give each paper its own."
    ) in result.infeasible


def test_a_tight_time_limit_still_returns_only_conforming_papers_or_says_so():
    result = assemble(SPEC, POOL, 3, time_limit_s=0.05)
    assert result.status in set(AssemblyStatus)
    if result.ok:
        assert all(row.met for rows in result.conformance for row in rows)
    if result.status in (AssemblyStatus.FEASIBLE, AssemblyStatus.UNKNOWN):
        assert result.notes
    if result.status == AssemblyStatus.UNKNOWN:
        assert result.papers == [] and result.infeasible == []


def test_an_empty_pool_is_said_plainly():
    result = assemble(SPEC, [])
    assert result.infeasible == ["The pool holds no approved case studies."]


# --- malformed input -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"total_marks": -5}, "Total marks must be a positive whole number"),
        ({"total_marks_tolerance": -1}, "tolerance must be a whole number of 0 or more"),
        ({"total_marks_tolerance": 40}, "must be smaller than the total"),
        ({"theme_marks": {"E": (5, 1)}}, "Theme 'E' is not one of A, B, C or D"),
        ({"theme_marks": {"A": (5, 6)}}, r"Theme A tolerance \(6\) is larger than its target"),
        ({"theme_marks": {"A": (-5, 0)}}, "cannot be negative"),
        ({"theme_marks": {"A": (30, 0), "B": (20, 0)}}, "theme minimums add up to 50"),
        ({"theme_marks": {t: (5, 0) for t in "ABCD"}}, "theme maximums add up to 20"),
        ({"item_type_mix": {"essay": (1, 2)}}, "Item type 'essay' is not known"),
        ({"item_type_mix": {"sba": (4, 2)}}, "no smaller than it"),
        ({"standard_marks": {6: (-1, 4)}}, "Standard 6 marks must run"),
        ({"n_case_studies": 0}, "at least 1"),
        ({"n_case_studies": (5, 3)}, "no smaller than the minimum"),
        ({"enemy_sets": [frozenset({4})]}, "at least two case studies"),
        ({"max_exposure": -1}, "maximum exposure"),
    ],
)
def test_a_malformed_spec_is_refused(changes, message):
    with pytest.raises(ValueError, match=message):
        SpecConstraints(**{"total_marks": 36, **changes})


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"n_papers": 0}, "number of papers"),
        ({"difficulty_target": 1.5}, "difficulty target"),
        ({"time_limit_s": 0}, "time limit"),
        ({"facility_tolerance": -0.1}, "facility tolerance"),
        ({"cut_tolerance_marks": -1}, "cut tolerance"),
    ],
)
def test_malformed_assembly_arguments_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        assemble(SPEC, POOL, **kwargs)


def test_a_pool_listing_a_case_study_twice_is_refused():
    with pytest.raises(ValueError, match="more than once"):
        assemble(SPEC, [POOL[0], POOL[0]])


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"marks_by_theme": {"A": 5, "B": 4}}, "add up to 9, not its 10 total marks"),
        ({"marks_by_theme": {"Z": 10}}, "not one of A, B, C or D"),
        ({"item_type_counts": {"essay": 1}}, "item type 'essay' is not known"),
        ({"expected_facility": 1.2}, "between 0 and 1"),
        ({"exposure": -1}, "exposure"),
    ],
)
def test_a_malformed_case_study_is_refused(changes, message):
    fields = {
        "id": 1, "title": "Road traffic collision", "marks_by_theme": {"A": 10},
        "marks_by_standard": {}, "item_type_counts": {"sba": 5}, "substandards": frozenset(),
        "expected_facility": 0.6, "total_marks": 10,
    }
    with pytest.raises(ValueError, match=message):
        CaseStudySummary(**{**fields, **changes})


# --- property: whatever assembly returns conforms --------------------------------------------


@st.composite
def pools_and_specs(draw):
    """A random pool and a spec built around a random subset of it, so a paper exists."""
    seed = draw(st.integers(0, 10_000))
    size = draw(st.integers(4, 9))
    rng = random.Random(seed)
    pool = [
        make_case_study(rng, cs_id, rng.choice("ABCD"), exposure=rng.choice([0, 0, 1, 2]))
        for cs_id in range(1, size + 1)
    ]
    witness = draw(st.lists(st.sampled_from(pool), min_size=1, max_size=size, unique=True))
    witness_ids = {cs.id for cs in witness}
    total = sum(cs.total_marks for cs in witness)
    slack = draw(st.integers(0, 3))
    theme_marks = {}
    for theme in draw(st.sets(st.sampled_from("ABCD"))):
        marks = sum(cs.marks_by_theme.get(theme, 0) for cs in witness)
        tolerance = draw(st.integers(0, 3))
        target = marks + draw(st.integers(-tolerance, tolerance))
        if target - tolerance >= 0:
            theme_marks[theme] = (target, tolerance)
    types = {}
    for item_type in draw(st.sets(st.sampled_from(ITEM_TYPES), max_size=2)):
        count = sum(cs.item_type_counts.get(item_type, 0) for cs in witness)
        types[item_type] = (max(count - 1, 0), count + draw(st.integers(0, 1)))
    outsiders = [cs.id for cs in pool if cs.id not in witness_ids]
    enemies = []
    if outsiders and draw(st.booleans()):
        # An enemy set may hold at most one witness member, so the witness stays legal.
        enemies.append(frozenset({draw(st.sampled_from(sorted(witness_ids))), outsiders[0]}))
    spec = SpecConstraints(
        # The target may sit up to ``slack`` below the witness's total; the tolerance must stay
        # smaller than that target, hence more than twice the slack.
        total_marks=total + draw(st.integers(-slack, slack)) if total > 2 * slack else total,
        total_marks_tolerance=slack if total > 2 * slack else 0,
        theme_marks=theme_marks,
        item_type_mix=types,
        n_case_studies=(max(len(witness) - 1, 1), len(witness) + 1),
        enemy_sets=enemies,
        max_exposure=max(cs.exposure for cs in witness) if draw(st.booleans()) else None,
    )
    return spec, pool, witness


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pools_and_specs())
def test_any_assembled_paper_conforms_and_covers_at_least_as_much_as_a_known_one(case):
    spec, pool, witness = case
    assume_conforming = all(row.met for row in conformance(spec, witness))
    assert assume_conforming, "the strategy builds the spec around the witness"
    result = assemble(spec, pool)
    assert result.status == AssemblyStatus.OPTIMAL
    [paper] = result.papers
    assert all(row.met for row in conformance(spec, by_id(paper, pool)))
    assert result.figures[0].coverage >= paper_figures(witness).coverage
