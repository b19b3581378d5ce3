"""``cop backup create`` / ``restore``: a round trip on SQLite and PostgreSQL (every table's rows and every
stored file byte for byte, chains verified), and the refusals: a damaged archive, a database that is
not empty, a backup from a newer schema, a backup of the other kind of database, a missing file, and a
tampered audit row caught by the chain check after the restore."""
from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import shutil
import tarfile
from pathlib import Path

import pytest
from sqlalchemy import MetaData, select, text

from alembic import command

from assessment import backup
from assessment.app import create_app
from assessment.models import metadata
from core import append_only, audit, migrations
from core.roles import SYSTEM, Role
from core.sealed import sealer_of
from tests.cop_testing import own_schema, postgres_schema_url, reset_postgres_schema

NOW = dt.datetime(2026, 12, 6, 12, 0, tzinfo=dt.timezone.utc)


class Site:
    """One app over its own database and its own folders (not the suite's rolled-back session)."""

    opened: list[Site] = []

    def __init__(self, url: str, root: Path, **settings):
        Site.opened.append(self)
        self.url, self.root = url, root
        self.uploads, self.media = root / "uploads", root / "invigilation-media"
        root.mkdir(parents=True, exist_ok=True)
        self.app = create_app({"TESTING": True, "DATABASE_URL": url, "UPLOAD_FOLDER": str(self.uploads),
                               "INVIGILATION_MEDIA_FOLDER": str(self.media), "PASSWORD_HASH_PROFILE": "fast",
                               "SECRET_KEY": "test-secret", **settings})

    @property
    def engine(self):
        return self.app.extensions["cop.db"].engine

    def create_schema(self) -> None:
        metadata.create_all(self.engine)
        command.stamp(migrations.alembic_config(self.engine), "head")

    def cop(self, *args: str):
        return self.app.test_cli_runner().invoke(args=list(args))

    def close(self) -> None:
        self.engine.dispose()


@pytest.fixture(autouse=True)
def _close_sites():
    yield
    while Site.opened:
        Site.opened.pop().close()


@pytest.fixture
def database(backend, tmp_path):
    """A URL for an empty database of the backend under test (PostgreSQL: a schema of this process)."""
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'source.sqlite3'}"
    schema = own_schema("cop_backup")
    reset_postgres_schema(schema)
    return postgres_schema_url(schema)


def _restore_target(backend, tmp_path, source_url: str) -> str:
    """A fresh, empty database to restore into. PostgreSQL restores a schema under its own name, so
    the source schema is dropped and created empty again: the disaster a restore is for."""
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'restored.sqlite3'}"
    schema = own_schema("cop_backup")
    reset_postgres_schema(schema)
    return source_url


def _fill(site: Site) -> None:
    """Accounts (audited), audit rows, an invigilation with a hash-chained log and a snapshot, and an
    uploaded file."""
    from assessment.accounts import services
    from assessment.delivery.models import Sitting
    from core import db
    from proctoring import log
    from proctoring.media import LocalMediaStore, store_media

    with site.app.app_context():
        session = db.session()
        candidate = services.create_user(session, actor=SYSTEM, email="candidate@example.org", full_name="Ann Example",
                                         password="a long enough password", roles={Role.CANDIDATE}, now=NOW,
                                         hash_profile="fast")
        services.create_user(session, actor=SYSTEM, email="examiner@example.org", full_name="Ben Example",
                             password="a long enough password", roles={Role.EXAMINER}, now=NOW, hash_profile="fast")
        audit.record(session, actor=SYSTEM, action="test.note", target_type="user", target_id=candidate.id,
                     after={"note": "café ☕"}, now=NOW)
        sitting = Sitting(title="December sitting", booking_opens_at=NOW, booking_closes_at=NOW, opens_at=NOW,
                          closes_at=NOW + dt.timedelta(hours=3), duration_s=7200, capacity=10, created_at=NOW)
        session.add(sitting)
        session.flush()
        invigilation = log.invigilation_for(session, sitting_id=sitting.id, candidate_id=candidate.id, now=NOW)
        stored = store_media(LocalMediaStore(site.media), invigilation_id=invigilation.id,
                             data=b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, content_type="image/png",
                             extension="png")
        log.append(session, invigilation_id=invigilation.id, kind="consent_given", now=NOW)
        log.append(session, invigilation_id=invigilation.id, kind="checkin_photo", now=NOW, media_key=stored.key,
                   media_sha256=stored.sha256, media_type=stored.content_type, media_size=stored.size)
        # And as the app stores them now: sealed with the evidence keys.
        sealed = store_media(site.app.extensions["cop.media"], invigilation_id=invigilation.id,
                             data=b"\xff\xd8\xff" + bytes(range(256)) * 2, content_type="image/jpeg", extension="jpg")
        log.append(session, invigilation_id=invigilation.id, kind="snapshot", now=NOW, media_key=sealed.key,
                   media_sha256=sealed.sha256, media_type=sealed.content_type, media_size=sealed.size)
        session.commit()
    (site.uploads / "ab").mkdir(parents=True, exist_ok=True)
    (site.uploads / "ab" / "evidence.pdf").write_bytes(b"%PDF-1.4\n" + bytes(range(256)) * 8)
    letter = b"%PDF-1.4\n a letter from a consultant"
    sealer_of(site.app.config).store(site.uploads / "adjustments" / hashlib.sha256(letter).hexdigest(), letter)


def _all_rows(engine) -> dict[str, list[tuple]]:
    reflected = MetaData()
    reflected.reflect(engine, only=[name for name in metadata.tables])
    rows = {}
    with engine.connect() as connection:
        for name, table in sorted(reflected.tables.items()):
            order = list(table.primary_key.columns) or list(table.columns)
            rows[name] = [tuple(row) for row in connection.execute(select(table).order_by(*order))]
    return rows


def _restored(engine, rows: dict[str, list[tuple]]) -> bool:
    """Every table as it was when backed up, plus the audit row that records the restore itself."""
    now = _all_rows(engine)
    audit_rows = now.pop("audit_entries")
    assert audit_rows[-1][4] == "backup.restored"
    return {**now, "audit_entries": audit_rows[:-1]} == rows


def _files(folder: Path) -> dict[str, bytes]:
    return {path.relative_to(folder).as_posix(): path.read_bytes() for path in folder.rglob("*") if path.is_file()}


def _rewrite(archive: Path, *, manifest=None, member=None) -> None:
    """Rewrite an archive, changing the manifest (a function of it) or one member's bytes."""
    with tarfile.open(archive, "r:gz") as original:
        contents = {m.name: original.extractfile(m).read() for m in original.getmembers() if m.isfile()}
    if manifest:
        contents["manifest.json"] = json.dumps(manifest(json.loads(contents["manifest.json"]))).encode()
    if member:
        name, change = member
        contents[name] = change(contents[name])
    with tarfile.open(archive, "w:gz") as rewritten:
        for name, data in contents.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            rewritten.addfile(info, io.BytesIO(data))


@pytest.fixture
def backed_up(backend, database, tmp_path):
    """A filled database and its backup; yields (rows before, files before, archive, source site)."""
    source = Site(database, tmp_path / "source")
    source.create_schema()
    _fill(source)
    archive = tmp_path / "nightly.tar.gz"
    rows, uploads, media = _all_rows(source.engine), _files(source.uploads), _files(source.media)
    result = source.cop("backup", "create", "--output", str(archive))
    assert result.exit_code == 0, result.output
    source.close()
    yield rows, uploads, media, archive, source


def test_round_trip_restores_every_row_and_file_and_verifies_the_chains(backend, backed_up, tmp_path):
    rows, uploads, media, archive, source = backed_up
    assert "Backup written to" in source.cop("backup", "create", "--output", str(tmp_path / "second.tar.gz")).output
    with tarfile.open(archive, "r:gz") as opened:
        manifest = json.load(opened.extractfile("manifest.json"))
    assert manifest["database"] == backend and manifest["schema_revision"] == migrations.head_revision(source.engine)
    assert manifest["row_counts"]["users"] == 2 and manifest["row_counts"]["invigilation_events"] == 3
    assert manifest["audit_chain_head"]["id"] == rows["audit_entries"][-1][0]
    assert set(manifest["members"]) == {"database/cop.sqlite3" if backend == "sqlite" else "database/cop.dump",
                                        *(f"uploads/{k}" for k in uploads), *(f"invigilation-media/{k}" for k in media)}
    assert len(uploads) == 2 and len(media) == 2
    assert archive.stat().st_mode & 0o077 == 0  # personal data: readable by its owner only
    with source.engine.connect() as connection:  # the audit log says when the backup was taken, and which file
        recorded = connection.execute(text("SELECT target_id, after_summary FROM audit_entries "
                                           "WHERE action = 'backup.created' ORDER BY id")).first()
    assert recorded[0] == "nightly.tar.gz" and backup.file_sha256(archive) in recorded[1]

    target = Site(_restore_target(backend, tmp_path, source.url), tmp_path / "restored")
    result = target.cop("backup", "restore", str(archive))
    assert result.exit_code == 0, result.output
    assert "Audit log intact: 3 rows verified; 1 invigilation log intact." in result.output
    assert "Evidence files open: 2 of 4 stored files are sealed (evidence keys: 1), and each key here opens them." \
        in result.output
    assert _restored(target.engine, rows)
    assert sum(len(table) for table in rows.values()) > 10
    assert _files(target.uploads) == uploads and _files(target.media) == media and media
    with target.engine.connect() as connection:  # the evidence guard came back with the tables
        assert append_only.installed_triggers(connection).get("audit_entries")
    assert "Audit log intact" in target.cop("audit", "verify").output
    target.close()


def test_a_restore_without_the_evidence_keys_says_the_sealed_files_do_not_open_until_they_are_back(
        backend, backed_up, tmp_path):
    rows, _uploads, _media, archive, source = backed_up
    keys = tmp_path / "keys-of-the-new-instance"
    target = Site(_restore_target(backend, tmp_path, source.url), tmp_path / "restored",
                  EVIDENCE_KEY_FOLDER=str(keys))
    result = target.cop("backup", "restore", str(archive))
    assert result.exit_code == 1
    assert f"2 files sealed with evidence key 1: the evidence key 1 is not in {keys}" in result.output
    assert result.output.rstrip().endswith("then run `cop evidence check`.")
    assert _restored(target.engine, rows)  # the data is back, and its restore recorded; only the keys are missing
    refused = target.cop("evidence", "check")
    assert refused.exit_code == 1 and "evidence key 1 is not in" in refused.output

    shutil.copytree(source.app.config["EVIDENCE_KEY_FOLDER"], keys, dirs_exist_ok=True)  # from the secrets store
    checked = target.cop("evidence", "check")
    assert checked.exit_code == 0, checked.output
    assert checked.output.startswith("Evidence files open: 2 of 4 stored files are sealed")
    target.close()


def test_restore_refuses_a_database_that_is_not_empty_without_yes(backend, backed_up, tmp_path):
    rows, _uploads, _media, archive, source = backed_up
    target = Site(source.url, tmp_path / "same")  # the filled database itself
    result = target.cop("backup", "restore", str(archive))
    assert result.exit_code == 1
    assert result.output.strip() == ("Error: The database is not empty; give --yes to replace everything in it "
                                     "with the backup.")
    with target.app.app_context():
        from core import db
        audit.record(db.session(), actor=SYSTEM, action="test.after_backup", target_type="user", now=NOW)
        db.session().commit()
    result = target.cop("backup", "restore", "--yes", str(archive))
    assert result.exit_code == 0, result.output
    assert _restored(target.engine, rows)  # the rows written after the backup are gone
    target.close()


def test_a_damaged_archive_is_refused_in_one_line_and_nothing_changes(backend, backed_up, tmp_path):
    _rows, _uploads, _media, archive, source = backed_up
    _rewrite(archive, member=("uploads/ab/evidence.pdf", lambda data: data[:-1] + b"X"))
    target = Site(_restore_target(backend, tmp_path, source.url), tmp_path / "restored")
    result = target.cop("backup", "restore", str(archive))
    assert result.exit_code == 1
    assert result.output == ("Error: The backup is damaged: uploads/ab/evidence.pdf does not "
                             "match its SHA-256; nothing was restored.\n")
    assert backup.is_empty(target.engine) and not target.uploads.exists()
    archive.write_bytes(archive.read_bytes()[:200])  # truncated in transit
    result = target.cop("backup", "restore", str(archive))
    assert result.exit_code == 1 and "is damaged or not a backup archive" in result.output
    assert len(result.output.strip().splitlines()) == 1
    target.close()


def test_a_tampered_audit_row_is_reported_by_the_chain_check_after_restore(backend, database, tmp_path):
    source = Site(database, tmp_path / "source")
    source.create_schema()
    _fill(source)
    with source.engine.begin() as connection:  # someone with the database owner's rights edits history
        append_only.drop_triggers(connection, "audit_entries")
        connection.execute(text("UPDATE audit_entries SET action = 'test.nothing' WHERE action = 'test.note'"))
    archive = tmp_path / "tampered.tar.gz"
    assert source.cop("backup", "create", "--output", str(archive)).exit_code == 0
    source.close()
    target = Site(_restore_target(backend, tmp_path, source.url), tmp_path / "restored")
    result = target.cop("backup", "restore", str(archive))
    assert result.exit_code == 1
    assert "audit log broken at row 3: its content does not match its hash (the row was changed)" in result.output
    assert "The restored data does not verify" in result.output
    target.close()


def test_restore_refuses_a_newer_schema_the_other_database_kind_and_a_missing_file(backend, backed_up, tmp_path):
    _rows, _uploads, _media, archive, source = backed_up
    target = Site(_restore_target(backend, tmp_path, source.url), tmp_path / "restored")
    result = target.cop("backup", "restore", str(tmp_path / "no-such.tar.gz"))
    assert result.exit_code == 1 and f"There is no backup file at {tmp_path / 'no-such.tar.gz'}." in result.output
    other = "postgresql" if backend == "sqlite" else "sqlite"
    _rewrite(archive, manifest=lambda manifest: {**manifest, "database": other})
    result = target.cop("backup", "restore", str(archive))
    assert result.exit_code == 1 and f"The backup is of a {other} database; this app uses {backend}." in result.output
    _rewrite(archive, manifest=lambda manifest: {**manifest, "database": backend, "schema_revision": "9999"})
    result = target.cop("backup", "restore", str(archive))
    assert result.exit_code == 1
    assert "schema revision 9999, which this version of the software does not know" in result.output
    assert backup.is_empty(target.engine)
    result = target.cop("backup", "create", "--output", str(archive))
    assert result.exit_code == 1 and "already exists" in result.output
    target.close()


def test_a_missing_folder_or_client_program_is_one_line(backend, database, tmp_path, monkeypatch):
    source = Site(database, tmp_path / "source")
    source.create_schema()
    if backend == "postgresql":
        monkeypatch.setenv("COP_PG_DUMP", str(tmp_path / "no-pg_dump"))
        result = source.cop("backup", "create", "--output", str(tmp_path / "b.tar.gz"))
        assert result.output == (f"Error: pg_dump is not installed at {tmp_path / 'no-pg_dump'} (install the "
                                 "PostgreSQL client).\n")
        assert result.exit_code == 1 and not (tmp_path / "b.tar.gz").exists()
        return
    result = source.cop("backup", "create", "--output", str(tmp_path / "no-such-folder" / "b.tar.gz"))
    assert result.exit_code == 1 and f"There is no folder {tmp_path / 'no-such-folder'}" in result.output
    archive = tmp_path / "b.tar.gz"
    assert source.cop("backup", "create", "--output", str(archive)).exit_code == 0
    elsewhere = Site(f"sqlite:///{tmp_path / 'gone' / 'x.sqlite3'}", tmp_path / "elsewhere")
    result = elsewhere.cop("backup", "restore", str(archive))
    assert result.exit_code == 1
    assert result.output == f"Error: There is no folder {tmp_path / 'gone'} for the database to be restored into.\n"
