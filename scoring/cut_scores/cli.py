"""``cop cutscores …``: list the decisions (with their status) and equate an approved standard onto a
later run. Both only read; bad input gives one line and a non-zero exit."""
from __future__ import annotations

import json

import click
from flask.cli import AppGroup

from core import db
from core.cli import one_line_errors
from core.errors import ValidationFailed
from core.roles import SYSTEM
from scoring.cut_scores import queries
from scoring.cut_scores.equating import MODEL_NAMES, Link, Model

cutscores_cli = AppGroup("cutscores", help="Cut-score decisions: list them, equate an approved standard.")


@cutscores_cli.command("list")
@click.option("--sitting", "sitting_id", type=int, default=None, help="Only this sitting's decisions.")
@click.option("--json", "as_json", is_flag=True, help="JSON instead of a table.")
@one_line_errors
def list_decisions(sitting_id, as_json):
    """Every decision: id, sitting, run, method, cut, pass mark, status."""
    rows = queries.decisions(db.session(), SYSTEM, sitting_id)
    if as_json:
        click.echo(json.dumps([r.as_dict() for r in rows], indent=2))
        return
    if not rows:
        click.echo("No cut-score decisions.")
    for r in rows:
        se = f" (SE {r.standard_error:.2f})" if r.standard_error is not None else ""
        click.echo(f"{r.id:>5}  sitting {r.sitting_id:<5} run {r.scoring_run_id:<5} {r.method:<22} "
                   f"cut {r.raw_cut:.2f}{se}  pass mark {r.pass_mark:g}  {r.status.value}")


@cutscores_cli.command("equate")
@click.option("--from-run", "from_run", type=int, required=True, help="The earlier run whose standard was approved.")
@click.option("--to-run", "to_run", type=int, required=True, help="The later run, of a paper sharing anchor items.")
@click.option("--link", type=click.Choice([l.value for l in Link]), default=Link.ANCHORED.value, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="JSON instead of text.")
@one_line_errors
def equate(from_run, to_run, link, as_json):
    """Carry the approved standard of FROM-RUN onto TO-RUN through a Rasch calibration (the partial
    credit model when a paper has written items)."""
    view = queries.equate_runs(db.session(), SYSTEM, from_run, to_run, link)
    if view.problem:
        raise ValidationFailed(view.problem)
    e = view.result
    if as_json:
        click.echo(json.dumps({**view.record(), "pass_mark": view.pass_mark.pass_mark,
                               "policy": {"k": view.pass_mark.k, "sem": view.pass_mark.sem,
                                          "rounding": view.pass_mark.rounding}}, indent=2))
        return
    click.echo(f"Run {from_run} cut {e.old_cut:.4g} of {e.old_max:g} (decision {view.source.id}) → θ {e.theta:.4f}")
    click.echo(f"Run {to_run} equated cut {e.equated_cut:.4f} of {e.new_max:g} marks ({e.link.value}); "
               f"pass mark {view.pass_mark.pass_mark:g} under the earlier policy")
    click.echo(f"Model: {MODEL_NAMES[e.model]}")
    click.echo(f"Mean/mean shift {e.shift:.4f}; {len(e.anchors)} anchors, {e.n_drifted} moved more than 0.5 logits"
               + (" (anchors compared by location, the mean of their thresholds)" if e.model == Model.PCM else ""))
    for a in e.anchors:
        click.echo(f"  {a.label:<8} old {a.old_difficulty:+.3f}  new {a.new_difficulty:+.3f}  "
                   f"displacement {a.displacement:+.3f}{'  moved' if a.drifted else ''}")
    for note in e.notes:
        click.echo(f"Note: {note}")
