"""``cop invigilation verify ATTEMPT`` / ``--all``: recompute invigilation logs' hash chains.

One line per invigilation checked; then "all N chains intact" (exit 0) or the first tampered row
named by invigilation, seq, row id and reason (exit 1)."""
from __future__ import annotations

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from core import db
from core.cli import one_line_errors
from core.errors import NotFound, ValidationFailed
from assessment.delivery.models import Attempt
from proctoring import log
from proctoring.models import Invigilation


def _where(check: log.ChainCheck) -> str:
    if check.first_broken_id is None:
        return check.reason
    return f"seq {check.first_broken_seq}, row id {check.first_broken_id}: {check.reason}"


def _invigilations(session, attempt_id: int | None, every: bool) -> list[Invigilation]:
    if every:
        return list(session.scalars(select(Invigilation).order_by(Invigilation.id)))
    attempt = session.get(Attempt, attempt_id)
    if attempt is None:
        raise NotFound(f"There is no attempt {attempt_id}.")
    found = log.invigilation_for(session, sitting_id=attempt.sitting_id, candidate_id=attempt.candidate_id,
                                 now=attempt.started_at, create=False)
    if found is None:
        raise NotFound(f"Attempt {attempt_id} has no invigilation log.")
    return [found]


@click.command("verify")
@click.argument("attempt_id", type=int, required=False)
@click.option("--all", "every", is_flag=True, help="Check every invigilation's log.")
@with_appcontext
@one_line_errors
def verify_command(attempt_id, every):
    """Recompute the hash chain of ATTEMPT's invigilation log (or of every log with --all)."""
    if (attempt_id is None) == (not every):
        raise ValidationFailed("Name one attempt or give --all (not both).")
    session = db.session()
    checks = []
    for invigilation in _invigilations(session, attempt_id, every):
        check = log.verify(session, invigilation.id)
        checks.append(check)
        state = f"{check.rows_checked} rows, intact" if check.ok else f"TAMPERED at {_where(check)}"
        click.echo(f"invigilation {invigilation.id} (sitting {invigilation.sitting_id}, candidate "
                   f"{invigilation.candidate_id}): {state}")
    broken = [check for check in checks if not check.ok]
    if not broken:
        click.echo(f"all {len(checks)} chain{'' if len(checks) == 1 else 's'} intact")
        return
    first = broken[0]
    raise click.ClickException(f"{len(broken)} of {len(checks)} chains broken; the first tampered row: invigilation "
                               f"{first.invigilation_id}, {_where(first)}")
