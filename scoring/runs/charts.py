"""The score distribution of a run as an SVG bar chart, drawn on the server (pure: no Flask, no
database). Presentation attributes only, no ``style``, so the strict CSP holds; the page gives a
table of the same numbers as the text alternative."""
from __future__ import annotations

from html import escape

WIDTH, HEIGHT = 640, 260
LEFT, RIGHT, TOP, BOTTOM = 48, 16, 16, 40


def histogram_svg(histogram: list, max_score: float, *, title: str, cut: float | None = None) -> str:
    """``histogram`` is [[total, count], ...]. Bars stand at each total from 0 to ``max_score``."""
    counts = {float(t): int(c) for t, c in histogram}
    top = max(counts.values(), default=1) or 1
    span = max(float(max_score), max(counts, default=0.0), 1.0)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    bar_w = max(2.0, plot_w / (span + 1) * 0.8)

    def x_of(total: float) -> float:
        return LEFT + (total + 0.5) / (span + 1) * plot_w

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
             f'aria-labelledby="score-chart-title" class="score-chart" width="100%">',
             f'<title id="score-chart-title">{escape(title)}</title>',
             f'<line x1="{LEFT}" y1="{TOP + plot_h}" x2="{LEFT + plot_w}" y2="{TOP + plot_h}" stroke="#0b0c0c"/>',
             f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{TOP + plot_h}" stroke="#0b0c0c"/>']
    for total, count in sorted(counts.items()):
        h = count / top * plot_h
        parts.append(f'<rect x="{x_of(total) - bar_w / 2:.1f}" y="{TOP + plot_h - h:.1f}" width="{bar_w:.1f}" '
                     f'height="{h:.1f}" fill="#1d70b8"><title>{total:g} marks: {count} candidate'
                     f'{"" if count == 1 else "s"}</title></rect>')
    step = max(1, int(span // 10) or 1)
    mark = 0
    while mark <= span:
        parts.append(f'<text x="{x_of(mark):.1f}" y="{TOP + plot_h + 16}" font-size="12" text-anchor="middle" '
                     f'fill="#0b0c0c">{mark:g}</text>')
        mark += step
    parts.append(f'<text x="{LEFT - 6}" y="{TOP + 10}" font-size="12" text-anchor="end" fill="#0b0c0c">{top}</text>')
    parts.append(f'<text x="{LEFT - 6}" y="{TOP + plot_h}" font-size="12" text-anchor="end" fill="#0b0c0c">0</text>')
    parts.append(f'<text x="{LEFT + plot_w / 2:.1f}" y="{HEIGHT - 6}" font-size="12" text-anchor="middle" '
                 f'fill="#0b0c0c">Total marks</text>')
    if cut is not None:
        parts.append(f'<line x1="{x_of(cut) - 0.5 * plot_w / (span + 1):.1f}" y1="{TOP}" '
                     f'x2="{x_of(cut) - 0.5 * plot_w / (span + 1):.1f}" y2="{TOP + plot_h}" stroke="#d4351c" '
                     f'stroke-width="2" stroke-dasharray="6 4"/>')
    parts.append("</svg>")
    return "".join(parts)
