"""``cop certificates …``: list them, render their PDFs ahead of need, revoke one with reasons,
rotate the signing key. ``cop signer serve``: the signer process that alone holds the keys.

Bad input (a wrong code, no reason) gives one line and a non-zero exit, and writes nothing."""
from __future__ import annotations

import json

import click
from flask.cli import AppGroup

from assessment.results.certificates import queries, services
from core import db
from core.cli import one_line_errors
from core.clock import utcnow
from core.roles import SYSTEM

# A plain click group, not an AppGroup, and added to the ``cop`` group itself (assessment/cli.py): the
# signer runs as its own user with only its key folder and socket, so it must not build the app (no
# configuration, no database, no instance folder).
signer_cli = click.Group("signer", help="The certificate signer process (holds the signing keys).")


@signer_cli.command("serve")
@click.option("--keys", "keys", required=True, type=click.Path(file_okay=False),
              help="The folder of signing keys (key-0001.pem, …); made, with key-1, when new.")
@click.option("--socket", "socket_path", required=True, type=click.Path(dir_okay=False),
              help="The Unix socket to listen on (made with mode 0660: its owner and group only).")
def signer_serve(keys, socket_path):
    """Sign certificates for the app over a Unix socket, until stopped (SIGTERM or Ctrl-C)."""
    import logging

    from assessment.results.certificates import signer_server

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")

    def ready():
        click.echo(f"Signing on {socket_path} with the keys in {keys}.", err=True)

    try:
        signer_server.serve(keys, socket_path, on_ready=ready)
    except signer_server.StartupError as error:
        raise click.ClickException(str(error)) from None


certificates_cli = AppGroup("certificates", help="Certificates: list, render PDFs, revoke, rotate the signing key.")


@certificates_cli.command("list")
@click.option("--json", "as_json", is_flag=True, help="JSON instead of a table.")
@one_line_errors
def list_certificates(as_json):
    """Every certificate, newest first: code, candidate, status."""
    rows = queries.certificates(db.session(), SYSTEM)
    if as_json:
        click.echo(json.dumps([{"code": c.code, "candidate": c.candidate_name, "candidate_id": c.candidate_id,
                                "passed_on": c.passed_on.isoformat(), "status": c.status.value,
                                "reason": c.status_reason, "pdf_sha256": c.pdf_sha256} for c in rows], indent=2))
        return
    for c in rows:
        click.echo(f"{c.code}  {c.status.value:<10}  {c.passed_on.isoformat()}  {c.candidate_name}")


@certificates_cli.command("render")
@click.argument("codes", nargs=-1)
@click.option("--pending", is_flag=True, help="Every valid certificate whose PDF is not made yet.")
@click.option("--limit", type=click.IntRange(min=1), default=None, help="With --pending: at most this many.")
@one_line_errors
def render(codes, pending, limit):
    """Make the PDFs of the certificates CODES (or, with --pending, of every valid certificate that has
    none yet), each in a transaction of its own. A PDF already made is left as it is. Otherwise each
    is made on first need (a download or a verification page), so this is only to get ahead, from cron."""
    session = db.session()
    if bool(codes) == pending:
        raise click.UsageError("Name certificate codes, or give --pending (not both).")
    certificates = ([queries.certificate_by_code(session, code) for code in codes] if codes
                    else queries.pending_documents(session, limit))
    made = 0
    for certificate in certificates:
        had = queries.has_document(session, certificate.id)
        document = services.document_for(session, certificate, utcnow())
        session.commit()
        if document is None:
            click.echo(f"{certificate.code}: revoked or superseded before its PDF was made; none made now.")
        elif not had:
            made += 1
    click.echo(f"{made} certificate PDF{'' if made == 1 else 's'} made.")


@certificates_cli.command("revoke")
@click.argument("code")
@click.option("--reason", required=True, help="Why: shown on the public verification page.")
@one_line_errors
def revoke(code, reason):
    """Revoke the certificate CODE, with reasons."""
    services.revoke(db.session(), actor=SYSTEM, code=code, reason=reason, now=utcnow())
    db.session().commit()
    click.echo(f"Certificate {queries.certificate_by_code(db.session(), code).code} revoked.")


@certificates_cli.command("rotate-key")
@one_line_errors
def rotate_key():
    """Make a new signing key for new credentials; earlier keys stay published, so earlier
    credentials still verify."""
    kid = services.rotate_key(db.session(), actor=SYSTEM, now=utcnow())
    db.session().commit()
    click.echo(f"New credentials are signed with {kid}. Earlier keys stay in the DID document.")
