"""``cop evidence seal-existing`` and ``cop evidence rotate-key`` (core/sealed.py, docs/operations.md)."""
from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from assessment.cli import EVIDENCE_FOLDERS
from assessment.delivery.adjustments.services import evidence_path as adjustment_path
from assessment.eligibility.applications.services import document_path
from assessment.eligibility.register.services import evidence_path as cpd_path
from assessment.results.appeals.services import evidence_path as appeal_path
from core.audit import AuditEntry
from core.sealed import MAGIC, Sealer


def test_seal_existing_finds_every_kind_of_evidence_and_rotate_key_is_audited(app, db, tmp_path, monkeypatch):
    upload = str(tmp_path)  # a folder of this test's own: other tests' files are not counted
    monkeypatch.setitem(app.config, "UPLOAD_FOLDER", upload)
    # Keys of its own too: rotating the test process's keys left every later test in that process a
    # second key (tests/assessment/test_backup.py counts them).
    monkeypatch.setitem(app.config, "EVIDENCE_KEY_FOLDER", str(tmp_path / "evidence-keys"))
    paths = [adjustment_path(upload, "01" * 32), appeal_path(upload, "02" * 32), cpd_path(upload, "03" * 32),
             document_path(upload, "04" * 32)]
    assert sorted(Path(p).relative_to(upload).parts[0] for p in paths) == sorted(EVIDENCE_FOLDERS)
    for path in paths:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"%PDF-1.4 stored in plain by an earlier version")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["evidence", "seal-existing"])
    assert result.exit_code == 0, result.output
    assert "Sealed 4 of" in result.output
    sealer = Sealer(app.config["EVIDENCE_KEY_FOLDER"])
    for path in paths:
        assert path.read_bytes().startswith(MAGIC)
        assert sealer.read(path) == b"%PDF-1.4 stored in plain by an earlier version"
    again = runner.invoke(args=["evidence", "seal-existing"])
    assert "Sealed 0 of" in again.output

    before = sealer.current()
    rotated = runner.invoke(args=["evidence", "rotate-key"])
    assert rotated.exit_code == 0 and f"Evidence key {before + 1} now seals" in rotated.output
    actions = db.scalars(select(AuditEntry.action).where(AuditEntry.action == "evidence.rotate_key")).all()
    assert actions == ["evidence.rotate_key"]
    for path in paths:
        assert sealer.read(path) == b"%PDF-1.4 stored in plain by an earlier version"
