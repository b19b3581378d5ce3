"""The conformance table: each spec constraint, what it requires, what a paper has, met or not."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .inputs import CaseStudySummary, SpecConstraints, and_list, enemy_name


@dataclass(frozen=True)
class ConstraintCheck:
    """One row of the conformance table.

    ``name`` is a stable id ("total_marks", "case_studies", "theme:A", "standard:6", "type:sba",
    "enemy:{3,7}", "exposure") that views and the assembly diagnosis share.
    """

    name: str
    label: str
    required: str
    actual: str
    met: bool


def _ids_text(ids: Sequence[int]) -> str:
    return and_list([str(cs_id) for cs_id in sorted(ids)])


def conformance(
    spec: SpecConstraints, selected: Sequence[CaseStudySummary]
) -> list[ConstraintCheck]:
    """Check a selection of case studies (a paper, hand-built or assembled) against a spec.

    One row per constraint, in a stable order. An empty selection is allowed (the table of a
    paper not yet started); selecting the same case study twice is a ``ValueError``.
    """
    seen: set[int] = set()
    for case_study in selected:
        if case_study.id in seen:
            raise ValueError(f"Case study {case_study.id} is selected more than once.")
        seen.add(case_study.id)

    rows = []
    for requirement in spec.requirements():
        value = sum(requirement.amount(cs) for cs in selected)
        rows.append(
            ConstraintCheck(
                name=requirement.name,
                label=requirement.label,
                required=requirement.required,
                actual=str(value),
                met=requirement.is_met(value),
            )
        )
    for enemies in spec.enemy_sets:
        present = sorted(seen & enemies)
        rows.append(
            ConstraintCheck(
                name=enemy_name(enemies),
                label=f"Enemy case studies {_ids_text(list(enemies))}",
                required="at most 1",
                actual=f"{len(present)} ({_ids_text(present)})" if len(present) > 1
                else str(len(present)),
                met=len(present) <= 1,
            )
        )
    if spec.max_exposure is not None:
        rows.append(_exposure_row(spec.max_exposure, selected))
    return rows


def _exposure_row(max_exposure: int, selected: Sequence[CaseStudySummary]) -> ConstraintCheck:
    highest = max((cs.exposure for cs in selected), default=0)
    over = [cs.id for cs in selected if cs.exposure > max_exposure]
    actual = str(highest)
    if over:
        noun = "case study" if len(over) == 1 else "case studies"
        actual += f" ({noun} {_ids_text(over)} over the limit)"
    return ConstraintCheck(
        name="exposure",
        label="Earlier papers any case study has appeared in",
        required=f"at most {max_exposure}",
        actual=actual,
        met=not over,
    )
