"""``cop invigilation allocate SITTING EMAIL…``: share a sitting's booked candidates among
invigilators from the command line (the same rule and checks as the allocation page)."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from core import db
from core.cli import one_line_errors
from core.clock import utcnow
from core.roles import SYSTEM
from assessment.accounts.services import find_user_by_email
from proctoring.live import services


@click.command("allocate")
@click.argument("sitting_id", type=int)
@click.argument("emails", nargs=-1, required=True)
@with_appcontext
@one_line_errors
def allocate_command(sitting_id: int, emails: tuple[str, ...]):
    """Allocate SITTING_ID's booked candidates to the invigilators with these EMAILS (balanced, at
    most INVIGILATION_CANDIDATES_PER_INVIGILATOR each, keeping current places where it can)."""
    session = db.session()
    people = []
    for email in emails:
        person = find_user_by_email(session, email)
        if person is None:
            raise click.ClickException(f"There is no account for {email}.")
        people.append(person.id)
    written = services.allocate(session, actor=SYSTEM, sitting_id=sitting_id, invigilator_ids=people, now=utcnow(),
                                per_invigilator=int(current_app.config["INVIGILATION_CANDIDATES_PER_INVIGILATOR"]))
    session.commit()
    standing = services.current_allocation(session, sitting_id)
    click.echo(f"Allocated {len(standing)} candidate{'' if len(standing) == 1 else 's'} to {len(people)} "
               f"invigilator{'' if len(people) == 1 else 's'} ({written} changed).")
