"""Shared input checks: every public function validates its arrays the same way.

Orientation throughout the package: a score matrix is candidates × items (one row per candidate,
one column per item). What NaN means is the caller's: the classical statistics score it 0 as an
omitted response; the Rasch model reads it as "not presented" (the item was not on that paper).
"""

from __future__ import annotations

import numpy as np


def score_matrix(scores, *, name: str = "scores", allow_nan: bool = True) -> np.ndarray:
    """Return `scores` as a 2-D float64 candidates × items array, or raise ValueError."""
    try:
        x = np.asarray(scores, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be numeric (candidates × items): {exc}") from None
    if x.ndim != 2:
        raise ValueError(f"{name} must be a 2-D candidates × items matrix; got {x.ndim} dimension(s)")
    if x.shape[0] == 0 or x.shape[1] == 0:
        raise ValueError(f"{name} is empty: shape {x.shape} (candidates × items)")
    if np.isinf(x).any():
        raise ValueError(f"{name} contains an infinite value")
    if not allow_nan and np.isnan(x).any():
        raise ValueError(f"{name} contains NaN (an empty cell), which this method does not allow")
    return x


def vector(values, *, name: str, length: int | None = None, allow_nan: bool = False) -> np.ndarray:
    """Return `values` as a 1-D float64 array, or raise ValueError."""
    try:
        v = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be numeric: {exc}") from None
    if v.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional; got shape {v.shape}")
    if length is not None and v.shape[0] != length:
        raise ValueError(f"{name} has {v.shape[0]} values; expected {length}")
    if np.isinf(v).any() or (not allow_nan and np.isnan(v).any()):
        raise ValueError(f"{name} must contain finite numbers only")
    return v


def labels(names, count: int, *, prefix: str, name: str) -> tuple[str, ...]:
    """Item or judge labels: given ones checked for count and uniqueness, else generated."""
    if names is None:
        return tuple(f"{prefix}{i + 1}" for i in range(count))
    out = tuple(str(n) for n in names)
    if len(out) != count:
        raise ValueError(f"{name} has {len(out)} labels; expected {count}")
    if len(set(out)) != len(out):
        raise ValueError(f"{name} has duplicate labels")
    return out


def fraction(value: float, *, name: str) -> float:
    """A proportion in [0, 1]."""
    v = float(value)
    if not 0.0 <= v <= 1.0:
        raise ValueError(f"{name} must be a fraction between 0 and 1; got {value!r}")
    return v
