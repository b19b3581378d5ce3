"""``cop privacy export`` / ``cop privacy erase``: subject access and erasure from the command line."""
from __future__ import annotations

import getpass
import os
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from assessment.privacy import services
from core import db
from core.cli import one_line_errors
from core.clock import utcnow
from core.roles import SYSTEM, Actor
from core.sealed import sealer_of

privacy_cli = AppGroup("privacy", help="Personal data: subject access exports and erasure (docs/privacy.md).")


def _operator() -> Actor:
    """The system acting for whoever ran the command: the audit log names their login on this host."""
    try:
        login = getpass.getuser()
    except (KeyError, OSError):
        login = "unknown"
    return Actor(user_id=None, label=f"command line ({login})", roles=SYSTEM.roles)


def _store():
    return current_app.extensions.get("cop.media")


@privacy_cli.command("export")
@click.option("--email", required=True, help="The person's email address.")
@click.option("--output", required=True, type=click.Path(dir_okay=False, path_type=Path), help="The ZIP to write.")
@click.option("--requested-by", required=True, help="Who asked, and how (recorded in the audit log).")
@one_line_errors
def privacy_export(email, output, requested_by):
    """Write everything held about a person to a ZIP (a JSON per area, their files and a README)."""
    if output.exists():
        raise click.ClickException(f"{output} already exists; give another --output.")
    if not output.parent.is_dir():
        raise click.ClickException(f"There is no folder {output.parent} to write the export to.")
    session = db.session()
    person = services.find_person(session, email)
    export = services.export_person(session, actor=_operator(), user=person, requested_by=requested_by,
                                    upload_folder=current_app.config["UPLOAD_FOLDER"],
                                    sealer=sealer_of(current_app.config), media_store=_store(), now=utcnow())
    descriptor = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)  # personal data: owner only
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(export.data)
    session.commit()
    click.echo(f"Export written to {output}: {sum(export.areas.values())} records in {len(export.areas)} areas, "
               f"{export.files} files" + (f" ({len(export.files_missing)} no longer held)" if export.files_missing
                                          else "") + ".")


@privacy_cli.command("erase")
@click.option("--email", required=True, help="The person's email address.")
@click.option("--requested-by", required=True, help="Who asked, and how (recorded in the audit log).")
@click.option("--yes", is_flag=True, help="Erase now (without it, only say whether erasure is possible).")
@one_line_errors
def privacy_erase(email, requested_by, yes):
    """Anonymise a person's account and delete what the law allows; say what was kept and why."""
    session = db.session()
    person = services.find_person(session, email)
    if not yes:
        blockers = services.erasure_blockers(session, person)
        if blockers:
            raise click.ClickException("Erasure is refused for now: " + "; ".join(blockers) + ".")
        click.echo(f"{email} can be erased: the account would be anonymised and what may go deleted; exam "
                   "evidence, results and register decisions are kept. Nothing was changed: give --yes to erase.")
        return
    erasure = services.erase_person(session, actor=_operator(), user=person, requested_by=requested_by,
                                    upload_folder=current_app.config["UPLOAD_FOLDER"], media_store=_store(),
                                    retention_config=current_app.config, now=utcnow())
    session.commit()
    click.echo(f"Account {erasure.user_id} erased.")
    for line in erasure.lines():
        click.echo(f"  {line}")


@privacy_cli.command("sweep")
@click.option("--dry-run", is_flag=True, help="Count what is past its period; delete nothing.")
@one_line_errors
def privacy_sweep(dry_run):
    """Delete what has passed its retention period (RETENTION_* settings; docs/privacy.md). Run daily."""
    from assessment.privacy.retention import RetentionPeriods, sweep

    config = current_app.config
    session = db.session()
    report = sweep(session, actor=_operator(), periods=RetentionPeriods.from_config(config),
                   mail_folder=Path(config.get("MAIL_FOLDER") or Path(current_app.instance_path) / "mail"),
                   now=utcnow(), dry_run=dry_run)
    session.commit()
    click.echo(report.line())
