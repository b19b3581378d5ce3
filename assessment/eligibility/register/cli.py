"""``cop register …``: the entries on the register, and the daily job (reminders, the Certificate
deadline of early registrants, lapses). The daily job is idempotent: run it from cron once a day,
or twice, and nothing is sent twice (docs/operations.md)."""
from __future__ import annotations

import datetime as dt
import json

import click
from flask import current_app
from flask.cli import AppGroup

from assessment.eligibility.register import queries, rules, services
from core import db
from core.cli import one_line_errors
from core.clock import LONDON, utcnow
from core.roles import SYSTEM

register_cli = AppGroup("register", help="The register of case managers: entries, renewal reminders, lapses.")


@register_cli.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@one_line_errors
def list_entries(as_json: bool):
    """Every entry: number, name, status, since when, renewal date, Certificate deadline."""
    rows = [{"number": r.number, "name": r.name, "status": r.status.value,
             "since": queries.london_date(r.since).isoformat(), "renewal_due_on": r.renewal_due_on.isoformat(),
             "certificate_due_on": r.certificate_due_on and r.certificate_due_on.isoformat()}
            for r in queries.all_registrations(db.session())]
    if as_json:
        click.echo(json.dumps(rows))
        return
    if not rows:
        click.echo("The register is empty.")
    for row in rows:
        click.echo(f"{row['number']}  {row['status']:<10} since {row['since']}  renewal {row['renewal_due_on']}  "
                   f"{row['name']}")


@register_cli.command("daily")
@click.option("--date", "on", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Run as on this UK date (default: today).")
@one_line_errors
def daily(on: dt.datetime | None):
    """Send the renewal and Certificate reminders due, and lapse what is due to lapse."""
    now = utcnow()
    if on is not None:  # noon in London on that day, so events carry the day they belong to
        now = dt.datetime.combine(on.date(), dt.time(12), tzinfo=LONDON).astimezone(dt.timezone.utc)
    config = current_app.config
    report = services.run_daily(db.session(), actor=SYSTEM, today=queries.london_date(now),
                                reminder_days=rules.parse_days(config["RENEWAL_REMINDER_DAYS"]),
                                grace_days=int(config["RENEWAL_GRACE_DAYS"]),
                                required_hours=float(config["RENEWAL_CPD_HOURS"]),
                                resit_after_lapse_days=int(config["RESIT_AFTER_LAPSE_DAYS"]), now=now)
    db.session().commit()
    counts = report.as_dict()
    click.echo(f"On {queries.london_date(now).isoformat()}: " + ", ".join(
        f"{len(numbers)} {name.replace('_', ' ')}" for name, numbers in counts.items()) + ".")
    for name, numbers in counts.items():
        for number in numbers:
            click.echo(f"  {name.replace('_', ' ')}: {number}")
