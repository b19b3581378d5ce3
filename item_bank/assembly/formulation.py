"""The assembly integer programme (after van der Linden 2005, chapters 3, 6 and 7).

Variables, for each case study c and paper p:

- x[c, p] ∈ {0, 1}: c is in paper p.
- y[s, p] ∈ [0, 1]: sub-standard s is covered by paper p. Continuous is enough: y is rewarded
  and bounded by Σ x over the case studies covering s, so at an optimum it is min(1, that sum),
  an integer — fewer binaries for the branch and bound.
- a[p] ≥ |D[p]|, with D[p] = Σ_c (f_c − t)·m_c·x[c, p]: the paper's expected score minus the
  target facility t times its marks. With the total pinned to T ± tolerance this is the deviation
  of the paper's mark-weighted facility from t, scaled by about T — linear, unlike the ratio.
- u, l (several papers): the largest and smallest D[p]; u − l is the spread between papers.
- uc, lc (several papers, all Angoff cuts known): the same for H[p] = Σ_c (k_c − κ·m_c)·x[c, p],
  the expected cut minus the pool's cut rate κ times the paper's marks — so two papers of equal
  marks are compared on their cut marks, and papers of unequal marks on their cut as a share.

Objective (minimised):

    − Σ_p Σ_s y[s, p]  +  w · ( Σ_p a[p]  +  n·(u − l)  +  n·(uc − lc) )

Coverage counts 1 per sub-standard per paper. Each difficulty term is in marks and bounded by
the paper's maximum marks M (a facility gap is at most 1 per mark; the cut rate likewise), so the
bracket is at most n·M + 2n·M + 2n·M = 5·n·M. Setting w = 1 / (5·n·M + 1) keeps the whole
difficulty penalty below one unit of coverage: coverage dominates *lexicographically* and
difficulty only ever breaks ties, as the issue asks. The spreads carry weight n — as much as all
the papers' own deviations together — because parallel papers being equally hard is what makes
them fair to candidates; closeness to the pool mean matters less.

Constraints per paper: every spec requirement (total, themes, standards, item types, number of
case studies) as lo ≤ Σ amount·x ≤ hi; each enemy set Σ x ≤ 1. Across papers: Σ_p x[c, p] ≤ 1
(parallel papers share nothing). Optional hard bands: each paper's expected facility within
t ± τ, and its expected cut within τ marks of κ·M (see ``_add_difficulty_bands``); the soft
objective alone lets coverage win over balance, the bands let an examiner insist on it.

Papers are interchangeable, which makes the search explore mirror images (n! copies of every
solution). Numbering papers by their first case study removes
them: x[c, p] ≤ Σ_{c' ≤ c} x[c', p − 1] — a paper may hold case study c only if the paper before
it holds c or an earlier one. Any solution can be renumbered to satisfy this, shared case studies
(in the diagnosis) included, so no paper set is lost.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .inputs import CaseStudySummary, SpecConstraints, enemy_name
from .programme import Programme, Solution

PARALLEL = "parallel"
EXPOSURE = "exposure"


FACILITY_BAND = "facility_band"
CUT_BAND = "cut_band"


@dataclass(frozen=True)
class DifficultyAims:
    """What the difficulty terms aim at, and the optional hard bands around it.

    ``cut_rate`` (κ) is the eligible pool's expected cut per mark, ``None`` unless every case
    study has Angoff ratings; cuts are balanced only then.
    """

    target_facility: float
    cut_rate: float | None = None
    facility_tolerance: float | None = None
    cut_tolerance_marks: float | None = None


@dataclass
class Formulation:
    programme: Programme
    case_studies: list[CaseStudySummary]
    n_papers: int
    selection: dict[tuple[int, int], int]  # (case-study index, paper) → variable

    def papers(self, solution: Solution) -> list[list[CaseStudySummary]]:
        assert solution.values is not None
        papers: list[list[CaseStudySummary]] = [[] for _ in range(self.n_papers)]
        for (index, paper), var in self.selection.items():
            # HiGHS returns integers to within its feasibility tolerance; round, don't truncate.
            if solution.values[var] > 0.5:
                papers[paper].append(self.case_studies[index])
        return papers


def difficulty_weight(spec: SpecConstraints, n_papers: int) -> float:
    """w in the objective: the whole difficulty penalty stays below one unit of coverage."""
    most_marks = spec.total_marks_range[1]
    return 1.0 / (5.0 * n_papers * most_marks + 1.0)


def formulate(
    spec: SpecConstraints,
    case_studies: Sequence[CaseStudySummary],
    n_papers: int,
    aims: DifficultyAims,
    *,
    with_objective: bool = True,
) -> Formulation:
    """Build the programme; without the objective it holds constraints only (the diagnosis)."""
    case_studies = list(case_studies)
    programme = Programme()
    papers = range(n_papers)
    selection = {
        (index, paper): programme.binary() for index in range(len(case_studies)) for paper in papers
    }

    for requirement in spec.requirements():
        amounts = [requirement.amount(cs) for cs in case_studies]
        hi = np.inf if requirement.hi is None else requirement.hi
        for paper in papers:
            programme.row(
                {selection[i, paper]: amount for i, amount in enumerate(amounts)},
                requirement.lo, hi, group=requirement.name, paper=paper,
            )

    index_of = {cs.id: i for i, cs in enumerate(case_studies)}
    for enemies in spec.enemy_sets:
        present = [index_of[cs_id] for cs_id in enemies if cs_id in index_of]
        if len(present) < 2:
            continue
        for paper in papers:
            programme.row({selection[i, paper]: 1 for i in present}, hi=1,
                          group=enemy_name(enemies), paper=paper)

    if spec.max_exposure is not None:
        # Only the diagnosis passes over-exposed case studies in; this row then lets it ask
        # "would lifting the exposure limit help?" like any other constraint.
        over = [i for i, cs in enumerate(case_studies) if cs.exposure > spec.max_exposure]
        if over:
            programme.row({selection[i, p]: 1 for i in over for p in papers}, hi=0,
                          group=EXPOSURE)

    if n_papers > 1:
        for index in range(len(case_studies)):
            programme.row({selection[index, p]: 1 for p in papers}, hi=1, group=PARALLEL)
        for paper in range(1, n_papers):
            for index in range(len(case_studies)):
                earlier = {selection[j, paper - 1]: -1.0 for j in range(index + 1)}
                programme.row({selection[index, paper]: 1.0, **earlier}, hi=0.0)

    _add_difficulty_bands(programme, case_studies, n_papers, selection, aims)
    if with_objective:
        _add_objective(programme, spec, case_studies, n_papers, selection, aims)
    return Formulation(programme, case_studies, n_papers, selection)


def _add_objective(
    programme: Programme,
    spec: SpecConstraints,
    case_studies: list[CaseStudySummary],
    n_papers: int,
    selection: dict[tuple[int, int], int],
    aims: DifficultyAims,
) -> None:
    papers = range(n_papers)
    covering: dict[str, list[int]] = {}
    for index, cs in enumerate(case_studies):
        for code in cs.substandards:
            covering.setdefault(code, []).append(index)
    for code in sorted(covering):
        for paper in papers:
            covered = programme.variable(0.0, 1.0, cost=-1.0)
            coefficients = {covered: 1.0}
            coefficients.update({selection[i, paper]: -1.0 for i in covering[code]})
            programme.row(coefficients, hi=0.0)

    weight = difficulty_weight(spec, n_papers)
    deviation = [(cs.expected_facility - aims.target_facility) * cs.total_marks
                 for cs in case_studies]
    _absolute_and_spread(programme, selection, n_papers, deviation,
                         spread_weight=weight * n_papers, deviation_weight=weight)

    if aims.cut_rate is not None and n_papers > 1:
        cut_gap = _cut_gaps(case_studies, aims.cut_rate)
        _absolute_and_spread(programme, selection, n_papers, cut_gap,
                             spread_weight=weight * n_papers, deviation_weight=0.0)


def _cut_gaps(case_studies: list[CaseStudySummary], cut_rate: float) -> list[float]:
    # A case study without ratings (only ever an over-exposed one, in the diagnosis) counts as
    # exactly on the pool's rate, so it neither helps nor harms the balance.
    return [
        (cs.expected_cut_marks if cs.expected_cut_marks is not None else cut_rate * cs.total_marks)
        - cut_rate * cs.total_marks
        for cs in case_studies
    ]


def _add_difficulty_bands(
    programme: Programme,
    case_studies: list[CaseStudySummary],
    n_papers: int,
    selection: dict[tuple[int, int], int],
    aims: DifficultyAims,
) -> None:
    """Optional hard limits, exact despite the ratio: for a paper of M marks and facility F,
    |F − t| ≤ τ  ⇔  Σ (f_c − t − τ)·m_c·x ≤ 0  and  Σ (f_c − t + τ)·m_c·x ≥ 0.
    The cut band is already linear: |Σ (k_c − κ·m_c)·x| ≤ τ marks.
    """
    if aims.facility_tolerance is not None:
        high = aims.target_facility + aims.facility_tolerance
        low = aims.target_facility - aims.facility_tolerance
        for paper in range(n_papers):
            programme.row(
                {selection[i, paper]: (cs.expected_facility - high) * cs.total_marks
                 for i, cs in enumerate(case_studies)},
                hi=0.0, group=FACILITY_BAND, paper=paper,
            )
            programme.row(
                {selection[i, paper]: (cs.expected_facility - low) * cs.total_marks
                 for i, cs in enumerate(case_studies)},
                lo=0.0, group=FACILITY_BAND, paper=paper,
            )
    if aims.cut_tolerance_marks is not None and aims.cut_rate is not None:
        gaps = _cut_gaps(case_studies, aims.cut_rate)
        for paper in range(n_papers):
            programme.row(
                {selection[i, paper]: gap for i, gap in enumerate(gaps)},
                -aims.cut_tolerance_marks, aims.cut_tolerance_marks,
                group=CUT_BAND, paper=paper,
            )


def _absolute_and_spread(
    programme: Programme,
    selection: dict[tuple[int, int], int],
    n_papers: int,
    per_case_study: list[float],
    *,
    spread_weight: float,
    deviation_weight: float,
) -> None:
    """Linearised |Σ v·x| per paper (cost ``deviation_weight``) and max − min across papers."""
    bound = float(sum(abs(v) for v in per_case_study)) + 1.0
    sums = [
        {selection[i, paper]: v for i, v in enumerate(per_case_study)} for paper in range(n_papers)
    ]
    if deviation_weight > 0:
        for paper_sum in sums:
            absolute = programme.variable(0.0, bound, cost=deviation_weight)
            programme.row({absolute: 1.0, **{v: -c for v, c in paper_sum.items()}}, lo=0.0)
            programme.row({absolute: 1.0, **paper_sum}, lo=0.0)
    if n_papers > 1 and spread_weight > 0:
        highest = programme.variable(-bound, bound, cost=spread_weight)
        lowest = programme.variable(-bound, bound, cost=-spread_weight)
        for paper_sum in sums:
            programme.row({highest: 1.0, **{v: -c for v, c in paper_sum.items()}}, lo=0.0)
            programme.row({lowest: 1.0, **{v: -c for v, c in paper_sum.items()}}, hi=0.0)
