"""Decision quality at the pass mark: conditional SEM, and decision consistency and accuracy.

A candidate passes when the total score is at least the cut (``total ≥ cut``, cut in raw marks).

**Conditional SEM at a raw score** (``csem_lord``): Lord's (1955, 1957) binomial-error model,
CSEM(x) = √(x (n − x) / (n − 1)) for a test of n 0/1 items. It is largest mid-scale and zero at
0 and n. ``keats=True`` multiplies it by √((1 − ρ) / (1 − KR-21)) (Keats 1957; Feldt, Steffen &
Gupta 1985) so that its average agrees with the test's reliability ρ. For marks above 1 the
engine applies the binomial formula with n = the maximum total (an approximation, noted).

**Subkoviak (1976)**, single administration, 0/1 items: each candidate's true proportion is
estimated by Kelley's regression p̂ᵢ = ρ xᵢ/n + (1 − ρ) x̄/n, with ρ = KR-21 (Subkoviak's choice;
a caller may pass another coefficient); the chance of passing one administration is
Pᵢ = P(Bin(n, p̂ᵢ) ≥ cut); agreement over two independent administrations p₀ = mean(Pᵢ² + (1 − Pᵢ)²);
chance agreement p_c = P̄² + (1 − P̄)²; κ = (p₀ − p_c) / (1 − p_c).

**Livingston & Lewis (1995)**, any item types. Implemented exactly as follows:
1. effective test length n = ((μ − X_min)(X_max − μ) − ρσ²) / (σ²(1 − ρ)), rounded to the nearest
   whole number (at least 1), μ and σ² the mean and variance (divisor N) of observed totals,
   X_min = 0 and X_max the maximum possible total, ρ the reliability (by default alpha);
2. totals rescaled to 0…n: X' = n (X − X_min)/(X_max − X_min); the cut likewise, and true
   proportion τ has the cut τ_c = (cut − X_min)/(X_max − X_min);
3. true proportions follow a beta distribution whose moments are Lord's (1965) binomial-error
   moments, E[τᵏ] = E[X'(X' − 1)…(X' − k + 1)] / (n(n − 1)…(n − k + 1)):
   the **four-parameter beta** (α, β, lower, upper) fitted by the method of moments to the first
   four of them (Hanson 1991) when that fit is admissible (α, β > 0 and 0 ≤ lower < upper ≤ 1);
   otherwise the **two-parameter beta** on [0, 1] fitted to the first two (the result says which);
4. given τ, the observed score on the n-item scale is Binomial(n, τ); the observed pass is X' ≥ c'
   with X' whole, i.e. X' ≥ ⌈c'⌉ (c' = n τ_c);
5. accuracy = P(true and observed status agree), false pass = P(τ < τ_c, X' ≥ c'), false fail =
   P(τ ≥ τ_c, X' < c'), misclassified = false pass + false fail; consistency = P(two independent
   administrations agree) = ∫ g(τ)(P(τ)² + (1 − P(τ))²) dτ with P(τ) = P(X' ≥ c' | τ), and κ
   against chance agreement P̄² + (1 − P̄)². The integrals are adaptive quadrature (scipy's
   ``quad``, split at τ_c). The model's predicted distribution is used throughout (no adjustment
   to the observed frequencies).

Omitted responses (NaN) score 0.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import integrate, stats

from ._checks import score_matrix, vector
from .reliability import cronbach_alpha, kr21

__all__ = ["csem_lord", "Subkoviak", "LivingstonLewis", "DecisionQuality", "subkoviak", "livingston_lewis",
           "decision_quality", "effective_test_length", "fit_true_score_beta", "TrueScoreBeta"]


def csem_lord(x, n: float, *, keats_factor: float = 1.0):
    """Lord's binomial-error conditional SEM √(x(n − x)/(n − 1)) at raw score(s) x on n items,
    times ``keats_factor`` (see `keats_factor`). Raises for x outside 0…n or n < 2."""
    if not n >= 2:
        raise ValueError(f"the binomial CSEM needs a test length of at least 2; got {n}")
    xv = np.asarray(x, dtype=float)
    if np.isnan(xv).any() or (xv < 0).any() or (xv > n).any():
        raise ValueError(f"a raw score must lie between 0 and {n:g}")
    out = np.sqrt(xv * (n - xv) / (n - 1)) * keats_factor
    return float(out) if out.ndim == 0 else out


def keats_factor(reliability_coefficient: float, kr21_coefficient: float) -> float:
    """√((1 − ρ)/(1 − KR-21)), Keats' (1957) correction of Lord's CSEM (NaN when undefined)."""
    if np.isnan(reliability_coefficient) or np.isnan(kr21_coefficient) or kr21_coefficient >= 1:
        return float("nan")
    return float(math.sqrt(max(0.0, 1.0 - reliability_coefficient) / (1.0 - kr21_coefficient)))


@dataclass(frozen=True)
class Subkoviak:
    agreement: float          # p₀
    chance: float             # p_c
    kappa: float
    reliability: float        # the coefficient used in Kelley's regression
    pass_probability: tuple[float, ...]  # Pᵢ, per candidate


def subkoviak(totals, n_items: int, cut: float, *, reliability_coefficient: float) -> Subkoviak:
    """Subkoviak's single-administration agreement and kappa for a test of ``n_items`` 0/1 items
    (see the module docstring). ``totals`` is one raw score per candidate."""
    t = vector(totals, name="totals")
    n = int(n_items)
    if n != n_items or n < 1:
        raise ValueError("n_items must be a positive whole number")
    if (t < 0).any() or (t > n).any():
        raise ValueError(f"a total must lie between 0 and {n}")
    if np.isnan(reliability_coefficient) or not -1 <= reliability_coefficient <= 1:
        raise ValueError(f"a reliability between −1 and 1 is needed; got {reliability_coefficient}")
    rho = float(reliability_coefficient)
    p_hat = rho * t / n + (1.0 - rho) * t.mean() / n
    p_hat = np.clip(p_hat, 0.0, 1.0)
    need = math.ceil(cut - 1e-9)  # smallest passing whole score
    pi = stats.binom.sf(need - 1, n, p_hat)
    p0 = float(np.mean(pi * pi + (1 - pi) * (1 - pi)))
    pbar = float(pi.mean())
    pc = pbar * pbar + (1 - pbar) * (1 - pbar)
    kappa = (p0 - pc) / (1 - pc) if pc < 1 else float("nan")
    return Subkoviak(p0, pc, float(kappa), rho, tuple(float(v) for v in pi))


def effective_test_length(totals, max_score: float, reliability_coefficient: float, *, min_score: float = 0.0) -> int:
    """Livingston & Lewis' effective test length (step 1 of the module docstring)."""
    t = vector(totals, name="totals")
    mu, var = float(t.mean()), float(t.var())
    r = float(reliability_coefficient)
    if not var > 0:
        raise ValueError("the totals have no variance: the effective test length is undefined")
    if np.isnan(r) or not 0 < r < 1:
        raise ValueError(f"the effective test length needs a reliability strictly between 0 and 1; got {r}")
    n = ((mu - min_score) * (max_score - mu) - r * var) / (var * (1 - r))
    return max(1, int(math.floor(n + 0.5)))


@dataclass(frozen=True)
class TrueScoreBeta:
    model: str        # "four-parameter beta" or "two-parameter beta"
    alpha: float
    beta: float
    lower: float
    upper: float

    def pdf(self, tau):
        w = self.upper - self.lower
        return stats.beta.pdf((np.asarray(tau) - self.lower) / w, self.alpha, self.beta) / w



def _true_moments(xr: np.ndarray, n: int, k: int) -> list[float]:
    """E[τ^j], j = 1…k, from factorial moments of scores on the n-item scale (Lord 1965)."""
    out = []
    fact = np.ones_like(xr)
    for j in range(k):
        fact = fact * (xr - j)
        denom = math.prod(n - i for i in range(j + 1))
        out.append(float(fact.mean() / denom))
    return out


def _two_parameter(m1: float, var: float) -> TrueScoreBeta | None:
    if not (0 < m1 < 1 and 0 < var < m1 * (1 - m1)):
        return None
    common = m1 * (1 - m1) / var - 1
    return TrueScoreBeta("two-parameter beta", m1 * common, (1 - m1) * common, 0.0, 1.0)


def _four_parameter(raw: list[float]) -> TrueScoreBeta | None:
    m1, m2, m3, m4 = raw
    var = m2 - m1 ** 2
    if not var > 0:
        return None
    c3 = m3 - 3 * m1 * m2 + 2 * m1 ** 3
    c4 = m4 - 4 * m1 * m3 + 6 * m1 ** 2 * m2 - 3 * m1 ** 4
    g1 = c3 / var ** 1.5
    b2 = c4 / var ** 2
    den = 6 + 3 * g1 ** 2 - 2 * b2
    if den == 0:
        return None
    nu = 6 * (b2 - g1 ** 2 - 1) / den
    if not nu > 0:
        return None
    s = 4 * (nu + 1) * nu ** 2 / (g1 ** 2 * (nu + 2) ** 2 + 16 * (nu + 1))
    disc = nu * nu - 4 * s
    if disc < 0:
        return None
    root = math.sqrt(disc)
    small, large = (nu - root) / 2, (nu + root) / 2
    a, b = (small, large) if g1 > 0 else (large, small)
    if not (a > 0 and b > 0):
        return None
    width = math.sqrt(var) * math.sqrt(nu * nu * (nu + 1) / (a * b))
    lower = m1 - width * a / nu
    upper = lower + width
    if not (lower >= 0 and upper <= 1 and width > 0):
        return None
    return TrueScoreBeta("four-parameter beta", a, b, lower, upper)


def fit_true_score_beta(rescaled, n: int, *, four_parameter: bool = True) -> TrueScoreBeta:
    """The true-proportion distribution of step 3 (module docstring) from scores on the n-item scale."""
    xr = vector(rescaled, name="rescaled scores")
    if four_parameter and n >= 4:
        fit = _four_parameter(_true_moments(xr, n, 4))
        if fit is not None:
            return fit
    if n < 2:
        raise ValueError("the true-score distribution needs an effective test length of at least 2")
    m1, m2 = _true_moments(xr, n, 2)
    fit = _two_parameter(m1, m2 - m1 * m1)
    if fit is None:
        raise ValueError("the observed scores do not admit a beta true-score distribution (their variance "
                         "is not above what binomial error alone would give)")
    return fit


@dataclass(frozen=True)
class LivingstonLewis:
    effective_length: int
    true_score: TrueScoreBeta
    cut_rescaled: float           # c' on the 0…n scale
    true_cut: float               # τ_c
    accuracy: float
    false_pass: float
    false_fail: float
    misclassified: float
    consistency: float
    chance: float
    kappa: float
    reliability: float


def livingston_lewis(totals, max_score: float, cut: float, *, reliability_coefficient: float,
                     min_score: float = 0.0, four_parameter: bool = True) -> LivingstonLewis:
    """Livingston–Lewis decision accuracy and consistency (module docstring, steps 1–5)."""
    t = vector(totals, name="totals")
    if not max_score > min_score:
        raise ValueError("the maximum score must exceed the minimum")
    if (t < min_score).any() or (t > max_score).any():
        raise ValueError(f"a total must lie between {min_score:g} and {max_score:g}")
    if not min_score < cut <= max_score:
        raise ValueError(f"the cut must lie above {min_score:g} and at most {max_score:g}; got {cut:g}")
    n = effective_test_length(t, max_score, reliability_coefficient, min_score=min_score)
    span = max_score - min_score
    xr = n * (t - min_score) / span
    tau_c = (cut - min_score) / span
    c_rescaled = n * tau_c
    need = math.ceil(c_rescaled - 1e-9)
    g = fit_true_score_beta(xr, n, four_parameter=four_parameter)

    def p_pass(tau):
        return float(stats.binom.sf(need - 1, n, tau))

    lo, hi = g.lower, g.upper
    opts = dict(limit=200, epsabs=1e-13, epsrel=1e-11)

    def over(f, a, b):
        a, b = max(a, lo), min(b, hi)
        if b <= a:
            return 0.0
        return integrate.quad(lambda u: float(g.pdf(u)) * f(u), a, b, **opts)[0]

    false_pass = over(p_pass, lo, tau_c)
    false_fail = over(lambda u: 1.0 - p_pass(u), tau_c, hi)
    pbar = over(p_pass, lo, tau_c) + over(p_pass, tau_c, hi)
    consistency = (over(lambda u: p_pass(u) ** 2 + (1 - p_pass(u)) ** 2, lo, tau_c)
                   + over(lambda u: p_pass(u) ** 2 + (1 - p_pass(u)) ** 2, tau_c, hi))
    chance = pbar * pbar + (1 - pbar) * (1 - pbar)
    kappa = (consistency - chance) / (1 - chance) if chance < 1 else float("nan")
    mis = false_pass + false_fail
    return LivingstonLewis(n, g, c_rescaled, tau_c, 1.0 - mis, false_pass, false_fail, mis, consistency,
                           chance, float(kappa), float(reliability_coefficient))


@dataclass(frozen=True)
class DecisionQuality:
    cut: float
    n_candidates: int
    max_score: float
    pass_rate: float                  # observed
    reliability: float                # alpha
    csem_at_cut: float                # Lord's binomial CSEM (Keats-adjusted if asked)
    csem_method: str
    within_one_csem: int              # candidates with |total − cut| ≤ CSEM at the cut
    subkoviak: Subkoviak | None       # None unless every item is 0/1
    livingston_lewis: LivingstonLewis | None
    notes: tuple[str, ...]


def decision_quality(scores, cut: float, *, max_scores=None, keats: bool = False,
                     four_parameter: bool = True) -> DecisionQuality:
    """Everything above for a candidates × items score matrix and a pass mark ``cut``.

    ``max_scores`` gives each item's maximum mark (default: 1 for 0/1 items). Reliability is
    Cronbach's alpha; Subkoviak uses KR-21 as in his paper and is given for 0/1 items only.
    """
    x = score_matrix(scores)
    x = np.where(np.isnan(x), 0.0, x)
    n_cand, k = x.shape
    if n_cand < 2:
        raise ValueError("decision quality needs at least 2 candidates")
    dich = bool(np.all((x == 0) | (x == 1)))
    if max_scores is None:
        if not dich:
            raise ValueError("give max_scores: some items are scored above 1")
        tops = np.ones(k)
    else:
        tops = vector(max_scores, name="max_scores", length=k)
        if (x > tops).any():
            raise ValueError("a score is above its item's maximum mark")
    top = float(tops.sum())
    if not 0 < cut <= top:
        raise ValueError(f"the cut must lie above 0 and at most the maximum score {top:g}; got {cut:g}")
    totals = x.sum(axis=1)
    notes: list[str] = []
    # cronbach_alpha refuses a matrix in which no item varies; the figures are then undefined.
    alpha = cronbach_alpha(x) if np.ptp(x, axis=0).any() else float("nan")
    binary_test = dich and np.all(tops == 1)
    factor, method = 1.0, "Lord binomial"
    if keats:
        k21 = kr21(x) if binary_test else float("nan")
        factor = keats_factor(alpha, k21)
        method = "Lord binomial, Keats-adjusted"
        if np.isnan(factor):
            notes.append("the Keats adjustment needs alpha and KR-21 on 0/1 items: the CSEM is NaN")
    if not binary_test:
        notes.append(f"items scored above 1: Lord's binomial CSEM is applied with n = the maximum total {top:g} "
                     "(an approximation)")
    csem = csem_lord(cut, top, keats_factor=factor) if top >= 2 else float("nan")
    within = int(np.sum(np.abs(totals - cut) <= csem)) if not np.isnan(csem) else 0
    sub = None
    if binary_test:
        k21 = kr21(x) if np.ptp(x, axis=0).any() else float("nan")
        if np.isnan(k21) or not -1 <= k21 <= 1:
            notes.append("Subkoviak not computed: KR-21 is undefined or outside −1…1 for these scores")
        else:
            sub = subkoviak(totals, k, cut, reliability_coefficient=k21)
    else:
        notes.append("Subkoviak's method is for 0/1 items: not computed")
    ll = None
    try:
        ll = livingston_lewis(totals, top, cut, reliability_coefficient=alpha, four_parameter=four_parameter)
    except ValueError as exc:
        notes.append(f"Livingston–Lewis not computed: {exc}")
    return DecisionQuality(float(cut), n_cand, top, float(np.mean(totals >= cut - 1e-9)), float(alpha), float(csem),
                           method, within, sub, ll, tuple(notes))

