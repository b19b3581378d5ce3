"""``cop appeals …``: every appeal and where it stands, and the attempts whose evidence an open
appeal holds (what a retention job must not delete)."""
from __future__ import annotations

import json

import click
from flask.cli import AppGroup

from assessment.results.appeals import queries
from core import db
from core.cli import one_line_errors

appeals_cli = AppGroup("appeals", help="Appeals against released results.")


@appeals_cli.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@one_line_errors
def list_appeals(as_json: bool):
    """Every appeal, open ones first: id, attempt, candidate, status."""
    rows = [{"appeal": v.appeal.id, "attempt": v.appeal.attempt_id, "candidate": v.candidate_name,
             "sitting": v.sitting_title, "status": v.status.value, "is_open": v.status.is_open}
            for v in queries.all_appeals(db.session())]
    if as_json:
        click.echo(json.dumps(rows))
        return
    if not rows:
        click.echo("No appeals.")
    for row in rows:
        click.echo(f"{row['appeal']:>5}  attempt {row['attempt']:<6} {row['status']:<16} {row['candidate']}")


@appeals_cli.command("holds")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@one_line_errors
def holds(as_json: bool):
    """The attempts whose evidence is held from deletion by an open appeal."""
    held = sorted(queries.held_attempt_ids(db.session()))
    if as_json:
        click.echo(json.dumps({"held_attempts": held}))
        return
    click.echo("No evidence is held by an appeal." if not held else
               "Evidence held by an open appeal, attempts: " + ", ".join(map(str, held)))
