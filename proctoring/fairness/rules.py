"""The arithmetic of the fairness report (pure).

The unit is one candidate's invigilation in one sitting (a candidate who sat twice counts twice).
For a flag kind: flags per candidate (flags ÷ candidates), the share of candidates flagged at least
once, and of the flags a person reviewed, the share confirmed and the share dismissed (a dismissed
flag is a false flag: the policy saw something that was not there, or not a concern).

Across groups, each group is compared with everyone else who answered (the rest): the share of
each with the measure (e.g. flagged at least once), the ratio of the two shares, and Fisher's exact
test (two-sided) of the 2 × 2 table. A group, or a rest, smaller than the minimum is not reported
and its size is not shown, so that nobody small is exposed.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from scipy.stats import fisher_exact

from proctoring.rules import FlagDecision, FlagKind

FLAG_KIND_LABELS = {
    FlagKind.NO_FACE: "No face seen",
    FlagKind.SEVERAL_FACES: "More than one face",
    FlagKind.CAMERA_DARK: "Camera covered or dark",
    FlagKind.CAMERA_ENDED: "Camera stopped",
    FlagKind.TAB_HIDDEN: "Away from the exam's tab",
    FlagKind.FOCUS_LOST: "Repeated focus loss",
    FlagKind.CONNECTION_LOST: "Connection lost",
    FlagKind.HEARTBEAT_MISSING: "Heartbeats missing",
    FlagKind.COPY_PASTE: "Copy, cut or paste",
    FlagKind.FULLSCREEN_EXIT: "Left full screen",
    FlagKind.SECOND_SCREEN: "Second screen",
}


@dataclass(frozen=True)
class FlagFact:
    """One flag: whose invigilation, its kind, and the standing review decision (None: not reviewed)."""

    unit_id: int
    kind: FlagKind
    decision: FlagDecision | None = None


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


@dataclass(frozen=True)
class KindRate:
    kind: FlagKind | None  # None: every kind together
    n_candidates: int
    n_flags: int
    n_flagged: int  # candidates with at least one such flag
    n_confirmed: int
    n_dismissed: int

    @property
    def label(self) -> str:
        return FLAG_KIND_LABELS[self.kind] if self.kind else "Any flag"

    @property
    def flags_per_candidate(self) -> float | None:
        return _share(self.n_flags, self.n_candidates)

    @property
    def share_flagged(self) -> float | None:
        return _share(self.n_flagged, self.n_candidates)

    @property
    def n_reviewed(self) -> int:
        return self.n_confirmed + self.n_dismissed

    @property
    def n_unreviewed(self) -> int:
        return self.n_flags - self.n_reviewed

    @property
    def share_confirmed(self) -> float | None:
        return _share(self.n_confirmed, self.n_reviewed)

    @property
    def share_dismissed(self) -> float | None:
        return _share(self.n_dismissed, self.n_reviewed)

    def as_json(self) -> dict:
        return {"kind": str(self.kind) if self.kind else "any", "label": self.label,
                "candidates": self.n_candidates, "flags": self.n_flags, "candidates_flagged": self.n_flagged,
                "flags_per_candidate": self.flags_per_candidate, "share_flagged": self.share_flagged,
                "confirmed": self.n_confirmed, "dismissed": self.n_dismissed, "unreviewed": self.n_unreviewed,
                "share_confirmed": self.share_confirmed, "share_dismissed": self.share_dismissed}


def kind_rates(unit_ids: Iterable[int], flags: Iterable[FlagFact]) -> list[KindRate]:
    """Every kind together first, then each kind that has a flag, in FlagKind's order. Flags of
    units outside ``unit_ids`` are ignored."""
    units = set(unit_ids)
    flags = [f for f in flags if f.unit_id in units]

    def rate(kind: FlagKind | None) -> KindRate:
        chosen = [f for f in flags if kind is None or f.kind == kind]
        return KindRate(kind, len(units), len(chosen), len({f.unit_id for f in chosen}),
                        sum(1 for f in chosen if f.decision == FlagDecision.CONFIRMED),
                        sum(1 for f in chosen if f.decision == FlagDecision.DISMISSED))

    present = {f.kind for f in flags}
    return [rate(None)] + [rate(kind) for kind in FlagKind if kind in present]


@dataclass(frozen=True)
class Measure:
    """What is compared across groups: which candidates have it."""

    key: str
    label: str


ANY_FLAG = Measure("any", "Flagged at least once")
DISMISSED_FLAG = Measure("dismissed", "At least one flag dismissed on review (a false flag)")


def measures_of(flags: Iterable[FlagFact]) -> list[tuple[Measure, set[int]]]:
    """The measures compared across groups, each with the units that have it: any flag, a dismissed
    flag, and each kind of flag raised."""
    flags = list(flags)
    found = [(ANY_FLAG, {f.unit_id for f in flags}),
             (DISMISSED_FLAG, {f.unit_id for f in flags if f.decision == FlagDecision.DISMISSED})]
    for kind in FlagKind:
        units = {f.unit_id for f in flags if f.kind == kind}
        if units:
            found.append((Measure(str(kind), f"Flagged: {FLAG_KIND_LABELS[kind].lower()}"), units))
    return found


@dataclass(frozen=True)
class GroupRow:
    group: str
    label: str
    suppressed: bool
    n_group: int | None = None
    k_group: int | None = None  # of the group, how many have the measure
    rate_group: float | None = None
    rate_rest: float | None = None
    ratio: float | None = None  # rate_group / rate_rest (None when the rest's rate is 0)
    p_value: float | None = None

    def as_json(self) -> dict:
        if self.suppressed:
            return {"group": self.group, "label": self.label, "suppressed": True}
        return {"group": self.group, "label": self.label, "suppressed": False, "candidates": self.n_group,
                "with_measure": self.k_group, "rate": self.rate_group, "rate_rest": self.rate_rest,
                "ratio": self.ratio, "p_value": self.p_value}


def fisher_p(k_group: int, n_group: int, k_rest: int, n_rest: int) -> float:
    """Fisher's exact test, two-sided, of [[k_group, n_group - k_group], [k_rest, n_rest - k_rest]]."""
    if not (0 <= k_group <= n_group and 0 <= k_rest <= n_rest):
        raise ValueError("a count is larger than its group")
    return float(fisher_exact([[k_group, n_group - k_group], [k_rest, n_rest - k_rest]],
                              alternative="two-sided").pvalue)


def compare_groups(groups: Mapping[int, str], labels: Mapping[str, str], having: set[int],
                   min_group: int) -> list[GroupRow]:
    """Each group against the rest of those with a group (``groups``: unit → group value). A group
    or a rest smaller than ``min_group`` is suppressed (no numbers, its size not shown)."""
    if min_group < 1:
        raise ValueError("the minimum group size must be 1 or more")
    total = len(groups)
    k_total = sum(1 for unit in groups if unit in having)
    rows = []
    for value in sorted(set(groups.values()), key=lambda v: (labels.get(v, v), v)):
        members = [unit for unit, group in groups.items() if group == value]
        n_group, n_rest = len(members), total - len(members)
        label = labels.get(value, value)
        if n_group < min_group or n_rest < min_group:
            rows.append(GroupRow(value, label, True))
            continue
        k_group = sum(1 for unit in members if unit in having)
        k_rest = k_total - k_group
        rate_group, rate_rest = k_group / n_group, k_rest / n_rest
        rows.append(GroupRow(value, label, False, n_group, k_group, rate_group, rate_rest,
                             rate_group / rate_rest if rate_rest else None, fisher_p(k_group, n_group, k_rest, n_rest)))
    return rows


def bonferroni_threshold(n_tests: int, alpha: float = 0.05) -> float | None:
    return alpha / n_tests if n_tests else None


def multiple_comparisons_note(n_tests: int, alpha: float = 0.05) -> str:
    """Plain words about reading many p-values at once."""
    if n_tests == 0:
        return "No group could be compared, so no test was made."
    if n_tests == 1:
        return (f"One comparison was tested. A p-value below {alpha:g} suggests a difference that chance alone "
                "would rarely produce; it does not say why the rates differ.")
    expected = n_tests * alpha
    return (f"{n_tests} comparisons were tested at once. Even if flags were raised with no regard to group, "
            f"about {expected:.1f} of them would show p below {alpha:g} by chance alone, so one small p-value "
            f"is not proof of bias. A stricter line for {n_tests} tests (Bonferroni) is p below "
            f"{bonferroni_threshold(n_tests, alpha):.4f}. A p-value says only how surprising a difference is; "
            "the ratio says how large it is. Either way, a difference is a reason to look at the flags and the "
            "policy behind them, not a finding about anyone.")
