"""``cop marking …``: a sitting's marking progress, for the lead examiner at a terminal."""
from __future__ import annotations

import dataclasses
import json

import click
from flask.cli import AppGroup

from core import db
from core.cli import one_line_errors
from core.clock import utcnow
from scoring.marking import moderation

marking_cli = AppGroup("marking", help="Blind double marking of written answers.")


@marking_cli.command("progress")
@click.option("--sitting", "sitting_id", type=int, required=True, help="The sitting's id.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@one_line_errors
def progress(sitting_id: int, as_json: bool):
    """How many written answers are marked once, twice, await a third marker, or are resolved."""
    found = moderation.progress(db.session(), sitting_id, utcnow())
    if as_json:
        click.echo(json.dumps({"sitting": sitting_id, **dataclasses.asdict(found)}))
        return
    for name, value in dataclasses.asdict(found).items():
        click.echo(f"{name.replace('_', ' '):<16} {value}")
