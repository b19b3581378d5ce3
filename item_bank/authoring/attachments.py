"""Attachments of a case study (a referral letter, a care-plan extract): PDF or image only, checked
by their content (core.uploads: a PDF that parses without scripts or attached files, a picture that
decodes, its metadata stripped) rather than their name, passed through a virus scanner when one is
configured, and stored outside the web root under the SHA-256 of the bytes kept."""
from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

from sqlalchemy.orm import Session
from werkzeug.utils import secure_filename

from core import audit, uploads
from core.db import get_or_raise
from core.files import store_once
from core.errors import FieldProblem, Problems, ValidationFailed
from core.roles import Actor
from item_bank.authoring.services import _require_author_edit, get_version
from item_bank.models import Attachment

MAX_BYTES = 10 * 1024 * 1024
ALLOWED = {uploads.PDF, uploads.PNG, uploads.JPEG}


def inspected_or_problem(data: bytes, problems: Problems, field: str, name: str = "the file",
                         allowed: set[str] = ALLOWED) -> uploads.Inspected | None:
    """``data`` inspected (core.uploads) as one of ``allowed``; if refused, the reason is added to
    ``problems`` beside ``field`` and None is returned, so a form reports every problem at once."""
    try:
        return uploads.inspect_upload(data, allowed, name=name)
    except uploads.UploadRefused as error:
        problems.add(field, error.message)
        return None


def scan(data: bytes, command: str | None, field: str = "file") -> None:
    """The configured virus scanner (core.uploads.scan), its refusal shown beside ``field``."""
    try:
        uploads.scan(data, command)
    except uploads.ScanFailed as error:
        raise ValidationFailed(error.message, [FieldProblem(field, error.message)]) from None


def storage_path(upload_folder: str, sha256: str) -> Path:
    return Path(upload_folder) / "attachments" / sha256[:2] / sha256


def add_attachment(session: Session, *, actor: Actor, version_id: int, filename: str, data: bytes, description: str,
                   upload_folder: str, scan_command: str | None, now: dt.datetime) -> Attachment:
    version = get_version(session, version_id)
    _require_author_edit(actor, version)
    problem, inspected = "", None
    if not data:
        problem = "Choose a file to attach"
    elif len(data) > MAX_BYTES:
        problem = "The file must be smaller than 10 MB"
    else:
        try:
            inspected = uploads.inspect_upload(data, ALLOWED)
        except uploads.UploadRefused as error:
            problem = error.message
    if problem:
        # Every problem at once, in the order of the form: the file, then its description.
        problems = [FieldProblem("file", problem)]
        if not description.strip():
            problems.append(FieldProblem("description", "Describe the attachment, for example ‘Referral letter’"))
        raise ValidationFailed(problem, problems)
    if not description.strip():
        raise ValidationFailed("Describe the attachment", [FieldProblem("description", "Describe the attachment, "
                                                                        "for example ‘Referral letter’")])
    data = inspected.data  # what is stored and hashed: metadata stripped from pictures
    scan(data, scan_command)
    digest = hashlib.sha256(data).hexdigest()
    store_once(storage_path(upload_folder, digest), data)
    attachment = Attachment(case_study_version_id=version.id, filename=secure_filename(filename) or "attachment",
                            content_type=inspected.content_type, size_bytes=len(data), sha256=digest,
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
