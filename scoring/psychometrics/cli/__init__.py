"""``python -m scoring <command> …`` — psychometrics for examiners' spreadsheets.

Commands: item-analysis, angoff, ebel, hofstee, beuk, borderline-regression, rasch; dif, decision,
testlets (in quality.py); pcm, q3 (in irt.py). Every command
takes ``--format json|text`` and most take ``--plot FILE.svg``. Bad input exits with status 2 and a
message naming the file, row and column; it never prints a traceback.
"""

from __future__ import annotations

import argparse
import json
import sys

from . import commands, irt, quality
from .readers import InputError, check_text

__all__ = ["main", "build_parser"]


def _fraction(text: str) -> float:
    v = float(text)
    if not 0 <= v <= 1:
        raise argparse.ArgumentTypeError(f"{text} is not a fraction between 0 and 1")
    return v


_MAX_MARKS_HELP = ("a CSV with columns item, max_score, or a list such as q1=10,q7=4; "
                   "items not named default to 1 (0/1 items) or the best observed score")


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m scoring", description="Psychometrics for the Certificate of Proficiency.")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def common(sp, plot=True, policy=False):
        sp.add_argument("--format", choices=("json", "text"), default="json", help="output format (default json)")
        if plot:
            sp.add_argument("--plot", metavar="FILE.svg", help="also draw a figure to this SVG file")
        if policy:
            sp.add_argument("--sem", type=float, help="standard error of measurement, for the pass-mark policy")
            sp.add_argument("--sem-k", type=float, default=1.0, help="multiple of the SEM to add (default 1)")
            sp.add_argument("--rounding", choices=("up", "nearest", "down", "none"),
                            help="round the pass mark to a whole mark (default up when --sem is given)")

    s = sub.add_parser("item-analysis", help="classical item analysis of a responses file")
    s.add_argument("responses", metavar="RESPONSES.csv")
    s.add_argument("--key", metavar="KEY.csv", help="cells are options chosen; score them against this key")
    s.add_argument("--plot-item", metavar="ITEM", help="with --plot and --key: draw this item's option curves")
    s.add_argument("--cut", type=float, help="with --plot: mark this cut score on the score distribution")
    s.add_argument("--max-marks", metavar="FILE.csv|ITEM=MAX,…", help=_MAX_MARKS_HELP)
    common(s)

    s = sub.add_parser("angoff", help="modified-Angoff cut score from judges' ratings")
    s.add_argument("ratings", metavar="RATINGS.csv")
    s.add_argument("--round", type=int, help="use this round (default: the latest)")
    s.add_argument("--exclude", metavar="ITEM,…", help="items removed after the sitting")
    s.add_argument("--max-marks", metavar="FILE.csv|ITEM=MAX,…",
                   help="each item's maximum mark, to weight the ratings (default 1 per item): " + _MAX_MARKS_HELP)
    common(s, policy=True)

    s = sub.add_parser("ebel", help="Ebel cut score from item categories and cell success rates")
    s.add_argument("items", metavar="ITEMS.csv")
    s.add_argument("--rates", metavar="RATES.csv", required=True)
    common(s, plot=False, policy=True)

    s = sub.add_parser("hofstee", help="Hofstee compromise cut score")
    s.add_argument("scores", metavar="SCORES.csv")
    s.add_argument("--max-score", type=float, required=True)
    s.add_argument("--min-cut", type=float, required=True)
    s.add_argument("--max-cut", type=float, required=True)
    s.add_argument("--min-fail", type=_fraction, required=True)
    s.add_argument("--max-fail", type=_fraction, required=True)
    common(s, policy=True)

    s = sub.add_parser("beuk", help="Beuk compromise cut score")
    s.add_argument("scores", metavar="SCORES.csv")
    s.add_argument("--judges", metavar="JUDGES.csv", required=True)
    s.add_argument("--max-score", type=float, required=True)
    common(s, policy=True)

    s = sub.add_parser("borderline-regression", help="borderline regression (and group) cut score")
    s.add_argument("scores", metavar="SCORES.csv")
    s.add_argument("--borderline-grade", type=float, default=2.0, help="the grade meaning borderline (default 2)")
    common(s, policy=True)

    s = sub.add_parser("rasch", help="Rasch CML calibration, fit and raw-score table")
    s.add_argument("responses", metavar="RESPONSES.csv")
    s.add_argument("--key", metavar="KEY.csv")
    s.add_argument("--anchors", metavar="ANCHORS.csv", help="columns item, difficulty: fixed difficulties")
    common(s)
    quality.add_parsers(sub, common, _MAX_MARKS_HELP)
    irt.add_parsers(sub, common, _MAX_MARKS_HELP)
    return p


_POSITIONAL = {"command", "responses", "ratings", "items", "scores"}

_RUN = {
    "item-analysis": commands.item_analysis_command,
    "angoff": commands.angoff_command,
    "ebel": commands.ebel_command,
    "hofstee": commands.hofstee_command,
    "beuk": commands.beuk_command,
    "borderline-regression": commands.borderline_command,
    "rasch": commands.rasch_command,
    **quality.RUN,
    **irt.RUN,
}


def _cell(v) -> str:
    if v is None:
        return "—"
    if isinstance(v, float):
        return f"{v:.4f}"
    if isinstance(v, list):
        return ", ".join(str(x) for x in v)
    if isinstance(v, dict):
        return "  ".join(f"{k}: {_cell(x)}" for k, x in v.items())
    return str(v)


def render_text(out: dict) -> str:
    """A plain-text rendering: scalars as 'name: value', lists of records as tables."""
    lines: list[str] = []
    for key, value in out.items():
        if isinstance(value, dict):
            lines.append(f"{key}:")
            lines.extend(f"  {k}: {_cell(v)}" for k, v in value.items() if not isinstance(v, list) or v)
        elif isinstance(value, list) and value and isinstance(value[0], dict):
            cols = [c for c in value[0] if not isinstance(value[0][c], (list, dict)) or c == "flags"]
            rows = [[_cell(r.get(c)) for c in cols] for r in value]
            widths = [max(len(c), *(len(r[i]) for r in rows)) for i, c in enumerate(cols)]
            lines.append(f"{key}:")
            lines.append("  " + "  ".join(c.ljust(w) for c, w in zip(cols, widths)))
            lines.extend("  " + "  ".join(x.ljust(w) for x, w in zip(r, widths)) for r in rows)
        else:
            lines.append(f"{key}: {_cell(value)}")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        for key, value in vars(args).items():
            if isinstance(value, str):
                check_text(f"--{key.replace('_', '-')}" if key not in _POSITIONAL else key.upper(), value)
        out = _RUN[args.command](args)
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except ValueError as exc:  # the engine refused the data (e.g. an item nobody answered correctly)
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # e.g. the --plot file cannot be written
        print(f"error: {exc.filename or ''}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    text = json.dumps(out, indent=2, ensure_ascii=False, allow_nan=False) if args.format == "json" else render_text(out)
    try:
        print(text)
        sys.stdout.flush()
    except BrokenPipeError:
        # The reader went away (e.g. `| head`): not an error worth a traceback. Point stdout at
        # devnull so the interpreter's own flush at exit does not raise again.
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0
