"""``cop delivery …``: delivery jobs."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from core import db
from core.cli import one_line_errors
from core.clock import utcnow
from assessment.delivery import services

delivery_cli = AppGroup("delivery", help="Exam delivery: sittings and attempts.")


@delivery_cli.command("close-overdue")
@one_line_errors
def close_overdue():
    """Record the automatic submission of every attempt whose deadline has passed."""
    closed = services.close_overdue(db.session(), now=utcnow())
    db.session().commit()
    click.echo(f"Closed {len(closed)} overdue attempt{'' if len(closed) == 1 else 's'}.")
