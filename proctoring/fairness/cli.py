"""``cop invigilation fairness``: the fairness report's figures on the command line (added to the
``invigilation`` group in the composition root)."""
from __future__ import annotations

import json

import click
from flask import current_app
from flask.cli import with_appcontext

from core import db
from core.cli import one_line_errors
from core.roles import SYSTEM
from proctoring.fairness import queries


def _pct(value) -> str:
    return "—" if value is None else f"{100 * value:.1f}%"


def _num(value, places: int = 2) -> str:
    return "—" if value is None else f"{value:.{places}f}"


@click.command("fairness")
@click.option("--sitting", "sitting_id", type=click.IntRange(1, 2**31 - 1), default=None, help="One sitting's id (default: every sitting).")
@click.option("--question", default=None, help="An equality monitoring question (id or key) whose groups to compare.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@with_appcontext
@one_line_errors
def fairness_command(sitting_id: int | None, question: str | None, as_json: bool):
    """Flag rates per sitting and flag kind (flags per candidate, share flagged, confirmed and
    dismissed on review) and, with --question, each monitored group against the rest (rates, ratio,
    Fisher's exact p). Groups smaller than DIF_MIN_GROUP are not reported."""
    report = queries.fairness_report(db.session(), SYSTEM, sitting_id=sitting_id, question=question,
                                     min_group=current_app.config["DIF_MIN_GROUP"])
    if as_json:
        click.echo(json.dumps(report.as_json()))
        return
    scope = report.sitting.title if report.sitting else "every sitting"
    click.echo(f"Flag rates, {scope}: {report.overall[0].n_candidates} candidates")
    for rate in report.overall:
        click.echo(f"  {rate.label}: {rate.n_flags} flags, {_num(rate.flags_per_candidate)} per candidate, "
                   f"{rate.n_flagged} candidates flagged ({_pct(rate.share_flagged)}); reviewed: "
                   f"{rate.n_confirmed} confirmed ({_pct(rate.share_confirmed)}), {rate.n_dismissed} dismissed "
                   f"({_pct(rate.share_dismissed)}), {rate.n_unreviewed} not reviewed")
    if report.question is None:
        return
    click.echo(f"Across groups: {report.question.text} (each group against the rest; groups under "
               f"{report.min_group} not reported)")
    for comparison in report.comparisons:
        click.echo(f"  {comparison.measure.label}")
        for row in comparison.rows:
            if row.suppressed:
                click.echo(f"    {row.label}: fewer than {report.min_group} candidates in this group or in the rest: "
                           "not reported")
            else:
                click.echo(f"    {row.label}: {row.k_group} of {row.n_group} ({_pct(row.rate_group)}) against "
                           f"{_pct(row.rate_rest)} in the rest, ratio {_num(row.ratio)}, p {_num(row.p_value, 4)}")
    click.echo(report.note)
