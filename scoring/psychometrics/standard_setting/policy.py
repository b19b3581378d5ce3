"""Pass-mark policy applied on top of any standard-setting method: add k × SEM (to protect the
public from false passes) and round to a whole mark."""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

__all__ = ["Rounding", "PassMark", "pass_mark"]


class Rounding(StrEnum):
    UP = "up"  # to the next whole step (the usual rule: never below the standard)
    NEAREST = "nearest"  # halves go up
    DOWN = "down"
    NONE = "none"


@dataclass(frozen=True)
class PassMark:
    cut_score: float
    sem: float
    k: float
    adjusted: float
    pass_mark: float
    rounding: str


def pass_mark(cut_score: float, *, sem: float = 0.0, k: float = 0.0, rounding: Rounding | str = Rounding.UP,
              step: float = 1.0, max_score: float | None = None) -> PassMark:
    """Pass mark = round(cut + k × SEM) to a multiple of ``step`` under ``rounding``.

    A cut that is a whole mark up to floating-point noise (e.g. 30.000000000004 from summing
    ratings) is treated as that whole mark, so "up" does not add a mark for noise.
    """
    if not math.isfinite(cut_score):
        raise ValueError("cut score must be a finite number")
    if sem < 0 or not math.isfinite(sem):
        raise ValueError("SEM must be a finite number ≥ 0")
    if step <= 0:
        raise ValueError("step must be positive")
    rule = Rounding(rounding)
    adjusted = cut_score + k * sem
    units = adjusted / step
    near = round(units)
    if abs(units - near) < 1e-9:
        units = float(near)
    if rule is Rounding.UP:
        value = math.ceil(units) * step
    elif rule is Rounding.DOWN:
        value = math.floor(units) * step
    elif rule is Rounding.NEAREST:
        value = math.floor(units + 0.5) * step
    else:
        value = adjusted
    if max_score is not None:
        value = min(max(value, 0.0), float(max_score))
    return PassMark(float(cut_score), float(sem), float(k), float(adjusted), float(value), rule.value)
