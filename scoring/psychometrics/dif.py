"""Differential item functioning (DIF): the Mantel–Haenszel procedure with the ETS A/B/C categories
for 0/1 items; Mantel's test and the standardised mean difference with the ETS AA/BB/CC categories
for items scored in more than two categories (see `mantel_polytomous`).

Candidates of a reference and a focal group are matched on their total score; within each score
level (stratum) the item's 2 × 2 table is

                 correct   incorrect
    reference      A_k        B_k        n_Rk
    focal          C_k        D_k        n_Fk
                   m_1k       m_0k       T_k

- common odds ratio α_MH = Σ A_k D_k / T_k ÷ Σ B_k C_k / T_k (Mantel & Haenszel 1959); α_MH > 1
  means the item favours the reference group at equal total score;
- MH chi-square (Holland & Thayer 1988) = (|Σ A_k − Σ E(A_k)| − c)² / Σ Var(A_k) with
  E(A_k) = n_Rk m_1k / T_k, Var(A_k) = n_Rk n_Fk m_1k m_0k / (T_k² (T_k − 1)), c = ½ (continuity
  correction; as R does, c = 0 when |Σ A − Σ E| < ½) or 0; one degree of freedom;
- MH D-DIF = −2.35 ln α_MH, on the ETS delta scale (negative: the item is harder for the focal
  group), with standard error 2.35 × SE(ln α_MH), SE by the Robins–Breslow–Greenland (1986)
  variance, which for these tables is the Phillips & Holland (1987) one.

These are exactly the figures of R's ``mantelhaen.test`` for a 2 × 2 × K table (estimate,
statistic with and without correction, p-value, confidence interval); the tests pin them.

Strata with fewer than 2 candidates are dropped (``mantelhaen.test`` refuses them); they, and
strata in which only one group or only one response occurs, contribute nothing to any sum.

Matching score: by default the total over all items *including the studied item* (the ETS
convention, Holland & Thayer 1988; leaving it out biases MH under the Rasch model). Optional
purification (criterion refinement, Zwick 2012): a second pass whose matching score leaves out the
items classified C in the first pass, except the studied item itself.

ETS categories (Zieky 1993; Zwick 2012, ETS RR-12-08), with D = MH D-DIF:
- A: D not significantly different from 0, or |D| < 1;
- C: |D| ≥ 1.5 and |D| significantly greater than 1;
- B: otherwise.
"Significantly different from 0" is the MH chi-square with continuity correction at the 0.05
level; "significantly greater than 1" is the one-sided z test (|D| − 1) / SE(D) > z_{0.95} = 1.645
(Paek & Holland 2013 on the interval null). Both levels are parameters. The sign of D is kept as a
"+"/"−" beside the category (− : against the focal group).

Omitted responses (NaN) score 0, as in every classical statistic here. Candidates whose group is
neither the reference nor the focal label (e.g. not given) take no part.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

from ._checks import labels, score_matrix

__all__ = ["MantelHaenszel", "DifItem", "DifAnalysis", "mantel_haenszel", "ets_category", "dif_analysis",
           "DELTA_SCALE", "PolytomousDif", "mantel_polytomous", "ets_polytomous_category"]

DELTA_SCALE = 2.35  # ETS delta = 13 + 4 z; 4 / 1.7 ≈ 2.35 converts a logit to delta units


@dataclass(frozen=True)
class MantelHaenszel:
    """One item's MH figures. NaN when undefined (e.g. no stratum has both groups and both
    responses); ``notes`` says why."""

    alpha_mh: float
    log_alpha_se: float
    chi_square: float            # with continuity correction (R's default)
    p_value: float
    chi_square_uncorrected: float
    p_value_uncorrected: float
    conf_int: tuple[float, float]  # for α_MH, 95 % by default
    d_dif: float                 # −2.35 ln α_MH
    d_dif_se: float
    n_strata: int                # strata used (T_k ≥ 2)
    n_reference: int
    n_focal: int
    notes: tuple[str, ...] = ()




@dataclass(frozen=True)
class DifAnalysis:
    reference: str
    focal: str
    n_reference: int
    n_focal: int
    studied_item_in_matching: bool
    purified: bool
    excluded_from_matching: tuple[str, ...]
    items: tuple[DifItem, ...]


def _strata_tables(correct: np.ndarray, is_ref: np.ndarray, matching: np.ndarray):
    """A, B, C, D per stratum with T ≥ 2 (matching-score levels in ascending order)."""
    levels, inv = np.unique(matching, return_inverse=True)
    k = levels.size
    a = np.bincount(inv, weights=(is_ref & correct).astype(float), minlength=k)
    b = np.bincount(inv, weights=(is_ref & ~correct).astype(float), minlength=k)
    c = np.bincount(inv, weights=(~is_ref & correct).astype(float), minlength=k)
    d = np.bincount(inv, weights=(~is_ref & ~correct).astype(float), minlength=k)
    keep = (a + b + c + d) >= 2
    return a[keep], b[keep], c[keep], d[keep]


def _mh_from_tables(a, b, c, d, *, conf_level: float = 0.95) -> MantelHaenszel:
    n_ref, n_foc = int((a + b).sum()), int((c + d).sum())
    t = a + b + c + d
    nan = float("nan")
    notes = []
    if t.size == 0:
        return MantelHaenszel(nan, nan, nan, nan, nan, nan, (nan, nan), nan, nan, 0, n_ref, n_foc,
                              ("no score level has two or more candidates",))
    nr, nf, m1, m0 = a + b, c + d, a + c, b + d
    delta = float((a - nr * m1 / t).sum())
    var = float((nr * nf * m1 * m0 / (t * t * (t - 1))).sum())
    if var > 0:
        yates = 0.5 if abs(delta) >= 0.5 else 0.0
        chi_c = (abs(delta) - yates) ** 2 / var
        chi_u = delta * delta / var
        p_c, p_u = float(stats.chi2.sf(chi_c, 1)), float(stats.chi2.sf(chi_u, 1))
    else:
        chi_c = chi_u = p_c = p_u = nan
        notes.append("no score level has both groups and both responses: the MH test is undefined")
    r_k, s_k = a * d / t, b * c / t
    r, s = float(r_k.sum()), float(s_k.sum())
    p_k, q_k = (a + d) / t, (b + c) / t
    if r > 0 and s > 0:
        alpha = r / s
        se = float(np.sqrt((p_k * r_k).sum() / (2 * r * r) + (p_k * s_k + q_k * r_k).sum() / (2 * r * s)
                           + (q_k * s_k).sum() / (2 * s * s)))
        z = float(stats.norm.ppf(1 - (1 - conf_level) / 2))
        ci = (alpha * np.exp(-z * se), alpha * np.exp(z * se))
        d_dif, d_se = -DELTA_SCALE * np.log(alpha), DELTA_SCALE * se
    else:
        alpha = np.inf if r > 0 else (0.0 if s > 0 else nan)
        se, ci, d_dif, d_se = nan, (nan, nan), nan, nan
        notes.append("the common odds ratio is 0, infinite or undefined (a zero margin in every stratum)")
    return MantelHaenszel(float(alpha), se, float(chi_c), p_c, float(chi_u), p_u, (float(ci[0]), float(ci[1])),
                          float(d_dif), float(d_se), int(t.size), n_ref, n_foc, tuple(notes))


def _groups(group, n: int, reference, focal):
    g = np.asarray(group, dtype=object)
    if g.ndim != 1 or g.shape[0] != n:
        raise ValueError(f"group must have one entry per candidate ({n}); got shape {g.shape}")
    if reference == focal:
        raise ValueError("the reference and focal groups must differ")
    ref = np.array([v == reference for v in g], dtype=bool)
    foc = np.array([v == focal for v in g], dtype=bool)
    if not ref.any():
        raise ValueError(f"no candidate is in the reference group {reference!r}")
    if not foc.any():
        raise ValueError(f"no candidate is in the focal group {focal!r}")
    return ref, foc


def _binary_scores(scores) -> np.ndarray:
    x = score_matrix(scores)
    x = np.where(np.isnan(x), 0.0, x)  # omitted scores 0
    return x


def mantel_haenszel(item_scores, group, matching, *, reference, focal, conf_level: float = 0.95) -> MantelHaenszel:
    """MH figures of one 0/1 item (one score per candidate) between two groups, matched on
    ``matching`` (one score per candidate, e.g. the total including this item)."""
    y = np.asarray(item_scores, dtype=float)
    m = np.asarray(matching, dtype=float)
    if y.ndim != 1 or m.shape != y.shape:
        raise ValueError("item_scores and matching must be vectors with one value per candidate")
    if np.isnan(m).any() or np.isinf(m).any():
        raise ValueError("matching scores must be finite")
    y = np.where(np.isnan(y), 0.0, y)
    if not np.all((y == 0) | (y == 1)):
        raise ValueError("Mantel–Haenszel DIF here is for 0/1 items")
    if not 0 < conf_level < 1:
        raise ValueError("conf_level must be between 0 and 1")
    ref, foc = _groups(group, y.size, reference, focal)
    use = ref | foc
    return _mh_from_tables(*_strata_tables(y[use] == 1, ref[use], m[use]), conf_level=conf_level)


def ets_category(mh: MantelHaenszel, *, alpha_zero: float = 0.05, alpha_one: float = 0.05) -> tuple[str, str]:
    """(category, direction) by the ETS rule: A if the corrected MH chi-square is not significant
    at ``alpha_zero`` or |D| < 1; C if |D| ≥ 1.5 and (|D| − 1)/SE > z_{1−alpha_one} (one-sided);
    B otherwise. Direction "−" when D < 0 (favours the reference group), "+" when D > 0, "" for A."""
    d, se, p = mh.d_dif, mh.d_dif_se, mh.p_value
    if np.isnan(d) or np.isnan(p):
        return "", ""
    ad = abs(d)
    if p >= alpha_zero or ad < 1.0:
        return "A", ""
    sign = "−" if d < 0 else "+"
    if ad >= 1.5 and (ad - 1.0) / se > stats.norm.ppf(1.0 - alpha_one):
        return "C", sign
    return "B", sign


# ---------------------------------------------------------------- items scored in more than two categories


@dataclass(frozen=True)
class PolytomousDif:
    """Mantel's (1963) test and the standardised mean difference for one item of several score
    categories. NaN when undefined (``notes`` says why)."""

    chi_square: float        # Mantel's chi-square, 1 df, no continuity correction
    p_value: float
    smd: float               # focal minus reference, focal-weighted (Dorans & Schmitt 1991)
    item_sd: float           # SD of the item's scores over both groups (divisor n − 1)
    smd_ratio: float         # smd / item_sd, the effect size of the ETS polytomous rule
    category: str            # "AA", "BB", "CC" or ""
    n_strata: int
    notes: tuple[str, ...] = ()


def ets_polytomous_category(p_value: float, smd_ratio: float, *, alpha_level: float = 0.05) -> str:
    """Zwick, Thayer & Mazzeo (1997): AA if Mantel's test is not significant or |SMD/SD| ≤ 0.17;
    CC if it is significant and |SMD/SD| > 0.25; BB otherwise."""
    if np.isnan(p_value) or np.isnan(smd_ratio):
        return ""
    if p_value >= alpha_level or abs(smd_ratio) <= 0.17:
        return "AA"
    return "CC" if abs(smd_ratio) > 0.25 else "BB"


def mantel_polytomous(item_scores, group, matching, *, reference, focal) -> PolytomousDif:
    """Mantel's ordinal test and SMD for one item (scores per candidate; NaN = omitted = 0)
    between two groups matched on ``matching``.

    With stratum k, F_k the sum of the focal group's item scores, n_Rk, n_Fk, n_k the counts and
    S1_k = Σ y, S2_k = Σ y² over the stratum: E(F_k) = n_Fk S1_k / n_k and
    Var(F_k) = n_Rk n_Fk (n_k S2_k − S1_k²) / (n_k² (n_k − 1)); chi-square = (Σ F − Σ E)² / Σ Var.
    For a 0/1 item it is the MH chi-square without continuity correction. Strata with fewer than 2
    candidates are dropped. SMD = Σ_k w_k (m_Fk − m_Rk), w_k = n_Fk / Σ n_F over the strata that
    hold both groups (focal weights, renormalised over those strata).
    """
    y = np.asarray(item_scores, dtype=float)
    m = np.asarray(matching, dtype=float)
    if y.ndim != 1 or m.shape != y.shape:
        raise ValueError("item_scores and matching must be vectors with one value per candidate")
    if np.isnan(m).any() or np.isinf(m).any() or np.isinf(y).any():
        raise ValueError("scores must be finite")
    y = np.where(np.isnan(y), 0.0, y)
    ref, foc = _groups(group, y.size, reference, focal)
    use = ref | foc
    y, is_ref, m = y[use], ref[use], m[use]
    levels, inv = np.unique(m, return_inverse=True)
    k = levels.size
    n_k = np.bincount(inv, minlength=k).astype(float)
    n_f = np.bincount(inv, weights=(~is_ref).astype(float), minlength=k)
    n_r = n_k - n_f
    s1 = np.bincount(inv, weights=y, minlength=k)
    s2 = np.bincount(inv, weights=y * y, minlength=k)
    f_sum = np.bincount(inv, weights=np.where(is_ref, 0.0, y), minlength=k)
    keep = n_k >= 2
    nk, nf, nr = n_k[keep], n_f[keep], n_r[keep]
    e = nf * s1[keep] / nk
    v = nr * nf * (nk * s2[keep] - s1[keep] ** 2) / (nk * nk * (nk - 1))
    notes = []
    var = float(v.sum())
    if var > 0:
        chi = float((f_sum[keep].sum() - e.sum()) ** 2 / var)
        p = float(stats.chi2.sf(chi, 1))
    else:
        chi = p = float("nan")
        notes.append("no score level has both groups and differing item scores: Mantel's test is undefined")
    both = (n_f > 0) & (n_r > 0)
    if both.any():
        mean_f = f_sum[both] / n_f[both]
        mean_r = (s1[both] - f_sum[both]) / n_r[both]
        w = n_f[both] / n_f[both].sum()
        smd = float((w * (mean_f - mean_r)).sum())
    else:
        smd = float("nan")
        notes.append("no score level holds both groups: the SMD is undefined")
    sd = float(y.std(ddof=1)) if y.size > 1 else float("nan")
    ratio = smd / sd if sd > 0 else float("nan")
    return PolytomousDif(chi, p, smd, sd, ratio, ets_polytomous_category(p, ratio), int(keep.sum()), tuple(notes))


@dataclass(frozen=True)
class DifItem:
    """One item's result: ``mh`` for a 0/1 item, ``polytomous`` (Mantel and SMD) otherwise."""

    item: str
    mh: MantelHaenszel | None
    category: str                # "A", "B", "C" (0/1 items), "AA", "BB", "CC" (others), "" undefined
    direction: str               # "+" favours focal, "−" favours reference, "" for A/AA or undefined
    polytomous: PolytomousDif | None = None


def dif_analysis(scores, group, *, reference, focal, items=None, include_studied: bool = True,
                 purify: bool = False, conf_level: float = 0.95, alpha_zero: float = 0.05,
                 alpha_one: float = 0.05) -> DifAnalysis:
    """DIF of every item of a candidates × items score matrix (NaN = omitted = 0): Mantel–Haenszel
    and the ETS A/B/C category for 0/1 items, Mantel's test, SMD and AA/BB/CC for the others.

    ``group`` gives each candidate's group label; only ``reference`` and ``focal`` candidates are
    used. The matching score is the total over all items (``include_studied=False`` leaves the
    studied item out). ``purify`` runs a second pass matching on the items not classified C or CC
    in the first pass (plus the studied item when it is included).
    """
    x = _binary_scores(scores)
    if (x < 0).any():
        raise ValueError("scores must not be negative")
    names = labels(items, x.shape[1], prefix="item", name="items")
    ref, foc = _groups(group, x.shape[0], reference, focal)
    use = ref | foc
    x, is_ref = x[use], ref[use]
    binary = np.all((x == 0) | (x == 1), axis=0)
    grp = np.where(is_ref, "R", "F")

    def one_pass(criterion: np.ndarray) -> list[DifItem]:
        out = []
        base = x[:, criterion].sum(axis=1)
        for j in range(x.shape[1]):
            m = base.copy()
            if criterion[j] and not include_studied:
                m -= x[:, j]
            elif not criterion[j] and include_studied:
                m += x[:, j]
            if binary[j]:
                mh = _mh_from_tables(*_strata_tables(x[:, j] == 1, is_ref, m), conf_level=conf_level)
                cat, sign = ets_category(mh, alpha_zero=alpha_zero, alpha_one=alpha_one)
                out.append(DifItem(names[j], mh, cat, sign))
            else:
                pd = mantel_polytomous(x[:, j], grp, m, reference="R", focal="F")
                sign = "" if pd.category in ("", "AA") else ("−" if pd.smd < 0 else "+")
                out.append(DifItem(names[j], None, pd.category, sign, pd))
        return out

    everything = np.ones(x.shape[1], dtype=bool)
    result = one_pass(everything)
    dropped: tuple[str, ...] = ()
    if purify:
        keep = np.array([r.category not in ("C", "CC") for r in result])
        if not keep.all():
            dropped = tuple(n for n, k in zip(names, keep) if not k)
            result = one_pass(keep)
    return DifAnalysis(str(reference), str(focal), int(is_ref.sum()), int((~is_ref).sum()), include_studied,
                       purify, dropped, tuple(result))
