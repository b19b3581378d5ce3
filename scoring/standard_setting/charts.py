"""Plots of an exercise as SVG drawn on the server (pure; presentation attributes only, no ``style``,
so the strict CSP holds). Each page gives a table of the same numbers as the text alternative."""
from __future__ import annotations

from html import escape

WIDTH, HEIGHT = 640, 280
LEFT, RIGHT, TOP, BOTTOM = 52, 16, 16, 44
COLOURS = ("#d4351c", "#00703c", "#4c2c92", "#f47738", "#912b88", "#28a197")
INK = "#0b0c0c"


def _open(title: str, ident: str, height: int = HEIGHT) -> list[str]:
    return [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" role="img" '
            f'aria-labelledby="{ident}-title" class="score-chart" width="100%">',
            f'<title id="{ident}-title">{escape(title)}</title>']


def _text(x, y, words, anchor="middle", size=12, colour=INK) -> str:
    return (f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" '
            f'fill="{colour}">{escape(str(words))}</text>')


def _axes(parts, plot_w, plot_h, x_label, y_label) -> None:
    parts.append(f'<line x1="{LEFT}" y1="{TOP + plot_h}" x2="{LEFT + plot_w}" y2="{TOP + plot_h}" stroke="{INK}"/>')
    parts.append(f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{TOP + plot_h}" stroke="{INK}"/>')
    parts.append(_text(LEFT + plot_w / 2, TOP + plot_h + 36, x_label))
    parts.append(f'<text x="14" y="{TOP + plot_h / 2:.1f}" font-size="12" text-anchor="middle" fill="{INK}" '
                 f'transform="rotate(-90 14 {TOP + plot_h / 2:.1f})">{escape(y_label)}</text>')


def _mark_ticks(parts, x_of, span, y) -> None:
    step = max(1, int(span // 10) or 1)
    mark = 0
    while mark <= span:
        parts.append(_text(x_of(mark), y, f"{mark:g}"))
        mark += step


def distribution_svg(histogram: list, max_score: float, cuts: list[tuple[str, float]], *, title: str) -> str:
    """Bars of candidates per total, with a dashed line at each candidate cut (labelled)."""
    counts = {float(t): int(c) for t, c in histogram}
    top = max(counts.values(), default=1) or 1
    span = max(float(max_score), max(counts, default=0.0), 1.0)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    bar_w = max(2.0, plot_w / (span + 1) * 0.8)

    def x_of(total: float) -> float:
        return LEFT + (total + 0.5) / (span + 1) * plot_w

    parts = _open(title, "distribution")
    _axes(parts, plot_w, plot_h, "Total marks", "Candidates")
    for total, count in sorted(counts.items()):
        h = count / top * plot_h
        parts.append(f'<rect x="{x_of(total) - bar_w / 2:.1f}" y="{TOP + plot_h - h:.1f}" width="{bar_w:.1f}" '
                     f'height="{h:.1f}" fill="#1d70b8"/>')
    _mark_ticks(parts, x_of, span, TOP + plot_h + 16)
    parts.append(_text(LEFT - 6, TOP + 10, top, anchor="end"))
    for n, (label, cut) in enumerate(cuts):
        x = x_of(cut) - 0.5 * plot_w / (span + 1)
        colour = COLOURS[n % len(COLOURS)]
        parts.append(f'<line x1="{x:.1f}" y1="{TOP}" x2="{x:.1f}" y2="{TOP + plot_h}" stroke="{colour}" '
                     f'stroke-width="2" stroke-dasharray="6 4"/>')
        parts.append(_text(x + 4, TOP + 14 + 14 * n, f"{label} {cut:.1f}", anchor="start", colour=colour))
    parts.append("</svg>")
    return "".join(parts)


def hofstee_svg(totals, max_score: float, *, min_cut: float, max_cut: float, min_fail: float, max_fail: float,
                cut: float | None, title: str) -> str:
    """The observed fail rate if the pass mark were at each mark (a staircase), the judges' rectangle
    and line, and the cut where they meet."""
    scores = sorted(float(t) for t in totals)
    n = len(scores) or 1
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    span = max(float(max_score), 1.0)

    def x_of(mark: float) -> float:
        return LEFT + mark / span * plot_w

    def y_of(rate: float) -> float:
        return TOP + (1 - rate) * plot_h

    parts = _open(title, "hofstee")
    _axes(parts, plot_w, plot_h, "Pass mark (marks)", "Fail rate")
    points = []
    below = 0
    for value in sorted(set(scores)):
        points.append(f"{x_of(value):.1f},{y_of(below / n):.1f}")
        below += scores.count(value)
        points.append(f"{x_of(value):.1f},{y_of(below / n):.1f}")
    points = [f"{x_of(0):.1f},{y_of(0):.1f}", *points, f"{x_of(span):.1f},{y_of(below / n):.1f}"]
    parts.append(f'<polyline points="{" ".join(points)}" fill="none" stroke="#1d70b8" stroke-width="2"/>')
    parts.append(f'<rect x="{x_of(min_cut):.1f}" y="{y_of(max_fail):.1f}" width="{x_of(max_cut) - x_of(min_cut):.1f}" '
                 f'height="{y_of(min_fail) - y_of(max_fail):.1f}" fill="none" stroke="#505a5f" stroke-dasharray="4 3"/>')
    parts.append(f'<line x1="{x_of(min_cut):.1f}" y1="{y_of(max_fail):.1f}" x2="{x_of(max_cut):.1f}" '
                 f'y2="{y_of(min_fail):.1f}" stroke="#d4351c" stroke-width="2"/>')
    if cut is not None:
        rate = sum(s < cut for s in scores) / n
        parts.append(f'<circle cx="{x_of(cut):.1f}" cy="{y_of(rate):.1f}" r="5" fill="{INK}"/>')
        parts.append(_text(x_of(cut) + 8, y_of(rate) - 8, f"cut {cut:.1f}", anchor="start"))
    _mark_ticks(parts, lambda m: x_of(m), span, TOP + plot_h + 16)
    for rate in (0, 0.5, 1):
        parts.append(_text(LEFT - 6, y_of(rate) + 4, f"{rate:.0%}", anchor="end"))
    parts.append("</svg>")
    return "".join(parts)


def spread_svg(labels: list[str], rounds: list[tuple[int, dict]], *, title: str) -> str:
    """Per item (a row), per round (a colour): a line from the lowest to the highest rating and a dot
    at the median. ``rounds``: [(round, {label: [n, min, median, max]})]."""
    row_h = 22
    height = TOP + BOTTOM + row_h * max(len(labels), 1)
    plot_w, plot_h = WIDTH - LEFT - RIGHT - 40, row_h * max(len(labels), 1)
    left = LEFT + 40

    def x_of(p: float) -> float:
        return left + p * plot_w

    parts = _open(title, "spread", height)
    parts.append(f'<line x1="{left}" y1="{TOP + plot_h}" x2="{left + plot_w}" y2="{TOP + plot_h}" stroke="{INK}"/>')
    for p in (0, 0.25, 0.5, 0.75, 1):
        parts.append(f'<line x1="{x_of(p):.1f}" y1="{TOP}" x2="{x_of(p):.1f}" y2="{TOP + plot_h}" stroke="#b1b4b6"/>')
        parts.append(_text(x_of(p), TOP + plot_h + 16, f"{p:.0%}"))
    parts.append(_text(left + plot_w / 2, TOP + plot_h + 36, "Ratings (chance a just-competent case manager succeeds)"))
    k = max(len(rounds), 1)
    for row, label in enumerate(labels):
        y0 = TOP + row * row_h
        parts.append(_text(left - 6, y0 + row_h / 2 + 4, label, anchor="end"))
        for n, (rnd, spreads) in enumerate(rounds):
            s = spreads.get(label)
            if not s:
                continue
            y = y0 + (n + 1) * row_h / (k + 1)
            colour = COLOURS[n % len(COLOURS)]
            parts.append(f'<line x1="{x_of(s[1]):.1f}" y1="{y:.1f}" x2="{x_of(s[3]):.1f}" y2="{y:.1f}" '
                         f'stroke="{colour}" stroke-width="2"/>')
            parts.append(f'<circle cx="{x_of(s[2]):.1f}" cy="{y:.1f}" r="3.5" fill="{colour}"/>')
    for n, (rnd, _s) in enumerate(rounds):  # the legend, under the axis on the left
        parts.append(_text(4, TOP + plot_h + 16 + 14 * n, f"Round {rnd}", anchor="start", colour=COLOURS[n % len(COLOURS)]))
    parts.append("</svg>")
    return "".join(parts)
