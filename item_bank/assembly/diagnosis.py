"""Which constraint makes a spec impossible, when no single-constraint pre-check says so.

The constraints-only programme is made elastic (see ``Programme.elastic``): every spec constraint
group — a theme, a type, an enemy set, the exposure limit, "no sharing between parallel papers" —
may be switched off at a cost of 1. The cheapest solution switches off the fewest groups, and
among those violates them least, so it names a smallest set of constraints whose relaxation
allows a paper, with the nearest values reached. A no-good cut then excludes that set and the
solve repeats, to list every alternative of the same size: an examiner told "relax theme D, or
lift enemy set {3, 7}" can choose. This is the elastic-filter idea of Chinneck (2008),
*Feasibility and Infeasibility in Optimization*, applied to groups rather than single rows.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from .formulation import (
    CUT_BAND,
    EXPOSURE,
    FACILITY_BAND,
    PARALLEL,
    DifficultyAims,
    Formulation,
    formulate,
)
from .inputs import CaseStudySummary, Requirement, SpecConstraints, and_list, enemy_name
from .prechecks import Blocker
from .programme import Solution, SolveOutcome

MAX_ALTERNATIVES = 8


def diagnose(
    spec: SpecConstraints,
    pool: Sequence[CaseStudySummary],
    n_papers: int,
    aims: DifficultyAims,
    time_limit_s: float,
) -> list[Blocker]:
    """Smallest sets of constraints that, relaxed, would allow the papers; alternatives listed."""
    deadline = time.monotonic() + time_limit_s
    # The whole pool goes in, over-exposed case studies too, so that the exposure limit is one
    # more constraint the diagnosis may point at.
    formulation = formulate(spec, pool, n_papers, aims, with_objective=False)
    elastic, switches = formulation.programme.elastic(formulation.programme.groups)
    blockers: list[Blocker] = []
    smallest = None
    while len(blockers) < MAX_ALTERNATIVES:
        solution = elastic.solve(deadline - time.monotonic())
        if solution.outcome == SolveOutcome.INFEASIBLE or solution.values is None:
            break
        relaxed = [group for group, switch in switches.items() if solution.values[switch] > 0.5]
        if not relaxed or (smallest is not None and len(relaxed) > smallest):
            break
        smallest = len(relaxed)
        blockers.append(_describe(spec, formulation, solution, relaxed, aims))
        if solution.outcome != SolveOutcome.OPTIMAL or time.monotonic() >= deadline:
            break
        elastic.row({switches[group]: 1.0 for group in relaxed}, hi=len(relaxed) - 1)
    if not blockers:
        blockers.append(
            Blocker(
                frozenset(),
                "No paper can meet the spec, and the constraint responsible could not be "
                "isolated within the time limit.",
            )
        )
    return blockers


def _describe(
    spec: SpecConstraints,
    formulation: Formulation,
    solution: Solution,
    relaxed: list[str],
    aims: DifficultyAims,
) -> Blocker:
    if len(relaxed) == 1:
        return Blocker(
            frozenset(relaxed), _describe_one(spec, formulation, solution, relaxed[0], aims)
        )
    names = and_list([_short_label(spec, formulation.n_papers, group) for group in relaxed])
    details = _nearest(spec, formulation, solution, *relaxed)
    both = "both " if len(relaxed) == 2 else ""
    reason = (
        f"No paper can meet {both}{names} together with the other constraints; relaxing "
        f"{'both' if both else 'all of them'} would allow one."
    )
    return Blocker(frozenset(relaxed), f"{reason} {details}".strip())


def _requirements(spec: SpecConstraints) -> dict[str, Requirement]:
    return {requirement.name: requirement for requirement in spec.requirements()}


def _short_label(spec: SpecConstraints, n_papers: int, group: str) -> str:
    requirement = _requirements(spec).get(group)
    if requirement is not None:
        # Lower-case the first letter only: "Theme A marks" → "theme A marks".
        label = requirement.label[0].lower() + requirement.label[1:]
        return f"{label} ({requirement.required})"
    if group == EXPOSURE:
        return f"the exposure limit (at most {spec.max_exposure})"
    if group == PARALLEL:
        return f"{n_papers} papers sharing no case study"
    if group == FACILITY_BAND:
        return "the expected facility band"
    if group == CUT_BAND:
        return "the expected cut band"
    return f"enemy set {_enemy_ids(spec, group)}"


def _enemy_ids(spec: SpecConstraints, group: str) -> str:
    for enemies in spec.enemy_sets:
        if enemy_name(enemies) == group:
            return "{" + ", ".join(str(cs_id) for cs_id in sorted(enemies)) + "}"
    return group


def _describe_one(
    spec: SpecConstraints,
    formulation: Formulation,
    solution: Solution,
    group: str,
    aims: DifficultyAims,
) -> str:
    n_papers = formulation.n_papers
    requirement = _requirements(spec).get(group)
    if requirement is not None:
        return (
            f"{requirement.label} (required {requirement.required}) cannot be met together with "
            f"the other constraints. {_nearest(spec, formulation, solution, group)}"
        ).strip()
    if group == PARALLEL:
        return (
            f"{n_papers} parallel papers cannot be assembled without sharing case studies: the "
            f"pool does not hold enough suitable case studies to give each paper its own."
        )
    if group == EXPOSURE:
        limit = (
            "no earlier paper" if spec.max_exposure == 0
            else f"at most {spec.max_exposure} earlier "
            f"{'paper' if spec.max_exposure == 1 else 'papers'}"
        )
        return (
            f"The exposure limit ({limit}) leaves too few case studies. "
            f"{_nearest(spec, formulation, solution, group)}"
        ).strip()
    if group == FACILITY_BAND:
        low = aims.target_facility - (aims.facility_tolerance or 0.0)
        high = aims.target_facility + (aims.facility_tolerance or 0.0)
        return (
            f"The expected facility of each paper (required {low:.2f}–{high:.2f}) cannot be met "
            f"together with the other constraints."
        )
    if group == CUT_BAND:
        return (
            f"The expected cut of each paper (required within {aims.cut_tolerance_marks:g} marks "
            f"of the pool's rate of {aims.cut_rate:.2f} per mark) cannot be met together with the "
            f"other constraints."
        )
    ids = _enemy_ids(spec, group)
    where = "the paper" if n_papers == 1 else "one paper"
    return (
        f"Enemy set {ids} (at most one per paper) cannot be respected: every selection that "
        f"meets the other constraints puts more than one of them in {where}."
    )


def _nearest(
    spec: SpecConstraints, formulation: Formulation, solution: Solution, *groups: str
) -> str:
    """What the nearest relaxed solution reached on these constraints, in one sentence or two."""
    assert solution.values is not None
    several = formulation.n_papers > 1
    subject = "The nearest papers found" if several else "The nearest paper found"
    reached = [
        fragment for group in groups if (fragment := _reached(spec, formulation, solution, group))
    ]
    sentences = []
    if reached:
        sentences.append(f"{subject} {'have' if several else 'has'} {and_list(reached)}.")
    if EXPOSURE in groups:
        used = [
            cs
            for (index, _), var in formulation.selection.items()
            if solution.values[var] > 0.5
            and (cs := formulation.case_studies[index]).exposure > (spec.max_exposure or 0)
        ]
        parts = [
            f"case study {cs.id} (in {cs.exposure} earlier "
            f"{'paper' if cs.exposure == 1 else 'papers'})"
            for cs in sorted(used, key=lambda cs: cs.id)
        ]
        if parts:
            sentences.append(f"{subject} would use {and_list(parts)}.")
    return " ".join(sentences)


def _reached(
    spec: SpecConstraints, formulation: Formulation, solution: Solution, group: str
) -> str:
    """'12 marks in theme A', or per paper '8 and 9 marks in theme C'; '' if not a sum."""
    requirement = _requirements(spec).get(group)
    if requirement is None:
        return ""
    rows = sorted(formulation.programme.rows_of(group), key=lambda row: row.paper or 0)
    values = [str(round(solution.activity(row))) for row in rows]
    return f"{and_list(values)} {requirement.quantity}"
