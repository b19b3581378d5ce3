"""``cop items …``: bank statistics, QTI export and QTI import for bulk work."""
from __future__ import annotations

import json
from pathlib import Path

import click
from flask.cli import AppGroup
from sqlalchemy import column, func, select, table

from core import db
from core.cli import one_line_errors
from core.clock import utcnow
from core.errors import NotFound
from core.roles import SYSTEM, Actor, Role
from item_bank.exchange import services

items_cli = AppGroup("items", help="The item bank: statistics, QTI export and import.")

# The accounts tables belong to an upper layer; they are read by name, not through its classes.
_users = table("users", column("id"), column("email"), column("is_enabled"))
_grants = table("role_grants", column("user_id"), column("role"))


def actor_for_email(email: str) -> Actor:
    session = db.session()
    row = session.execute(select(_users.c.id, _users.c.email, _users.c.is_enabled)
                          .where(func.lower(_users.c.email) == email.strip().lower())).first()
    if row is None:
        raise NotFound(f"There is no account with the email address {email}.")
    if not row.is_enabled:
        raise click.ClickException(f"The account {row.email} is disabled.")
    roles = frozenset(Role(r) for r in session.scalars(select(_grants.c.role).where(_grants.c.user_id == row.id)))
    return Actor(user_id=row.id, label=row.email, roles=roles)


@items_cli.command("stats")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@one_line_errors
def stats_command(as_json):
    """Counts of case studies and items (latest versions) by status, type and theme, and the papers."""
    numbers = services.stats(db.session())
    if as_json:
        click.echo(json.dumps(numbers, indent=2, ensure_ascii=False))
        return
    click.echo(f"Case studies: {numbers['case_studies']}    Items: {numbers['items']}")
    for title, key in (("By status", "by_status"), ("By item type", "by_type"), ("By theme (primary sub-standard)", "by_theme")):
        click.echo(f"\n{title}:")
        for name, count in numbers[key].items():
            click.echo(f"  {name.replace('_', ' '):<24}{count:>6}")
    click.echo("\nExam papers:")
    for paper in numbers["papers"] or []:
        click.echo(f"  {paper['id']:>4}  {paper['title']}{'' if paper['published'] else '  (not published)'}")
    if not numbers["papers"]:
        click.echo("  none")


@items_cli.command("export-qti")
@click.option("--case-study", "case_study_id", type=int, help="The case study to export (its latest version).")
@click.option("--version", "number", type=int, default=None, help="With --case-study: a version number.")
@click.option("--paper", "paper_id", type=int, help="The published exam paper to export.")
@click.option("--qti", "qti_version", type=click.Choice(services.QTI_VERSIONS), required=True, help="QTI version.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True, path_type=Path), required=True,
              help="The zip file to write.")
@one_line_errors
def export_command(case_study_id, number, paper_id, qti_version, output):
    """Write a case study or a published paper as a QTI content package."""
    if (case_study_id is None) == (paper_id is None):
        raise click.UsageError("Give exactly one of --case-study ID and --paper ID.")
    if number is not None and case_study_id is None:
        raise click.UsageError("--version goes with --case-study.")
    session = db.session()
    if case_study_id is not None:
        export = services.export_case_study(session, actor=SYSTEM, case_study_id=case_study_id,
                                            qti_version=qti_version, number=number, now=utcnow())
    else:
        export = services.export_paper(session, actor=SYSTEM, paper_id=paper_id, qti_version=qti_version, now=utcnow())
    try:
        output.write_bytes(export.data)
    except OSError as error:
        session.rollback()
        raise click.ClickException(f"{output}: cannot write ({error.strerror or error})") from None
    session.commit()
    click.echo(f"Wrote {output} ({len(export.data):,} bytes, QTI {qti_version})")


@items_cli.command("import-qti")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--as", "email", required=True, help="The item writer who will own the draft case studies.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@one_line_errors
def import_command(path, email, as_json):
    """Import a QTI 2.2 / 3.0 package (.zip or folder) or a single item (.xml) into draft case studies.

    Exits with status 1 when nothing could be imported.
    """
    if not path.exists():
        raise click.ClickException(f"{path}: no such file")
    actor = actor_for_email(email)

    def progress(done: int, total: int, row: services.ImportRow) -> None:
        state = "imported" if row.imported else "not imported"
        click.echo(f"[{done}/{total}] {row.source}: {state}", err=True)

    outcome = services.import_qti(db.session(), actor=actor, data=path, now=utcnow(), progress=progress)
    db.session().commit()
    if as_json:
        click.echo(json.dumps(outcome.to_dict(), indent=2, ensure_ascii=False))
    else:
        _print_report(outcome)
    if not outcome.imported:
        click.get_current_context().exit(1)


def _print_report(outcome: services.ImportOutcome) -> None:
    click.echo(f"QTI {outcome.qti_version or '?'}: {len(outcome.imported)} imported, {len(outcome.skipped)} not imported")
    for problem in outcome.problems:
        click.echo(f"  package: {problem}")
    for case in outcome.case_studies:
        click.echo(f"Draft case study {case['id']}: {case['title']} ({case['items']} items)")
    for row in outcome.imported:
        click.echo(f"  imported      {row.source} ({row.item_type}) → case study {row.case_study_id}, item {row.item_id}")
        for note in row.notes:
            click.echo(f"                note: {note}")
    for row in outcome.skipped:
        click.echo(f"  not imported  {row.source}: {'; '.join(row.reasons)}")
