"""Benchmark the psychometrics engine against R, side by side on the same simulated data.

    .venv/bin/python bench/bench_psychometrics.py [--sizes 10000x100,50000x200] [--repeats 3] [--r-timeout 900]

Needs R with psych, eRm and psychotools (Debian: r-base-core r-cran-psych r-cran-erm
r-cran-psychotools); without Rscript it times the Python side only. Prints a Markdown table of
best-of-N wall times and the ratio R / Python. The data are simulated Rasch responses from the
engine's seeded simulator (abilities N(0, 1), difficulties evenly spaced on [−2.5, 2.5]).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from scoring.psychometrics import ability_table, cronbach_alpha, item_analysis, rasch_cml  # noqa: E402
from scoring.psychometrics.simulate import simulate_rasch  # noqa: E402

R_SCRIPT = ROOT / "bench" / "r" / "bench_psychometrics.R"


def best_of(fn, repeats: int) -> float:
    best = np.inf
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def r_time(path: Path, n: int, k: int, op: str, repeats: int, timeout: float) -> str | float:
    try:
        done = subprocess.run(["Rscript", str(R_SCRIPT), str(path), str(n), str(k), op, str(repeats)],
                              capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return f"> {timeout:.0f} s"
    if done.returncode != 0:
        return "failed: " + done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "failed"
    return float(done.stdout.strip().splitlines()[-1])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="10000x100,50000x200")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--r-repeats", type=int, default=1, help="R runs per operation (default 1: they are slow)")
    ap.add_argument("--r-timeout", type=float, default=900.0, help="seconds before an R run is abandoned")
    args = ap.parse_args()
    have_r = shutil.which("Rscript") is not None
    if not have_r:
        print("Rscript not found: timing the Python side only.", file=sys.stderr)
    rows = []
    for size in args.sizes.split(","):
        n, k = (int(v) for v in size.lower().split("x"))
        sim = simulate_rasch(n, np.linspace(-2.5, 2.5, k), seed=2024)
        x = sim.responses
        cal = rasch_cml(x)
        py = {
            "item analysis (full)": best_of(lambda: item_analysis(x), args.repeats),
            "alpha": best_of(lambda: cronbach_alpha(x), args.repeats),
            "Rasch CML": best_of(lambda: rasch_cml(x), args.repeats),
            "abilities for all raw scores": best_of(lambda: ability_table(cal.difficulty), args.repeats),
        }
        r_ops = {
            "item analysis (full)": [("psych::alpha", "alpha")],
            "alpha": [("psych::alpha", "alpha")],
            "Rasch CML": [("eRm::RM", "erm"), ("psychotools::raschmodel", "raschmodel")],
            "abilities for all raw scores": [("psychotools::personpar (ML)", "personpar")],
        }
        r_cache: dict[str, object] = {}
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "x.bin"
            x.astype(np.uint8).tofile(path)
            for op, t_py in py.items():
                for label, code in r_ops[op]:
                    if have_r and code not in r_cache:
                        r_cache[code] = r_time(path, n, k, code, args.r_repeats, args.r_timeout)
                    t_r = r_cache.get(code, "not run")
                    ratio = f"{t_r / t_py:,.0f}×" if isinstance(t_r, float) else "—"
                    shown = f"{t_r:.3f}" if isinstance(t_r, float) else t_r
                    rows.append((f"{n:,} × {k}", op, f"{t_py:.3f}", label, shown, ratio))
                    print(f"{rows[-1]}", file=sys.stderr, flush=True)
    print("| data | operation | Python (s) | R implementation | R (s) | R / Python |")
    print("|---|---|---:|---|---:|---:|")
    for r in rows:
        print("| " + " | ".join(r) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
