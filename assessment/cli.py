"""The ``cop`` command: Flask's CLI with the app factory preloaded, and every package's commands."""
from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import AppGroup, FlaskGroup

from core import audit, db, migrations
from core.cli import one_line_errors
from core.clock import utcnow
from core.roles import SYSTEM
from core.sealed import sealer_of

db_cli = AppGroup("db", help="Database migrations (Alembic).")
demo_cli = AppGroup("demo", help="Demo data.")
audit_cli = AppGroup("audit", help="The audit log.")


@db_cli.command("upgrade")
@click.argument("revision", default="head")
def db_upgrade(revision):
    """Apply migrations up to REVISION (default: head)."""
    migrations.upgrade(db.state().engine, revision)
    click.echo(f"Database at {migrations.current_revision(db.state().engine)}")


@db_cli.command("downgrade")
@click.argument("revision", default="-1")
def db_downgrade(revision):
    """Undo migrations down to REVISION (default: one step; 'base' for all)."""
    migrations.downgrade(db.state().engine, revision)
    click.echo(f"Database at {migrations.current_revision(db.state().engine) or 'base (empty)'}")


@db_cli.command("current")
def db_current():
    """Print the database's migration revision and the newest available."""
    engine = db.state().engine
    current = migrations.current_revision(engine)
    head = migrations.head_revision(engine)
    click.echo(f"current: {current or 'none'}\nhead:    {head}")
    if current != head:
        click.echo("The database is behind: run 'cop db upgrade'.")


@demo_cli.command("load")
@click.option("--password", default=None, help="Password for demo accounts created now (default: COP_DEMO_PASSWORD "
                                               "or a generated one, printed once).")
@click.option("--without-scored-sitting", is_flag=True,
              help="Leave out the finished, marked and scored sitting of 300 simulated candidates (about 30 s).")
@one_line_errors
def demo_load(password, without_scored_sitting):
    """Load the demo accounts and data (loading twice changes nothing)."""
    from assessment.demo import DEMO_ACCOUNTS, load_demo

    password = password or current_app.config["DEMO_PASSWORD"]
    outcome = load_demo(db.session(), now=utcnow(), password=password,
                        hash_profile=current_app.config["PASSWORD_HASH_PROFILE"],
                        with_scored_sitting=not without_scored_sitting)
    if not without_scored_sitting:  # the demo sitting's released result (after the scoring demo)
        from assessment.demo_scoring import FINISHED_SITTING_TITLE
        from assessment.results.demo import load_demo_release

        from assessment.results.certificates.services import current_issuer

        load_demo_release(db.session(), sitting_title=FINISHED_SITTING_TITLE, now=utcnow(),
                          base_url=current_app.config["BASE_URL"], issuer=current_issuer())
        from assessment.results.appeals.demo import load_demo_appeal

        load_demo_appeal(db.session(), sitting_title=FINISHED_SITTING_TITLE, now=utcnow(),
                         window_days=current_app.config["APPEAL_WINDOW_DAYS"])
    from assessment.eligibility.demo import load_registration_demo

    # The registration accounts share the password of the accounts above when those were created now.
    registration = load_registration_demo(db.session(), now=utcnow(), password=outcome.password or password,
                                          hash_profile=current_app.config["PASSWORD_HASH_PROFILE"],
                                          upload_folder=current_app.config["UPLOAD_FOLDER"],
                                          sealer=sealer_of(current_app.config))
    from proctoring.demo import load_invigilation_demo

    # A closed invigilated sitting reviewed (flags decided, result withheld pending an examiner) and a
    # check-in waiting for ID approval in the sitting open now.
    load_invigilation_demo(db.session(), utcnow())
    db.session().commit()
    created = outcome.created or outcome.framework_created or registration.created
    click.echo("Demo data loaded." if created else "Demo data already loaded.")
    click.echo("Demo accounts:")
    for email, _name, roles in DEMO_ACCOUNTS:
        click.echo(f"  {email:<28} {', '.join(sorted(roles))}")
    click.echo("  applicant1@example.org …     applicants to the register (candidate)")
    click.echo("  registrant1@example.org …    case managers on the register (candidate)")
    if outcome.created:
        shown = outcome.password if outcome.password_generated else "(the one you gave)"
        click.echo(f"Password for the accounts created now: {shown}")
    elif registration.created:
        shown = registration.password if not password else "(the one you gave)"
        click.echo(f"Password for the accounts created now: {shown}")
    else:
        click.echo("Passwords are unchanged (set when the accounts were first created).")
    click.echo("Staff accounts (every role but candidate) set up two-factor sign-in with an authenticator app "
               "at their first sign-in.")


@audit_cli.command("verify")
def audit_verify():
    """Recompute the audit log's hash chain and report the first broken row."""
    check = audit.verify_chain(db.session())
    if check.ok:
        click.echo(f"Audit log intact: {check.rows_checked} rows verified.")
        return
    raise click.ClickException(f"Audit log broken at row {check.first_broken_id}: {check.reason}.")


mail_cli = AppGroup("mail", help="The mail outbox.")


@mail_cli.command("send")
@click.option("--retry-failed", is_flag=True, help="Also try messages that failed 5 times or more.")
@one_line_errors
def mail_send(retry_failed):
    """Deliver pending messages: by SMTP when COP_SMTP_HOST is set, else as .eml files in the instance folder.
    Security alerts' webhooks (ALERT_WEBHOOK_URL) wait in an outbox of their own and go out here too."""
    _deliver_outboxes(retry_failed)


def _deliver_outboxes(retry_failed: bool = False) -> None:
    from pathlib import Path

    from core import mail
    from core.alerts import services as alerts

    sender = mail.sender_from_config(current_app.config, Path(current_app.instance_path))
    outcome = mail.send_pending(db.session(), sender, sender_address=current_app.config["MAIL_FROM"], now=utcnow(),
                                retry_failed=retry_failed)
    db.session().commit()
    hooks = alerts.send_pending_webhooks(db.session(), now=utcnow(), retry_failed=retry_failed,
                                         timeout_s=alerts.current_settings().webhook_timeout_s)
    db.session().commit()
    click.echo(f"Sent {outcome.sent} message{'' if outcome.sent == 1 else 's'} ({sender.description}).")
    if hooks.sent or hooks.failed:
        click.echo(f"Posted {hooks.sent} security alert webhook{'' if hooks.sent == 1 else 's'}.")
    failed = outcome.failed + hooks.failed
    if failed:
        for line in outcome.errors + hooks.errors:
            click.echo(f"  not sent: {line}", err=True)
        raise click.ClickException(f"{failed} message{'' if failed == 1 else 's'} could not be sent; "
                                   "they will be tried again.")


evidence_cli = AppGroup("evidence", help="Sealed evidence uploads (docs/operations.md, Evidence keys).")

# The folders of sealed uploads, one per kind (each package's evidence_path / document_path puts its
# files under one of these); tests/core/test_sealed.py checks a file of each kind is found here.
EVIDENCE_FOLDERS = ("adjustments", "appeals", "cpd", "applications")


@evidence_cli.command("rotate-key")
@one_line_errors
def evidence_rotate_key():
    """Add a new evidence key, which seals every upload from now on (older keys still open theirs)."""
    number = sealer_of(current_app.config).rotate()
    audit.record(db.session(), actor=SYSTEM, action="evidence.rotate_key", target_type="evidence_key",
                 target_id=str(number), now=utcnow())
    db.session().commit()
    click.echo(f"Evidence key {number} now seals new uploads.")


@evidence_cli.command("check")
@one_line_errors
def evidence_check():
    """Check that the evidence keys here open the sealed files in the local upload and media folders."""
    from assessment.backup import media_folders, stored_files
    from assessment.backup_cli import say_seals

    config = current_app.config
    say_seals(sealer_of(config).check(stored_files(media_folders(config, current_app.instance_path))),
              config["EVIDENCE_KEY_FOLDER"])


@evidence_cli.command("seal-existing")
@one_line_errors
def evidence_seal_existing():
    """Seal the evidence files stored before sealing began (safe to run again: sealed files are skipped)."""
    from pathlib import Path

    sealer = sealer_of(current_app.config)
    sealed = checked = 0
    for kind in EVIDENCE_FOLDERS:
        folder = Path(current_app.config["UPLOAD_FOLDER"]) / kind
        for path in sorted(folder.rglob("*")) if folder.is_dir() else []:
            if path.is_file() and not path.name.startswith("."):
                checked += 1
                sealed += sealer.seal_in_place(path)
    click.echo(f"Sealed {sealed} of {checked} evidence file{'' if checked == 1 else 's'}; the rest were sealed already.")


alerts_cli = AppGroup("alerts", help="Security alerts (ALERT_* settings, docs/operations.md).")


@alerts_cli.command("test")
@click.option("--queue-only", is_flag=True, help="Queue the test alert's mail and webhook; leave them for cop mail send.")
@one_line_errors
def alerts_test(queue_only):
    """Send a test alert through every configured channel (log, ALERT_EMAILS, ALERT_WEBHOOK_URL) and
    deliver the outboxes at once, so an operator sees whether the wiring works."""
    from core.alerts import services as alerts

    settings = alerts.current_settings()
    alert = alerts.send_test_alert(db.session(), actor=SYSTEM, now=utcnow(), settings=settings)
    db.session().commit()
    click.echo(f"Test alert {alert.id} raised: logged"
               + (f", mailed to {', '.join(settings.emails)}" if settings.emails else ", no ALERT_EMAILS set")
               + (", webhook queued" if settings.webhook_url else ", no ALERT_WEBHOOK_URL set") + ".")
    if not queue_only:
        _deliver_outboxes()


def register_commands(app: Flask) -> None:
    from assessment.accounts.cli import users_cli
    from assessment.delivery.cli import delivery_cli
    from item_bank.exchange.cli import items_cli
    from item_bank.framework.cli import framework_cli
    from scoring.runs.cli import scoring_cli

    for group in (db_cli, demo_cli, audit_cli, users_cli, framework_cli, items_cli, delivery_cli,
                  scoring_cli):
        app.cli.add_command(group)
    from scoring.marking.cli import marking_cli
    app.cli.add_command(marking_cli)
    from scoring.cut_scores.cli import cutscores_cli
    app.cli.add_command(cutscores_cli)
    from assessment.results.certificates.cli import certificates_cli
    app.cli.add_command(certificates_cli)
    app.cli.add_command(mail_cli)
    app.cli.add_command(evidence_cli)
    app.cli.add_command(alerts_cli)
    from assessment.results.appeals.cli import appeals_cli
    app.cli.add_command(appeals_cli)
    from assessment.eligibility.cli import eligibility_cli
    app.cli.add_command(eligibility_cli)
    from assessment.eligibility.register.cli import register_cli
    app.cli.add_command(register_cli)
    from proctoring.cli import invigilation_cli
    from proctoring.telemetry.cli import verify_command
    invigilation_cli.add_command(verify_command)
    from assessment.invigilation_retention import purge_command
    invigilation_cli.add_command(purge_command)
    from proctoring.fairness.cli import fairness_command
    invigilation_cli.add_command(fairness_command)
    from proctoring.flags.cli import analyse_command
    invigilation_cli.add_command(analyse_command)
    app.cli.add_command(invigilation_cli)
    from proctoring.live.cli import allocate_command
    invigilation_cli.add_command(allocate_command)
    from assessment.backup_cli import backup_cli
    app.cli.add_command(backup_cli)
    from assessment.privacy.cli import privacy_cli
    app.cli.add_command(privacy_cli)


def _create_app(*_args, **_kwargs):
    from assessment.app import create_app

    return create_app()


def main() -> None:
    from assessment.results.certificates.cli import signer_cli

    group = FlaskGroup(create_app=_create_app, add_default_commands=True, load_dotenv=False,
                       help="The Certificate of Proficiency platform.")
    # On the group itself, not app.cli: found without building the app, which the signer's user cannot.
    group.add_command(signer_cli)
    group(prog_name="cop")
