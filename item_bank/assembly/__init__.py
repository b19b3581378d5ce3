"""Exam-spec conformance and automatic paper assembly — pure: numpy and scipy, no database.

Services hand in plain summaries of approved case studies (``CaseStudySummary``) and an exam
spec (``SpecConstraints``); this package answers two questions:

- ``conformance(spec, selected)``: does this selection meet the spec? One row per constraint,
  for the live table of a hand-built paper.
- ``assemble(spec, pool, n_papers)``: choose case studies for one or several parallel papers
  that meet every constraint, cover as many distinct sub-standards as possible and are balanced
  in expected difficulty (and, once Angoff ratings exist, in expected cut) — or say precisely
  which constraint cannot be met.

Assembly is automated test assembly as a 0–1 integer programme, after W. J. van der Linden
(2005), *Linear Models for Optimal Test Design*, New York: Springer — testlets as the unit of
selection (ch. 7), several parallel forms at once with no overlap (ch. 6), linearised
absolute-deviation objectives for a target difficulty — and it is solved with HiGHS through
``scipy.optimize.milp``. An impossible spec is explained first by single-constraint pre-checks,
then by elastic relaxation of constraint groups (J. W. Chinneck, 2008, *Feasibility and
Infeasibility in Optimization*, Springer).

Modules: ``inputs`` (the frozen inputs and their validation), ``conformance``, ``prechecks``,
``programme`` (a small MILP builder), ``formulation`` (the programme and its objective weights),
``diagnosis`` (why a spec is impossible), ``automatic`` (``assemble`` and its result).
"""

from .automatic import (
    AssemblyResult,
    AssemblyStatus,
    PaperFigures,
    assemble,
    mean_facility,
    paper_figures,
    running_order,
)
from .conformance import ConstraintCheck, conformance
from .formulation import difficulty_weight
from .inputs import (
    ITEM_TYPES,
    THEMES,
    CaseStudySummary,
    Requirement,
    SpecConstraints,
)

__all__ = [
    "ITEM_TYPES",
    "THEMES",
    "AssemblyResult",
    "AssemblyStatus",
    "CaseStudySummary",
    "ConstraintCheck",
    "PaperFigures",
    "Requirement",
    "SpecConstraints",
    "assemble",
    "conformance",
    "difficulty_weight",
    "mean_facility",
    "paper_figures",
    "running_order",
]
