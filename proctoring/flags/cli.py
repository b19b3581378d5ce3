"""``cop invigilation analyse``: count faces and raise flags, for one attempt, one sitting, or every
sitting open now (the job to run every minute or so while a sitting is open). Each invigilation is
its own transaction: one that fails does not hold back the others' flags."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from core import db
from core.cli import one_line_errors
from core.clock import utcnow


@click.command("analyse")
@click.option("--attempt", "attempt_id", type=int, help="Analyse this attempt's invigilation.")
@click.option("--sitting", "sitting_id", type=int, help="Analyse every invigilation of this sitting.")
@click.option("--open", "open_sittings", is_flag=True,
              help="Analyse every invigilation of the sittings open now (or closed in the last hour).")
@with_appcontext
@one_line_errors
def analyse_command(attempt_id, sitting_id, open_sittings):
    """Count faces in new snapshots and raise the automated flags (running it again raises nothing twice)."""
    from proctoring.flags import services

    if sum(1 for chosen in (attempt_id is not None, sitting_id is not None, open_sittings) if chosen) != 1:
        raise click.UsageError("Give exactly one of --attempt ID, --sitting ID or --open.")
    session, now = db.session(), utcnow()
    ids = services.invigilations_to_analyse(session, attempt_id=attempt_id, sitting_id=sitting_id,
                                            open_at=now if open_sittings else None)
    store = current_app.extensions["cop.media"]
    settings = services.policy_settings(current_app.config)
    total = 0
    for invigilation_id in ids:
        analysis = services.analyse(session, invigilation_id=invigilation_id, store=store, now=now, settings=settings)
        session.commit()
        total += len(analysis.flags_raised)
        click.echo(analysis.summary())
    click.echo(f"{len(ids)} invigilation{'' if len(ids) == 1 else 's'} analysed, {total} new flag"
               f"{'' if total == 1 else 's'}.")
