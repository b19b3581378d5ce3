"""Attachments of a case study (a referral letter, a care-plan extract): PDF or image only, checked
by their first bytes rather than their name, stored outside the web root under their SHA-256, and
passed through a virus scanner first when one is configured."""
from __future__ import annotations

import datetime as dt
import hashlib
import os
import shlex
import subprocess
import tempfile
from pathlib import Path

from sqlalchemy.orm import Session
from werkzeug.utils import secure_filename

from core import audit
from core.db import get_or_raise
from core.files import store_once
from core.errors import FieldProblem, ValidationFailed
from core.roles import Actor
from item_bank.authoring.services import _require_author_edit, get_version
from item_bank.models import Attachment

MAX_BYTES = 10 * 1024 * 1024
SIGNATURES = [
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
]


def sniff_type(data: bytes) -> str | None:
    return next((kind for magic, kind in SIGNATURES if data.startswith(magic)), None)


def _refuse(message: str) -> ValidationFailed:
    return ValidationFailed(message, [FieldProblem("file", message)])


def scan(data: bytes, command: str | None) -> None:
    """Run the configured virus scanner (``{path}`` is the file) and refuse the file unless it exits 0;
    no command means no scan."""
    if not command:
        return
    with tempfile.NamedTemporaryFile(delete=False) as handle:
        handle.write(data)
        path = handle.name
    try:
        args = [part.replace("{path}", path) for part in shlex.split(command)]
        result = subprocess.run(args, capture_output=True, timeout=120, check=False)
    except (OSError, subprocess.TimeoutExpired):
        raise _refuse("The virus check could not run, so the file was not accepted. Try again later.") from None
    finally:
        os.unlink(path)
    if result.returncode != 0:
        raise _refuse("The file did not pass the virus check.")


def storage_path(upload_folder: str, sha256: str) -> Path:
    return Path(upload_folder) / "attachments" / sha256[:2] / sha256


def add_attachment(session: Session, *, actor: Actor, version_id: int, filename: str, data: bytes, description: str,
                   upload_folder: str, scan_command: str | None, now: dt.datetime) -> Attachment:
    version = get_version(session, version_id)
    _require_author_edit(actor, version)
    content_type = sniff_type(data)
    problem = ("Choose a file to attach" if not data else "The file must be smaller than 10 MB"
               if len(data) > MAX_BYTES else "The file must be a PDF, PNG or JPEG" if content_type is None else "")
    if problem:
        # Every problem at once, in the order of the form: the file, then its description.
        problems = [FieldProblem("file", problem)]
        if not description.strip():
            problems.append(FieldProblem("description", "Describe the attachment, for example ‘Referral letter’"))
        raise ValidationFailed(problem, problems)
    if not description.strip():
        raise ValidationFailed("Describe the attachment", [FieldProblem("description", "Describe the attachment, "
                                                                        "for example ‘Referral letter’")])
    scan(data, scan_command)
    digest = hashlib.sha256(data).hexdigest()
    store_once(storage_path(upload_folder, digest), data)
    attachment = Attachment(case_study_version_id=version.id, filename=secure_filename(filename) or "attachment",
                            content_type=content_type, size_bytes=len(data), sha256=digest,
                            description=description.strip()[:300], uploaded_at=now, uploaded_by_id=actor.user_id)
    session.add(attachment)
    session.flush()
    audit.record(session, actor=actor, action="attachment.added", target_type="case_study_version",
                 target_id=version.id, after={"file": attachment.filename, "sha256": digest}, now=now)
    return attachment


def remove_attachment(session: Session, *, actor: Actor, attachment_id: int, now: dt.datetime) -> None:
    attachment = get_or_raise(session, Attachment, attachment_id)
    _require_author_edit(actor, attachment.case_study_version)
    session.delete(attachment)  # the stored file stays: other versions may share it
    session.flush()


def get_attachment(session: Session, attachment_id: int) -> Attachment:
    return get_or_raise(session, Attachment, attachment_id)
