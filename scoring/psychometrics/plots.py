"""SVG figures for examiners (matplotlib, Agg backend: no display needed).

Each function writes one file and returns its path. Inputs follow the package's orientation
(scores one per candidate; response matrices candidates × items).
"""

from __future__ import annotations

import numpy as np


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")  # never a window: these run on servers and in CI
    import matplotlib.pyplot as plt

    return plt


def _save(fig, path: str) -> str:
    fig.tight_layout()
    fig.savefig(path, format="svg")
    _pyplot().close(fig)
    return path


def score_distribution_plot(path: str, totals, *, cut: float | None = None, max_score: float | None = None,
                            title: str = "Score distribution") -> str:
    """Histogram of total scores (one per candidate) with the cut score marked."""
    plt = _pyplot()
    t = np.asarray(totals, dtype=float)
    top = max_score if max_score is not None else t.max()
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.hist(t, bins=np.arange(np.floor(t.min()), top + 2) - 0.5, color="#1d70b8", edgecolor="white")
    if cut is not None:
        ax.axvline(cut, color="#d4351c", linewidth=2, label=f"cut score {cut:.2f}")
        ax.legend()
    ax.set_xlabel("total score")
    ax.set_ylabel("candidates")
    ax.set_title(title)
    return _save(fig, path)


def option_curves_plot(path: str, choices_column, totals, options, *, key: str, item: str, groups: int = 5) -> str:
    """Share of candidates choosing each option within score groups (quantiles of the total)."""
    plt = _pyplot()
    t = np.asarray(totals, dtype=float)
    col = np.asarray(choices_column, dtype=object)
    edges = np.unique(np.quantile(t, np.linspace(0, 1, groups + 1)))
    band = np.clip(np.searchsorted(edges, t, side="right") - 1, 0, len(edges) - 2)
    centres = [t[band == b].mean() for b in range(len(edges) - 1)]
    fig, ax = plt.subplots(figsize=(7, 4))
    for opt in options:
        share = [np.mean(col[band == b] == opt) for b in range(len(edges) - 1)]
        ax.plot(centres, share, marker="o", linewidth=3 if opt == key else 1.5, label=f"{opt}{' (key)' if opt == key else ''}")
    ax.set_ylim(0, 1)
    ax.set_xlabel("mean total score of the group")
    ax.set_ylabel("share choosing the option")
    ax.set_title(f"Option curves: {item}")
    ax.legend()
    return _save(fig, path)


def hofstee_plot(path: str, scores, result, *, max_score: float) -> str:
    """Observed fail-rate curve, the judges' rectangle and line, and the cut."""
    plt = _pyplot()
    s = np.asarray(scores, dtype=float)
    grid = np.linspace(0, max_score, 801)
    fail = np.array([np.mean(s < c) for c in grid])
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.step(grid, fail, where="post", label="observed fail rate if the cut were here", color="#1d70b8")
    ax.plot([result.min_cut, result.max_cut], [result.max_fail, result.min_fail], color="#d4351c", label="judges' line")
    ax.add_patch(plt.Rectangle((result.min_cut, result.min_fail), result.max_cut - result.min_cut,
                               result.max_fail - result.min_fail, fill=False, linestyle="--", color="#505a5f"))
    marks = np.arange(0, int(np.ceil(max_score)) + 1)
    ax.plot(marks, [np.mean(s < m) for m in marks], color="#1d70b8", alpha=0.45, linewidth=1,
            label="fail rate interpolated between whole marks")
    ax.plot([result.cut_score], [result.fail_rate], "ko", label=f"cut {result.cut_score:.2f}, fail rate {result.fail_rate:.1%}")
    if np.isfinite(result.pass_mark):
        ax.plot([result.pass_mark], [result.pass_mark_fail_rate], "s", color="#00703c", fillstyle="none",
                label=f"pass mark {result.pass_mark:g} (interpolated cut {result.interpolated_cut:.2f})")
    ax.set_xlabel("cut score (marks)")
    ax.set_ylabel("fail rate")
    ax.set_ylim(0, 1)
    ax.legend(loc="upper left")
    ax.set_title("Hofstee compromise")
    return _save(fig, path)


def beuk_plot(path: str, scores, result, *, max_score: float, judge_cuts, judge_pass_rates) -> str:
    """Observed pass-rate curve, the judges' points, their mean and Beuk's line, and the cut."""
    plt = _pyplot()
    s = np.asarray(scores, dtype=float)
    grid = np.linspace(0, max_score, 801)
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.step(grid, [np.mean(s >= c) for c in grid], where="post", label="observed pass rate", color="#1d70b8")
    ax.plot(judge_cuts, judge_pass_rates, "x", color="#505a5f", label="judges")
    slope = 0.0 if result.sd_cut == 0 else result.sd_pass_rate / result.sd_cut
    ax.plot(grid, result.mean_pass_rate + slope * (grid - result.mean_cut), color="#d4351c", label="Beuk's line")
    ax.plot([result.cut_score], [result.pass_rate], "ko", label=f"cut {result.cut_score:.2f}")
    ax.set_ylim(0, 1)
    ax.set_xlabel("cut score (marks)")
    ax.set_ylabel("pass rate")
    ax.legend()
    ax.set_title("Beuk compromise")
    return _save(fig, path)


def borderline_plot(path: str, scores, grades, result, *, borderline_grade: float) -> str:
    """Scores against global grades with the regression line and the cut at the borderline grade."""
    plt = _pyplot()
    g = np.asarray(grades, dtype=float)
    fig, ax = plt.subplots(figsize=(7, 4))
    jitter = (np.random.default_rng(0).random(g.size) - 0.5) * 0.2  # fixed seed: same figure every run
    ax.plot(g + jitter, scores, ".", alpha=0.5, color="#1d70b8")
    xs = np.linspace(g.min(), g.max(), 2)
    ax.plot(xs, result.intercept + result.slope * xs, color="#d4351c")
    ax.plot([borderline_grade], [result.cut_score], "ko", label=f"cut {result.cut_score:.2f}")
    ax.set_xlabel("global grade")
    ax.set_ylabel("score")
    ax.legend()
    ax.set_title("Borderline regression")
    return _save(fig, path)


def angoff_plot(path: str, result) -> str:
    """Each judge's cut with the panel's cut ± 2 SE."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.plot(result.judge_cuts, range(len(result.judges)), "o", color="#1d70b8")
    ax.set_yticks(range(len(result.judges)), result.judges)
    ax.axvline(result.cut_score, color="#d4351c", label=f"cut {result.cut_score:.2f}")
    if np.isfinite(result.se):
        ax.axvspan(result.cut_score - 2 * result.se, result.cut_score + 2 * result.se, color="#d4351c", alpha=0.15, label="± 2 SE")
    ax.set_xlabel("cut score (marks)")
    ax.legend()
    ax.set_title("Angoff: judges' cut scores")
    return _save(fig, path)


def rasch_plot(path: str, calibration, abilities) -> str:
    """Item characteristic curves (left) and the person–item map (right) on one logit scale."""
    plt = _pyplot()
    d = np.asarray(calibration.difficulty)
    a = np.asarray(abilities, dtype=float)
    a = a[np.isfinite(a)]
    lo, hi = min(d.min(), a.min() if a.size else 0) - 1, max(d.max(), a.max() if a.size else 0) + 1
    theta = np.linspace(lo, hi, 200)
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 5), gridspec_kw={"width_ratios": [2, 1]})
    for di in d:
        left.plot(theta, 1 / (1 + np.exp(di - theta)), linewidth=1)
    left.set_xlabel("ability (logits)")
    left.set_ylabel("P(correct)")
    left.set_title("Item characteristic curves")
    right.hist(a, bins=30, orientation="horizontal", color="#1d70b8", alpha=0.7, label="candidates")
    for name, di in zip(calibration.items, d):
        right.axhline(di, color="#d4351c", linewidth=0.5)
    right.set_ylim(lo, hi)
    right.set_ylabel("logits (red lines: item difficulties)")
    right.set_title("Person–item map")
    return _save(fig, path)
