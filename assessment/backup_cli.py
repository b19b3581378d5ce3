"""``cop backup create`` / ``cop backup restore``: the commands over ``assessment/backup.py``."""
from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from assessment import backup
from core import audit, db
from core.cli import one_line_errors
from core.clock import utcnow
from core.roles import SYSTEM
from core.sealed import SealCheck, sealer_of

backup_cli = AppGroup("backup", help="Backups of the database and the stored files (docs/operations.md).")


def _folders() -> list[backup.MediaFolder]:
    return backup.media_folders(current_app.config, current_app.instance_path)


def say_seals(check: SealCheck, key_folder: str) -> None:
    """One line when the evidence keys here open the stored files; otherwise each problem and a
    failing exit, since evidence that cannot be opened is as good as lost until the keys are found."""
    if check.ok:
        keys = ", ".join(map(str, check.keys)) or "none needed"
        click.echo(f"Evidence files open: {check.sealed} of {check.files} stored files are sealed "
                   f"(evidence keys: {keys}), and each key here opens them.")
        return
    for problem in check.problems:
        click.echo(f"  {problem}", err=True)
    raise click.ClickException(f"Sealed evidence does not open with the evidence keys in {key_folder}: put back "
                               "the keys from the secrets store (docs/operations.md, Evidence keys), then run "
                               "`cop evidence check`.")


@backup_cli.command("create")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Where to write the archive (default: cop-backup-<UTC time>.tar.gz in the current folder).")
@one_line_errors
def backup_create(output):
    """Write one archive: the database, uploaded files, invigilation media and a manifest."""
    now = utcnow()
    output = output or Path(f"cop-backup-{now.strftime('%Y%m%dT%H%M%SZ')}.tar.gz")
    manifest = backup.create_backup(db.state().engine, current_app.config["DATABASE_URL"], _folders(), output,
                                    now=now)
    files = len(manifest["members"]) - 1
    head = manifest["audit_chain_head"]
    digest = backup.file_sha256(output)
    # Recorded after the copy was taken: the audit log says when each backup was made and which file it is.
    audit.record(db.session(), actor=SYSTEM, action="backup.created", target_type="backup", target_id=output.name,
                 after={"sha256": digest, "schema_revision": manifest["schema_revision"],
                        "rows": sum(manifest["row_counts"].values()), "files": files}, now=now)
    db.session().commit()
    click.echo(f"Backup written to {output}: {manifest['database']} database at revision "
               f"{manifest['schema_revision']}, {sum(manifest['row_counts'].values())} rows, {files} files; "
               f"audit chain head {'(empty)' if head is None else head['entry_hash'][:12] + ' (row ' + str(head['id']) + ')'}.")
    click.echo(f"SHA-256 of the archive: {digest}")


@backup_cli.command("restore")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Replace a database that is not empty.")
@one_line_errors
def backup_restore(path, yes):
    """Check PATH's hashes, restore the database and files, then verify the audit and invigilation chains."""
    state = db.state()
    report = backup.restore_backup(state.engine, current_app.config["DATABASE_URL"], _folders(), path,
                                   overwrite=yes, session_factory=state.session_factory,
                                   sealer=sealer_of(current_app.config))
    manifest = report.manifest
    click.echo(f"Restored the backup of {manifest['created_at']} (revision {manifest['schema_revision']}, "
               f"{sum(manifest['row_counts'].values())} rows) and {report.files_restored} files.")
    if report.ok:
        # The restore is itself recorded, chained after the restored rows (only when they verify: a broken
        # chain is left exactly as restored, for whoever investigates it).
        audit.record(db.session(), actor=SYSTEM, action="backup.restored", target_type="backup", target_id=path.name,
                     after={"sha256": backup.file_sha256(path), "created_at": manifest["created_at"],
                            "schema_revision": manifest["schema_revision"], "files": report.files_restored},
                     now=utcnow())
        db.session().commit()
        click.echo(f"Audit log intact: {report.audit_rows} rows verified; {report.invigilation_logs} invigilation "
                   f"log{'' if report.invigilation_logs == 1 else 's'} intact.")
        say_seals(report.seals, current_app.config["EVIDENCE_KEY_FOLDER"])
        return
    for problem in filter(None, [report.audit_problem, *report.invigilation_problems]):
        click.echo(f"  {problem}", err=True)
    raise click.ClickException("The restored data does not verify: its hash chains are broken (see above). "
                               "Do not use it until this is explained.")
