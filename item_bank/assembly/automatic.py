"""Automatic assembly of one or several parallel papers from a pool of approved case studies."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from .conformance import ConstraintCheck, conformance
from .diagnosis import diagnose
from .formulation import DifficultyAims, formulate
from .inputs import THEMES, CaseStudySummary, SpecConstraints
from .prechecks import Blocker, eligible_case_studies, precheck
from .programme import SolveOutcome


class AssemblyStatus(StrEnum):
    OPTIMAL = "optimal"  # proven best: maximal coverage, then best difficulty balance
    FEASIBLE = "feasible"  # time limit reached: papers meet the spec, not proven best
    INFEASIBLE = "infeasible"  # no set of papers can meet the spec; ``infeasible`` says why
    UNKNOWN = "unknown"  # time limit reached before any paper was found or ruled out


@dataclass(frozen=True)
class PaperFigures:
    coverage: int  # distinct sub-standards covered
    total_marks: int
    expected_facility: float  # mark-weighted
    expected_cut_marks: float | None  # None unless every case study in it has Angoff ratings


@dataclass(frozen=True)
class AssemblyResult:
    status: AssemblyStatus
    papers: list[list[int]]  # case-study ids, in running order
    conformance: list[list[ConstraintCheck]]  # per paper
    figures: list[PaperFigures]  # per paper
    facility_target: float
    infeasible: list[str]  # reasons, in words; empty unless status is INFEASIBLE
    # The constraints behind each reason, by their conformance names, plus "parallel" (papers
    # share no case study), "facility_band", "cut_band" and "pool" (empty). Several sets are
    # alternatives: relaxing any one set would allow the papers.
    blocking: list[frozenset[str]]
    notes: list[str]

    @property
    def ok(self) -> bool:
        return self.status in (AssemblyStatus.OPTIMAL, AssemblyStatus.FEASIBLE)

    @property
    def facility_spread(self) -> float:
        facilities = [figures.expected_facility for figures in self.figures]
        return max(facilities) - min(facilities) if facilities else 0.0

    @property
    def cut_spread(self) -> float | None:
        cuts = [figures.expected_cut_marks for figures in self.figures]
        if not cuts or any(cut is None for cut in cuts):
            return None
        return max(cuts) - min(cuts)


def mean_facility(case_studies: Sequence[CaseStudySummary]) -> float:
    """Mark-weighted mean facility, i.e. the expected proportion of marks scored."""
    marks = sum(cs.total_marks for cs in case_studies)
    return sum(cs.expected_facility * cs.total_marks for cs in case_studies) / marks


def paper_figures(paper: Sequence[CaseStudySummary]) -> PaperFigures:
    cuts = [cs.expected_cut_marks for cs in paper]
    return PaperFigures(
        coverage=len(frozenset().union(*(cs.substandards for cs in paper))),
        total_marks=sum(cs.total_marks for cs in paper),
        expected_facility=mean_facility(paper) if paper else math.nan,
        expected_cut_marks=None if not paper or None in cuts else float(sum(cuts)),
    )


def running_order(paper: Sequence[CaseStudySummary]) -> list[CaseStudySummary]:
    """Themes in framework order (by each case study's largest theme), easier first within one.

    Following the framework's order lets candidates move through the Standards as they learned
    them; opening each theme with its more accessible case study settles them before the harder
    ones. The id breaks remaining ties so the order is reproducible.
    """

    def main_theme(cs: CaseStudySummary) -> int:
        return max(range(len(THEMES)), key=lambda t: (cs.marks_by_theme.get(THEMES[t], 0), -t))

    return sorted(paper, key=lambda cs: (main_theme(cs), -cs.expected_facility, cs.id))


def assemble(
    spec: SpecConstraints,
    pool: Sequence[CaseStudySummary],
    n_papers: int = 1,
    *,
    difficulty_target: float | None = None,
    facility_tolerance: float | None = None,
    cut_tolerance_marks: float | None = None,
    time_limit_s: float = 20.0,
) -> AssemblyResult:
    """Choose case studies for ``n_papers`` parallel papers that each meet ``spec``.

    ``pool`` holds approved case studies only (the caller's query decides that); the exposure
    limit is applied here. Among conforming choices the papers cover as many distinct
    sub-standards as possible, then come as close as possible to ``difficulty_target`` (default:
    the mark-weighted mean facility of the pool) and to each other — and, when every case study
    has Angoff ratings, to each other's expected cut.

    Those difficulty aims only break ties between equally covering choices. To insist on them,
    ``facility_tolerance`` requires each paper's expected facility within target ± tolerance,
    and ``cut_tolerance_marks`` each paper's expected cut within that many marks of the pool's
    cut rate × its marks (ignored unless every eligible case study has Angoff ratings); both are
    then constraints like the spec's, and named when they make assembly impossible.

    ``time_limit_s`` bounds the main solve, and separately the diagnosis when the spec proves
    impossible, so a call takes at most about twice that.
    """
    if not isinstance(n_papers, int) or isinstance(n_papers, bool) or n_papers < 1:
        raise ValueError("The number of papers must be a whole number of 1 or more.")
    if not time_limit_s > 0:
        raise ValueError("The time limit must be a positive number of seconds.")
    if difficulty_target is not None and not 0.0 < difficulty_target < 1.0:
        raise ValueError("The difficulty target is a facility and must lie between 0 and 1.")
    if facility_tolerance is not None and not 0.0 <= facility_tolerance < 1.0:
        raise ValueError("The facility tolerance must lie between 0 and 1.")
    if cut_tolerance_marks is not None and not cut_tolerance_marks >= 0.0:
        raise ValueError("The cut tolerance must be 0 marks or more.")
    ids = [cs.id for cs in pool]
    if len(set(ids)) != len(ids):
        duplicated = sorted({cs_id for cs_id in ids if ids.count(cs_id) > 1})
        raise ValueError(f"The pool lists case study {duplicated[0]} more than once.")

    target = difficulty_target
    if target is None:
        target = mean_facility(pool) if pool else 0.5

    blockers = precheck(spec, pool, n_papers)
    if blockers:
        return _impossible(target, blockers)

    eligible = eligible_case_studies(spec, pool)
    aims = DifficultyAims(
        target_facility=target,
        cut_rate=_cut_rate(eligible),
        facility_tolerance=facility_tolerance,
        cut_tolerance_marks=cut_tolerance_marks,
    )
    formulation = formulate(spec, eligible, n_papers, aims)
    solution = formulation.programme.solve(time_limit_s)

    if solution.outcome == SolveOutcome.INFEASIBLE:
        return _impossible(target, diagnose(spec, pool, n_papers, aims, time_limit_s))
    if solution.outcome == SolveOutcome.STOPPED_WITHOUT_SOLUTION:
        return AssemblyResult(
            AssemblyStatus.UNKNOWN, [], [], [], target, [], [],
            [
                f"No paper was found within the {time_limit_s:g}-second limit, and none was "
                f"ruled out; a longer limit may find one."
            ],
        )

    papers = [running_order(paper) for paper in formulation.papers(solution)]
    notes = []
    if solution.outcome == SolveOutcome.STOPPED_WITH_SOLUTION:
        notes.append(
            f"The time limit of {time_limit_s:g} seconds was reached: the papers meet the spec, "
            f"but better coverage or balance may exist."
        )
    return AssemblyResult(
        status=(
            AssemblyStatus.OPTIMAL
            if solution.outcome == SolveOutcome.OPTIMAL
            else AssemblyStatus.FEASIBLE
        ),
        papers=[[cs.id for cs in paper] for paper in papers],
        conformance=[conformance(spec, paper) for paper in papers],
        figures=[paper_figures(paper) for paper in papers],
        facility_target=target,
        infeasible=[],
        blocking=[],
        notes=notes,
    )


def _cut_rate(eligible: Sequence[CaseStudySummary]) -> float | None:
    """The pool's expected cut per mark, when every case study has Angoff ratings."""
    if any(cs.expected_cut_marks is None for cs in eligible):
        return None
    return sum(cs.expected_cut_marks for cs in eligible) / sum(cs.total_marks for cs in eligible)


def _impossible(target: float, blockers: list[Blocker]) -> AssemblyResult:
    return AssemblyResult(
        status=AssemblyStatus.INFEASIBLE,
        papers=[],
        conformance=[],
        figures=[],
        facility_target=target,
        infeasible=[blocker.reason for blocker in blockers],
        blocking=[blocker.names for blocker in blockers],
        notes=[],
    )
