"""The rules of a result, pure (no Flask, no database): pass or fail, feedback by theme, who is near
the cut, when a candidate may sit again.

Feedback by theme (A–D) compares the candidate's marks on the items mapped to a theme, as a share of
those items' maximum, with the pass fraction (the pass mark as a share of the paper's maximum):

- *at the standard* when the share is within ``band`` of the pass fraction (either side, inclusive);
- *above the standard* when it is higher than that; *below the standard* when it is lower.

An item counts in every theme it is mapped to (primary or other sub-standards), once per theme.
Items excluded from the run (mark ``None``) count nowhere. A theme with no items says nothing.
Only the standing is stored and shown: never item-level marks or keys.
"""
from __future__ import annotations

import datetime as dt
import enum
import math
from collections.abc import Iterable, Sequence

DEFAULT_BAND = 0.10  # ten percentage points either side of the pass fraction is "at the standard"
THEMES = ("A", "B", "C", "D")


class Outcome(enum.StrEnum):
    PASS = "pass"
    FAIL = "fail"
    WITHHELD = "withheld"
    VOIDED = "voided"

    @property
    def label(self) -> str:
        return {"pass": "Pass", "fail": "Fail", "withheld": "Result withheld", "voided": "Result voided"}[self.value]


class Standing(enum.StrEnum):
    ABOVE = "above"
    AT = "at"
    BELOW = "below"

    @property
    def label(self) -> str:
        return {"above": "Above the standard", "at": "At the standard", "below": "Below the standard"}[self.value]


class ExaminerAction(enum.StrEnum):
    """What an examiner decided about one candidate's result. The latest decision stands."""

    WITHHOLD = "withhold"
    VOID = "void"
    REINSTATE = "reinstate"

    @property
    def label(self) -> str:
        return {"withhold": "Withhold the result", "void": "Void the result",
                "reinstate": "Reinstate the result"}[self.value]


def standing_outcome(actions: Sequence[ExaminerAction | str]) -> Outcome | None:
    """The outcome examiners' decisions impose, oldest first: the latest one stands; reinstating (or no
    decision) imposes nothing."""
    if not actions:
        return None
    last = ExaminerAction(actions[-1])
    return {ExaminerAction.WITHHOLD: Outcome.WITHHELD, ExaminerAction.VOID: Outcome.VOIDED}.get(last)


def outcome_of(total: float, pass_mark: float, imposed: Outcome | None = None) -> Outcome:
    """Pass when the total reaches the pass mark (total ≥ pass mark), else fail; an examiner's
    withholding or voiding stands above both."""
    if imposed is not None:
        return imposed
    if math.isnan(total) or math.isnan(pass_mark):
        raise ValueError("a total and a pass mark are needed")
    # A float total may carry a rounding error from half marks; 1e-9 keeps 11.999999999 from failing 12.
    return Outcome.PASS if total + 1e-9 >= pass_mark else Outcome.FAIL


def standing(share: float, pass_fraction: float, band: float = DEFAULT_BAND) -> Standing:
    if band < 0:
        raise ValueError("the band cannot be negative")
    if abs(share - pass_fraction) <= band + 1e-12:
        return Standing.AT
    return Standing.ABOVE if share > pass_fraction else Standing.BELOW


def theme_feedback(item_themes: Sequence[Iterable[str]], marks: Sequence[float | None],
                   max_marks: Sequence[float], *, pass_mark: float, max_score: float,
                   band: float = DEFAULT_BAND) -> dict[str, str]:
    """``item_themes[j]`` are the theme codes item j maps to; ``marks[j]`` the candidate's mark on it
    (None: excluded); ``max_marks[j]`` its maximum. Returns {theme code: standing value}, in theme order."""
    if not len(item_themes) == len(marks) == len(max_marks):
        raise ValueError("themes, marks and maximum marks must describe the same items")
    if max_score <= 0:
        raise ValueError("the paper's maximum must be positive")
    pass_fraction = pass_mark / max_score
    got: dict[str, float] = {}
    top: dict[str, float] = {}
    for themes, mark, most in zip(item_themes, marks, max_marks):
        if mark is None or most <= 0:
            continue
        for code in set(themes):
            got[code] = got.get(code, 0.0) + float(mark)
            top[code] = top.get(code, 0.0) + float(most)
    return {code: standing(got[code] / top[code], pass_fraction, band).value
            for code in sorted(top, key=_theme_order)}


def _theme_order(code: str):
    return (THEMES.index(code) if code in THEMES else len(THEMES), code)


def near_cut(total: float, cut: float, sem: float | None) -> bool:
    """Within one standard error of measurement of the cut, either side (inclusive)."""
    if sem is None or math.isnan(sem):
        return False
    return abs(total - cut) <= sem + 1e-9


def pass_rate(totals: Iterable[float], pass_mark: float) -> float | None:
    totals = list(totals)
    if not totals:
        return None
    return sum(1 for t in totals if outcome_of(t, pass_mark) is Outcome.PASS) / len(totals)


def resit_from(released_at: dt.datetime, interval_days: int) -> dt.date:
    """The first day a candidate who failed may sit again: ``interval_days`` after the release."""
    if interval_days < 0:
        raise ValueError("the resit interval cannot be negative")
    return (released_at + dt.timedelta(days=interval_days)).date()


def reasons_problem(reasons: str, *, required: bool, minimum: int = 10, maximum: int = 4000) -> str | None:
    """A sentence for the field when the reasons will not do, else None."""
    text = (reasons or "").strip()
    if not text:
        return "Enter the reasons" if required else None
    if len(text) < minimum:
        return f"Give the reasons in at least {minimum} characters"
    if len(text) > maximum:
        return f"Reasons must be {maximum} characters or fewer"
    return None
