"""Seeded simulators for parameter-recovery tests and benchmarks.

Output orientation: candidates × items. The same seed always gives the same data (numpy's PCG64).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import expit

from ._checks import vector

__all__ = ["SimulatedRasch", "simulate_rasch", "SimulatedChoices", "simulate_choices"]


@dataclass(frozen=True)
class SimulatedRasch:
    responses: np.ndarray  # candidates × items, 0/1 (float64)
    abilities: np.ndarray
    difficulties: np.ndarray


def simulate_rasch(n_candidates: int, difficulties, *, seed: int, ability_mean: float = 0.0,
                   ability_sd: float = 1.0, abilities=None) -> SimulatedRasch:
    """0/1 responses under the Rasch model, P(x = 1) = 1 / (1 + exp(δ − θ)), for normally
    distributed abilities (or the ``abilities`` given) and the given item difficulties."""
    if n_candidates < 1:
        raise ValueError("n_candidates must be at least 1")
    d = vector(difficulties, name="difficulties")
    rng = np.random.default_rng(seed)
    theta = rng.normal(ability_mean, ability_sd, n_candidates) if abilities is None else vector(abilities, name="abilities", length=n_candidates)
    x = (rng.random((n_candidates, d.size)) < expit(theta[:, None] - d[None, :])).astype(np.float64)
    return SimulatedRasch(x, theta, d)


@dataclass(frozen=True)
class SimulatedChoices:
    choices: np.ndarray  # candidates × items of option letters ("" = omitted)
    keys: tuple[str, ...]
    abilities: np.ndarray
    difficulties: np.ndarray


def simulate_choices(n_candidates: int, n_items: int, *, seed: int, n_options: int = 4,
                     omit_rate: float = 0.02) -> SimulatedChoices:
    """Multiple-choice responses: a candidate picks the key with Rasch probability, otherwise a
    distractor, drawn with weights that fall as ability rises (so distractors discriminate
    negatively, as good ones do); a few responses are omitted."""
    if not 2 <= n_options <= 26:
        raise ValueError("n_options must be between 2 and 26")
    rng = np.random.default_rng(seed)
    letters = np.array([chr(ord("A") + i) for i in range(n_options)])
    d = rng.normal(0.0, 1.0, n_items)
    theta = rng.normal(0.0, 1.0, n_candidates)
    keys = letters[rng.integers(0, n_options, n_items)]
    correct = rng.random((n_candidates, n_items)) < expit(theta[:, None] - d[None, :])
    wrong_pick = rng.integers(0, n_options - 1, (n_candidates, n_items))
    key_index = np.searchsorted(letters, keys)
    wrong_pick = wrong_pick + (wrong_pick >= key_index[None, :])  # skip the key
    choice = np.where(correct, key_index[None, :], wrong_pick)
    out = letters[choice].astype(object)
    out[rng.random((n_candidates, n_items)) < omit_rate] = ""
    return SimulatedChoices(out, tuple(str(k) for k in keys), theta, d)
