"""Fast necessary conditions, checked before the integer programme.

Each check looks at one constraint on its own, so when it fails the reason names exactly that
constraint and the numbers behind it — clearer than anything read back from a solver.
Passing them all does not prove a paper exists; the programme (and its diagnosis) decides that.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .inputs import CaseStudySummary, Requirement, SpecConstraints, and_list


@dataclass(frozen=True)
class Blocker:
    """A constraint that cannot be met, by its conformance name, with the reason in words."""

    names: frozenset[str]
    reason: str


def eligible_case_studies(
    spec: SpecConstraints, pool: Sequence[CaseStudySummary]
) -> list[CaseStudySummary]:
    if spec.max_exposure is None:
        return list(pool)
    return [cs for cs in pool if cs.exposure <= spec.max_exposure]


def _earlier_papers(count: int) -> str:
    return f"{count} earlier paper" if count == 1 else f"{count} earlier papers"


def precheck(
    spec: SpecConstraints, pool: Sequence[CaseStudySummary], n_papers: int
) -> list[Blocker]:
    """Reasons no set of ``n_papers`` parallel papers can meet the spec, or ``[]``."""
    if not pool:
        return [Blocker(frozenset({"pool"}), "The pool holds no approved case studies.")]
    eligible = eligible_case_studies(spec, pool)
    if not eligible:
        if spec.max_exposure == 0:
            used = "in an earlier paper, and the exposure limit allows none"
        else:
            used = (
                f"in more than {_earlier_papers(spec.max_exposure)}, the exposure limit"
            )
        return [
            Blocker(
                frozenset({"exposure"}),
                f"No case study is eligible: all {len(pool)} in the pool have appeared {used}.",
            )
        ]
    filtered = len(eligible) < len(pool)
    blockers = []
    for requirement in spec.requirements():
        blocker = _capacity(requirement, eligible, n_papers, filtered)
        if blocker is None and requirement.kind != "count":
            blocker = _granularity(requirement, spec, eligible)
        if blocker is not None:
            blockers.append(blocker)
    return blockers


def _capacity(
    requirement: Requirement,
    eligible: Sequence[CaseStudySummary],
    n_papers: int,
    filtered: bool,
) -> Blocker | None:
    """Parallel papers share no case study, so the pool must hold n × the minimum of each."""
    held = sum(requirement.amount(cs) for cs in eligible)
    needed = n_papers * requirement.lo
    if held >= needed:
        return None
    pool_words = "the pool after the exposure limit" if filtered else "the pool"
    if requirement.kind == "count":
        eligible_words = " eligible after the exposure limit" if filtered else ""
        if n_papers == 1:
            reason = (
                f"The paper needs at least {requirement.lo} case studies, but the pool has "
                f"only {held}{eligible_words}."
            )
        else:
            reason = (
                f"{n_papers} parallel papers need {needed} case studies ({requirement.lo} "
                f"each), but the pool has only {held}{eligible_words}."
            )
    elif n_papers == 1:
        subject = {
            "total": "The paper",
            "theme": f"Theme {requirement.key}",
            "standard": f"Standard {requirement.key}",
            "type": "The paper",
        }[requirement.kind]
        unit = "marks" if requirement.kind != "type" else requirement.quantity
        reason = (
            f"{subject} needs at least {requirement.lo} {unit} but {pool_words} holds only "
            f"{held} {requirement.quantity}."
        )
    else:
        reason = (
            f"{n_papers} parallel papers need at least {needed} {requirement.quantity} in all "
            f"({requirement.lo} each) but {pool_words} holds only {held}."
        )
    return Blocker(frozenset({requirement.name}), reason)


def _granularity(
    requirement: Requirement, spec: SpecConstraints, eligible: Sequence[CaseStudySummary]
) -> Blocker | None:
    """Case studies come whole, so only some sums are reachable; is any in the window?

    A subset-sum table over (number of case studies, amount). For the total marks it respects
    the allowed number of case studies; for themes, standards and types a case study that adds
    nothing is free, so the count is left out.
    """
    amounts = [requirement.amount(cs) for cs in eligible]
    if requirement.kind == "total":
        count_lo, count_hi = spec.case_study_range
    else:
        count_lo, count_hi = 0, None
    reachable = _reachable_sums(amounts, count_lo, count_hi)
    hi = requirement.hi if requirement.hi is not None else len(reachable) - 1
    if reachable[requirement.lo : hi + 1].any():
        return None

    below = np.flatnonzero(reachable[: requirement.lo])
    above = np.flatnonzero(reachable[hi + 1 :]) + hi + 1
    nearest = [str(int(below[-1]))] if below.size else []
    nearest += [str(int(above[0]))] if above.size else []
    if requirement.kind == "total":
        how_many = "case studies"
        if spec.n_case_studies is not None:
            how_many = f"{spec_count_text(count_lo, count_hi)} case studies"
        reason = f"No combination of {how_many} in the pool sums to {requirement.required} marks"
    else:
        reason = (
            f"No combination of case studies in the pool gives {requirement.required} "
            f"{requirement.quantity}"
        )
    if nearest:
        word = "is" if len(nearest) == 1 else "are"
        reason += f" (the nearest possible {word} {and_list(nearest)})"
    return Blocker(frozenset({requirement.name}), reason + ".")


def spec_count_text(lo: int, hi: int | None) -> str:
    if hi is None:
        return f"{lo} or more"
    return str(lo) if lo == hi else f"{lo} to {hi}"


def _reachable_sums(amounts: Sequence[int], count_lo: int, count_hi: int | None) -> np.ndarray:
    """reachable[s] is True when some subset of size count_lo..count_hi sums to exactly s."""
    ceiling = sum(amounts)
    max_count = len(amounts) if count_hi is None else min(count_hi, len(amounts))
    # table[k, s]: some k case studies sum to s.
    table = np.zeros((max_count + 1, ceiling + 1), dtype=bool)
    table[0, 0] = True
    for amount in amounts:
        if max_count == 0:
            break
        # The right-hand side is evaluated into a new array first, so each case study is used
        # at most once (the classic 0/1 knapsack update, vectorised over counts).
        table[1:, amount:] = table[1:, amount:] | table[:-1, : ceiling + 1 - amount]
    if count_lo > max_count:
        return np.zeros(ceiling + 1, dtype=bool)
    return table[count_lo:].any(axis=0)
