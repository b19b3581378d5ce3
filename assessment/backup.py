"""Backups: one archive holding the database, the uploaded files and the invigilation media, with a
manifest that lets a restore prove the archive is whole before it changes anything.

The archive is a single ``.tar.gz`` file (one thing to copy off-site, encrypt and checksum; a folder
invites partial copies). Members:

- ``manifest.json`` — when, from which schema revision and kind of database, the SHA-256 of every
  other member, the rows in each table and the head of the audit chain;
- ``database/cop.sqlite3`` (SQLite, taken with the online backup API, safe while the app runs) or
  ``database/cop.dump`` (PostgreSQL, ``pg_dump --format=custom`` of the configured schema);
- ``uploads/…`` (``UPLOAD_FOLDER``) and ``invigilation-media/…`` (``INVIGILATION_MEDIA_FOLDER`` when
  the media backend is local; an S3 bucket is protected by the bucket's own versioning).

The database is copied first and the folders after it: files are named by their content's hash and
only ever added (or purged), so every file the copied database refers to is still there when the
folders are read. Restoring checks every hash first, refuses a backup from a newer schema than this
code knows and a non-empty database unless told to overwrite, then restores and re-verifies the
audit chain and every invigilation log chain. Last it checks that the evidence keys in place open
the restored files (the keys are never in the archive: they come back from the secrets store).
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from urllib.parse import unquote

from sqlalchemy import Engine, func, inspect, select, table, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.schema import CreateSchema, DropSchema

from core import audit, migrations
from core.errors import Conflict, ValidationFailed
from core.sealed import SealCheck, Sealer

FORMAT_VERSION = 1
MANIFEST = "manifest.json"
SQLITE_MEMBER = "database/cop.sqlite3"
POSTGRES_MEMBER = "database/cop.dump"


def _tool(name: str) -> str:
    """The PostgreSQL client program: /usr/bin/<name>, or the path in COP_PG_DUMP / COP_PG_RESTORE."""
    return os.environ.get(f"COP_{name.upper()}", f"/usr/bin/{name}")


class BackupError(ValidationFailed):
    """A backup or restore that cannot go ahead; the message is one line for the operator."""


@dataclass(frozen=True)
class MediaFolder:
    name: str      # the member prefix in the archive
    path: Path


@dataclass
class RestoreReport:
    manifest: dict
    files_restored: int
    audit_rows: int
    audit_problem: str | None
    invigilation_logs: int
    invigilation_problems: list[str] = field(default_factory=list)
    seals: SealCheck | None = None  # whether the evidence keys here open the restored files

    @property
    def ok(self) -> bool:
        """The hash chains verify (the seals are reported apart: keys come from the secrets store)."""
        return self.audit_problem is None and not self.invigilation_problems


# --- Where things are ---------------------------------------------------------------------------

UPLOADS, MEDIA = "uploads", "invigilation-media"


def media_folders(config: dict, instance_path: str | Path) -> list[MediaFolder]:
    """Every local folder of files the app writes that a restore needs back."""
    folders = [MediaFolder(UPLOADS, Path(config.get("UPLOAD_FOLDER") or Path(instance_path) / "uploads"))]
    if (config.get("INVIGILATION_MEDIA_BACKEND") or "local") == "local":
        folders.append(MediaFolder(MEDIA, Path(config.get("INVIGILATION_MEDIA_FOLDER")
                                               or Path(instance_path) / "invigilation-media")))
    return folders


def stored_files(folders: list[MediaFolder]) -> Iterator[tuple[Path, str]]:
    """Every file in the folders with the name it is sealed under: an upload's own name (the SHA-256
    of its content, ``core.sealed``), an invigilation medium's key, its path in the media folder
    (``proctoring.media``)."""
    for folder in folders:
        for path in sorted(folder.path.rglob("*")) if folder.path.is_dir() else []:
            if path.is_file() and not path.name.startswith("."):
                yield path, path.relative_to(folder.path).as_posix() if folder.name == MEDIA else path.name


def database_kind(url: str) -> str:
    backend = make_url(url).get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise BackupError(f"Backups support SQLite and PostgreSQL, not {backend}.")
    return backend


def postgres_schema(url: str) -> str:
    """The schema the app works in: from ``options=-csearch_path=…`` in the URL, else ``public``."""
    options = make_url(url).query.get("options") or ""
    if isinstance(options, tuple):
        options = " ".join(options)
    for part in unquote(options).split():
        if part.startswith("-csearch_path="):
            return part.split("=", 1)[1].split(",")[0].strip().strip('"') or "public"
    return "public"


def _libpq(url: str) -> tuple[str, dict[str, str]]:
    """A libpq connection URI without the password, and the environment carrying it (so it never
    shows in the process list). The search_path option is dropped: pg_dump and pg_restore name the
    schema themselves."""
    parsed = make_url(url)
    environment = dict(os.environ)
    if parsed.password:
        environment["PGPASSWORD"] = parsed.password
    query = {key: value for key, value in parsed.query.items() if key != "options"}
    plain = parsed.set(drivername="postgresql", password=None, query=query)
    return plain.render_as_string(hide_password=False), environment


def _sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError("An in-memory SQLite database cannot be backed up or restored.")
    return Path(database)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _app_tables(engine: Engine) -> list[str]:
    from assessment.models import metadata

    present = set(inspect(engine).get_table_names())
    return sorted(name for name in metadata.tables if name in present)


def row_counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as connection:
        return {name: connection.scalar(select(func.count()).select_from(table(name)))
                for name in _app_tables(engine)}


def _audit_head(engine: Engine) -> dict | None:
    if "audit_entries" not in _app_tables(engine):
        return None
    with engine.connect() as connection:
        row = connection.execute(text("SELECT id, entry_hash FROM audit_entries ORDER BY id DESC LIMIT 1")).first()
    return None if row is None else {"id": row[0], "entry_hash": row[1]}


# --- Create --------------------------------------------------------------------------------------

def _dump_database(engine: Engine, url: str, kind: str, target: Path) -> None:
    if kind == "sqlite":
        source = sqlite3.connect(f"file:{_sqlite_path(url)}?mode=ro", uri=True)
        destination = sqlite3.connect(target)
        try:
            with destination:
                source.backup(destination)   # SQLite's online backup: consistent while others write
        finally:
            destination.close()
            source.close()
        return
    uri, environment = _libpq(url)
    command = [_tool("pg_dump"), "--format=custom", "--no-owner", "--no-acl", f"--schema={postgres_schema(url)}",
               f"--file={target}", f"--dbname={uri}"]
    _run(command, environment, "pg_dump")


def _run(command: list[str], environment: dict[str, str], what: str) -> None:
    try:
        finished = subprocess.run(command, env=environment, capture_output=True, text=True, check=False)
    except FileNotFoundError:
        raise BackupError(f"{what} is not installed at {command[0]} (install the PostgreSQL client).") from None
    if finished.returncode != 0:
        detail = (finished.stderr or finished.stdout).strip().splitlines()
        raise BackupError(f"{what} failed: {detail[-1] if detail else f'exit status {finished.returncode}'}")


def create_backup(engine: Engine, url: str, folders: list[MediaFolder], output: Path, *, now: dt.datetime) -> dict:
    """Write the archive to ``output`` (never half: a temporary name, then a rename) and return its
    manifest. The archive holds personal data: it is created readable by its owner only."""
    if now.tzinfo is None:
        raise ValueError("naive datetime given to create_backup; use an aware datetime")
    kind = database_kind(url)
    output = Path(output)
    if output.exists():
        raise BackupError(f"{output} already exists; give another --output (a backup never overwrites one).")
    if not output.parent.is_dir():
        raise BackupError(f"There is no folder {output.parent} to write the backup to.")
    revision = _reachable(engine, lambda: migrations.current_revision(engine))
    if revision is None:
        raise BackupError("The database has no schema revision (run 'cop db upgrade' first); nothing to back up.")
    with tempfile.TemporaryDirectory(prefix="cop-backup-") as work:
        work_path = Path(work)
        member = SQLITE_MEMBER if kind == "sqlite" else POSTGRES_MEMBER
        dumped = work_path / "database.bin"
        _dump_database(engine, url, kind, dumped)
        members: dict[str, Path] = {member: dumped}
        for folder in folders:
            if not folder.path.is_dir():
                continue
            for path in sorted(folder.path.rglob("*")):
                relative = path.relative_to(folder.path)
                # Skip half-written temporary files (the stores write ".name.part" and rename).
                if path.is_file() and not path.is_symlink() and not any(p.startswith(".") for p in relative.parts):
                    members[f"{folder.name}/{relative.as_posix()}"] = path
        manifest = {
            "format": FORMAT_VERSION,
            "created_at": now.astimezone(dt.timezone.utc).isoformat(timespec="seconds"),
            "schema_revision": revision,
            "database": kind,
            "postgres_schema": postgres_schema(url) if kind == "postgresql" else None,
            "folders": [folder.name for folder in folders],
            "members": {name: {"sha256": file_sha256(path), "size": path.stat().st_size}
                        for name, path in members.items()},
            "row_counts": row_counts(engine),
            "audit_chain_head": _audit_head(engine),
        }
        manifest_path = work_path / MANIFEST
        manifest_path.write_text(json.dumps(manifest, indent=2, sort_keys=True), encoding="utf-8")
        partial = output.with_name(f".{output.name}.partial")
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            with os.fdopen(descriptor, "wb") as handle, tarfile.open(fileobj=handle, mode="w:gz") as archive:
                archive.add(manifest_path, arcname=MANIFEST)
                for name, path in members.items():
                    archive.add(path, arcname=name)
            os.replace(partial, output)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
    return manifest


# --- Restore -------------------------------------------------------------------------------------

def _safe_name(name: str) -> bool:
    path = PurePosixPath(name)
    return bool(name) and not path.is_absolute() and ".." not in path.parts and "\\" not in name


def read_archive(archive_path: Path, into: Path) -> dict:
    """Unpack into ``into`` and check it: a manifest, every listed member present with its SHA-256,
    nothing else. Raises ``BackupError`` with one line naming the first problem."""
    archive_path = Path(archive_path)
    if not archive_path.is_file():
        raise BackupError(f"There is no backup file at {archive_path}.")
    try:
        with tarfile.open(archive_path, mode="r:gz") as archive:
            names = []
            for member in archive.getmembers():
                if member.isdir():
                    continue
                if not member.isfile() or not _safe_name(member.name):
                    raise BackupError(f"The backup is damaged or not a backup: unexpected member {member.name!r}.")
                names.append(member.name)
                archive.extract(member, into, set_attrs=False)
    except (tarfile.TarError, EOFError, OSError, zlib.error) as problem:
        raise BackupError(f"{archive_path} is damaged or not a backup archive ({problem}).") from None
    manifest_file = into / MANIFEST
    if not manifest_file.is_file():
        raise BackupError(f"{archive_path} is not a backup archive (it has no {MANIFEST}).")
    try:
        manifest = json.loads(manifest_file.read_text(encoding="utf-8"))
        listed = manifest["members"]
        kind = manifest["database"]
        manifest["schema_revision"]
    except (ValueError, KeyError, TypeError):
        raise BackupError(f"The backup's {MANIFEST} is damaged.") from None
    if manifest.get("format") != FORMAT_VERSION:
        raise BackupError(f"The backup's format {manifest.get('format')!r} is not one this version reads.")
    extra = sorted(set(names) - set(listed) - {MANIFEST})
    if extra:
        raise BackupError(f"The backup is damaged: {extra[0]} is not in its manifest.")
    for name, expected in sorted(listed.items()):
        path = into / name
        if not path.is_file():
            raise BackupError(f"The backup is damaged: {name} is missing.")
        if file_sha256(path) != expected["sha256"]:
            raise BackupError(f"The backup is damaged: {name} does not match its SHA-256; nothing was restored.")
    if kind not in ("sqlite", "postgresql") or not {SQLITE_MEMBER, POSTGRES_MEMBER} & set(listed):
        raise BackupError("The backup is damaged: it holds no database.")
    return manifest


def _reachable(engine: Engine, read):
    """``read()``, or one line saying the database cannot be reached (instead of a traceback)."""
    try:
        return read()
    except OperationalError as problem:
        reason = str(problem.orig or problem).strip().splitlines()[0]
        raise BackupError(f"Cannot open the database ({reason}).") from None


def _check_revision(engine: Engine, revision: str) -> None:
    from alembic.script import ScriptDirectory
    from alembic.util import CommandError

    scripts = ScriptDirectory.from_config(migrations.alembic_config(engine))
    try:
        known = scripts.get_revision(revision)
    except CommandError:
        known = None
    if known is None:
        raise BackupError(f"The backup is from schema revision {revision}, which this version of the software does "
                          f"not know (a newer version made it); restore it with that version or newer.")


def is_empty(engine: Engine) -> bool:
    return not any(row_counts(engine).values())


def _clear_database(engine: Engine, url: str, kind: str) -> None:
    if kind == "sqlite":
        return  # the backup API replaces every page of the file
    schema = postgres_schema(url)
    with engine.begin() as connection:
        # The dialect quotes the name: no SQL is built from a string.
        connection.execute(DropSchema(schema, cascade=True, if_exists=True))
        connection.execute(CreateSchema(schema))


def _load_database(engine: Engine, url: str, kind: str, dumped: Path, manifest: dict) -> None:
    if kind == "sqlite":
        engine.dispose()  # no pooled connection holds a stale view of the file
        source = sqlite3.connect(f"file:{dumped}?mode=ro", uri=True)
        destination = sqlite3.connect(_sqlite_path(url))
        try:
            with destination:
                source.backup(destination)
        finally:
            destination.close()
            source.close()
        return
    schema = postgres_schema(url)
    if manifest.get("postgres_schema") != schema:
        raise BackupError(f"The backup is of schema {manifest.get('postgres_schema')!r} but this database works in "
                          f"{schema!r}; set the URL's search_path to {manifest.get('postgres_schema')!r}.")
    uri, environment = _libpq(url)
    listing = subprocess.run([_tool("pg_restore"), "--list", str(dumped)], env=environment, capture_output=True,
                             text=True, check=False)
    if listing.returncode != 0:
        raise BackupError("pg_restore cannot read the database in the backup.")
    # The schema exists already (empty): restore everything in it but not the CREATE SCHEMA itself.
    kept = [line for line in listing.stdout.splitlines() if not _creates_schema(line, schema)]
    use_list = dumped.with_suffix(".list")
    use_list.write_text("\n".join(kept) + "\n", encoding="utf-8")
    engine.dispose()
    _run([_tool("pg_restore"), "--no-owner", "--no-acl", "--exit-on-error", "--single-transaction",
          f"--use-list={use_list}", f"--dbname={uri}", str(dumped)], environment, "pg_restore")


def _creates_schema(line: str, schema: str) -> bool:
    """A ``pg_restore --list`` line that creates (or comments on) the schema itself, e.g.
    ``5; 2615 16385 SCHEMA - cop owner`` or ``4; 0 0 COMMENT - SCHEMA cop owner``."""
    parts = line.split()
    if line.startswith(";") or len(parts) < 6:
        return False
    return parts[3:6] == ["SCHEMA", "-", schema] or parts[3:6] == ["COMMENT", "-", "SCHEMA"] and parts[6:7] == [schema]


def _restore_folder(source: Path, target: Path) -> int:
    if not source.is_dir():
        return 0
    count = 0
    for path in sorted(source.rglob("*")):
        if not path.is_file():
            continue
        destination = target / path.relative_to(source)
        destination.parent.mkdir(parents=True, exist_ok=True)
        temporary = destination.with_name(f".{destination.name}.restore")
        shutil.copyfile(path, temporary)
        os.replace(temporary, destination)
        count += 1
    return count


def verify_chains(session) -> tuple[int, str | None, int, list[str]]:
    """The audit chain and every invigilation log chain: (audit rows, audit problem or None,
    invigilation logs checked, their problems)."""
    from proctoring import log
    from proctoring.models import Invigilation

    check = audit.verify_chain(session)
    audit_problem = None if check.ok else f"audit log broken at row {check.first_broken_id}: {check.reason}"
    problems = []
    ids = list(session.scalars(select(Invigilation.id).order_by(Invigilation.id)))
    for invigilation_id in ids:
        result = log.verify(session, invigilation_id)
        if not result.ok:
            where = "" if result.first_broken_seq is None else f" at seq {result.first_broken_seq}"
            problems.append(f"invigilation log {invigilation_id} broken{where}: {result.reason}")
    return check.rows_checked, audit_problem, len(ids), problems


def restore_backup(engine: Engine, url: str, folders: list[MediaFolder], archive_path: Path, *,
                   overwrite: bool, session_factory, sealer: Sealer) -> RestoreReport:
    kind = database_kind(url)
    if kind == "sqlite" and not _sqlite_path(url).parent.is_dir():
        raise BackupError(f"There is no folder {_sqlite_path(url).parent} for the database to be restored into.")
    with tempfile.TemporaryDirectory(prefix="cop-restore-") as work:
        work_path = Path(work)
        manifest = read_archive(archive_path, work_path)
        if manifest["database"] != kind:
            raise BackupError(f"The backup is of a {manifest['database']} database; this app uses {kind}.")
        _check_revision(engine, manifest["schema_revision"])
        if not overwrite and not _reachable(engine, lambda: is_empty(engine)):
            raise Conflict("The database is not empty; give --yes to replace everything in it with the backup.")
        member = SQLITE_MEMBER if kind == "sqlite" else POSTGRES_MEMBER
        _clear_database(engine, url, kind)
        _load_database(engine, url, kind, work_path / member, manifest)
        files = 0
        for folder in folders:
            if folder.name in manifest.get("folders", []):
                files += _restore_folder(work_path / folder.name, folder.path)
    session = session_factory()
    try:
        audit_rows, audit_problem, logs, problems = verify_chains(session)
    finally:
        session.close()
    return RestoreReport(manifest, files, audit_rows, audit_problem, logs, problems, sealer.check(stored_files(folders)))
