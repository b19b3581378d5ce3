"""Subject access (everything held about one person, as a ZIP) and erasure where the law allows.

This sits in the composition root because it must read every package's tables. Both actions are
audited: who asked and how, who did it, when and what. Services flush and never commit.

Erasure cannot delete evidence: exam answers, marks, results, certificates, appeals, invigilation logs
and register decisions are append-only (the database refuses to change them) and the register must
keep them for their retention period (legal obligation and public task: results and register entries
can be challenged, appealed and checked by the public). Erasure therefore *anonymises the account*
those rows point to — name and email replaced, password unusable, every session ended — and deletes
what may go now; the report says, area by area, what was erased, what was kept and why.
"""
from __future__ import annotations

import base64
import datetime as dt
import io
import json
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Table, delete, or_, select, update
from sqlalchemy.orm import Session

from assessment.accounts.models import (AccountRequest, LoginAttempt, PasswordResetToken, RecoveryCode, SignIn,
                                        TwoFactorCredential, User)
from assessment.accounts.monitoring.models import MonitoringAnswer
from assessment.delivery.adjustments.services import evidence_path as adjustment_evidence_path
from assessment.delivery.models import Attempt
from assessment.eligibility.applications.models import ApplicationDocument
from assessment.eligibility.applications.services import document_path
from assessment.eligibility.models import Application, ApplicationStatus
from assessment.eligibility.register.services import evidence_path as cpd_evidence_path
from assessment.privacy import coverage
from assessment.results.appeals.queries import held_attempt_ids
from assessment.results.appeals.services import evidence_path as appeal_evidence_path
from core import audit
from core.audit import AuditEntry
from core.db import Base
from core.errors import Conflict, NotFound
from core.mail import MailMessage
from core.notifications import Notification
from core.roles import Actor, Role, require_role
from core.sealed import Sealer

FOLLOW_DEPTH = 4
DECIDING = {ApplicationStatus.SUBMITTED, ApplicationStatus.INFORMATION_REQUESTED, ApplicationStatus.IN_DISCUSSION,
            ApplicationStatus.AWAITING_THIRD_ASSESSOR, ApplicationStatus.AWAITING_REVIEW,
            ApplicationStatus.UNDER_APPEAL}


def find_person(session: Session, email: str) -> User:
    user = session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise NotFound(f"There is no account for {email.strip()}.")
    return user


# --- Which rows -----------------------------------------------------------------------------------

def user_columns() -> dict[str, tuple[Table, str]]:
    """Every column of every table with a foreign key to ``users.id``: "table.column" → (table, column)."""
    found = {}
    for table in Base.metadata.sorted_tables:
        for column in table.columns:
            if any(key.column.table.name == "users" for key in column.foreign_keys):
                found[f"{table.name}.{column.name}"] = (table, column.name)
    return found


def _area_by_table() -> dict[str, str]:
    return {mapper.local_table.name: coverage.area_of(mapper.class_.__module__)
            for mapper in Base.registry.mappers if isinstance(mapper.local_table, Table)}


def _children() -> dict[str, list[tuple[Table, str]]]:
    """For each table with an ``id``: the (table, column) pairs whose foreign key points at it."""
    found: dict[str, list[tuple[Table, str]]] = {}
    for table in Base.metadata.sorted_tables:
        for column in table.columns:
            for key in column.foreign_keys:
                parent = key.column.table.name
                if parent not in coverage.NOT_FOLLOWED_INTO and key.column.name == "id":
                    found.setdefault(parent, []).append((table, column.name))
    return found


def _key(table: Table, row) -> tuple:
    return tuple(row._mapping[column.name] for column in table.primary_key.columns) or tuple(row)


def _collect(session: Session, user: User) -> dict[str, dict[tuple, dict]]:
    collected: dict[str, dict[tuple, dict]] = {}
    tables = Base.metadata.tables

    def add(table: Table, rows) -> list:
        new_ids = []
        bucket = collected.setdefault(table.name, {})
        for row in rows:
            key = _key(table, row)
            if key not in bucket:
                bucket[key] = dict(row._mapping)
                if "id" in table.columns:
                    new_ids.append(row._mapping["id"])
        return new_ids

    columns = user_columns()
    frontier: dict[str, list] = {}
    for name, (table, column) in sorted(columns.items()):
        if name in coverage.EXCLUDED:
            continue
        ids = add(table, session.execute(select(table).where(table.c[column] == user.id)))
        if name in coverage.SUBJECT and ids:
            frontier.setdefault(table.name, []).extend(ids)
    children = _children()
    for _depth in range(FOLLOW_DEPTH):
        following: dict[str, list] = {}
        for parent, ids in frontier.items():
            for child, column in children.get(parent, []):
                for chunk in range(0, len(ids), 500):
                    new = add(child, session.execute(select(child).where(child.c[column].in_(ids[chunk:chunk + 500]))))
                    if new:
                        following.setdefault(child.name, []).extend(new)
        frontier = following
    add(tables["users"], session.execute(select(tables["users"]).where(tables["users"].c.id == user.id)))
    entries = tables["audit_entries"]
    add(entries, session.execute(select(entries).where(or_(
        entries.c.actor_id == user.id, (entries.c.target_type == "user") & (entries.c.target_id == str(user.id))))))
    for model in (LoginAttempt, AccountRequest):
        found = model.__table__
        add(found, session.execute(select(found).where(found.c.email == user.email)))
    return collected


def _plain(value):
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, (bytes, bytearray, memoryview)):
        return {"base64": base64.b64encode(bytes(value)).decode("ascii")}
    return value


# --- Export ---------------------------------------------------------------------------------------

@dataclass
class Export:
    data: bytes
    areas: dict[str, int]            # area → rows
    files: int
    files_missing: list[str] = field(default_factory=list)


README = """Everything the Certificate of Proficiency platform holds about you
==================================================================

Prepared {when} (UTC) for account {user_id}, in answer to a subject access request.

What is in this file
- One JSON file per area of the platform (account.json, delivery.json, results.json, ...). In each,
  the records are grouped by where they are kept (the name of the database table), one record per
  line of that table, with every column. Times are in UTC.
- The "files" folder: the documents and images kept about you (adjustment evidence, application
  documents, appeal evidence, CPD evidence, check-in photos and webcam snapshots).
- Your password is not included: we keep only a one-way hash of it, which cannot be turned back into
  the password.

Some records name other people only by a number (for example the examiner who marked a script): that
number identifies a member of staff, not you.

Records written by you or about you in the audit log (who did what, when, from which internet address)
are in audit.json. Sign-in attempts made with your email address are in account.json.

Files that are no longer held (deleted at the end of their retention period) are listed here:
{missing}

If anything is unclear, or you think something is missing or wrong, write to the register's data
protection officer. You may also complain to the Information Commissioner's Office (ico.org.uk).
"""


def _files_for(collected: dict[str, dict[tuple, dict]], upload_folder: str, sealer: Sealer, media_store):
    """(archive name, loader) for each stored file that the person's rows refer to."""
    wanted = []
    for row in collected.get("adjustment_requests", {}).values():
        if row.get("evidence_sha256"):
            wanted.append((f"adjustments/{row['id']}-{row.get('evidence_filename') or 'evidence'}",
                           adjustment_evidence_path(upload_folder, row["evidence_sha256"])))
    for row in collected.get("application_documents", {}).values():
        wanted.append((f"applications/{row['id']}-{row['filename']}", document_path(upload_folder, row["sha256"])))
    for row in collected.get("appeal_evidence", {}).values():
        wanted.append((f"appeals/{row['id']}-{row['filename']}", appeal_evidence_path(upload_folder, row["sha256"])))
    for row in collected.get("cpd_declarations", {}).values():
        if row.get("evidence_sha256"):
            wanted.append((f"cpd/{row['id']}-{row.get('evidence_filename') or 'evidence'}",
                           cpd_evidence_path(upload_folder, row["evidence_sha256"])))
    for row in collected.get("invigilation_events", {}).values():
        if row.get("media_key"):
            wanted.append((f"invigilation/{row['media_key']}", row["media_key"]))
    for name, source in wanted:
        # Names come partly from uploads: keep letters, digits and a few marks; never a path.
        safe = "/".join(re.sub(r"[^A-Za-z0-9._ -]", "_", part).replace("..", "_") or "_" for part in name.split("/"))
        if isinstance(source, Path):
            yield safe, (lambda path=source: sealer.read(path))  # the person gets the plain file
        else:
            yield safe, (lambda key=source: _media(media_store, key))


def _media(store, key: str) -> bytes | None:
    from proctoring.media import MediaMissing

    if store is None:
        return None
    try:
        return store.get(key)
    except MediaMissing:
        return None


def export_person(session: Session, *, actor: Actor, user: User, requested_by: str, upload_folder: str,
                  sealer: Sealer, media_store, now: dt.datetime) -> Export:
    """The ZIP of everything held about ``user``; audited (who asked, who made it, what it holds)."""
    require_role(actor, Role.ADMIN)
    if not requested_by.strip():
        raise Conflict("Say who asked for the export and how (for example: “the candidate, by email of 1 December”).")
    collected = _collect(session, user)
    areas = _area_by_table()
    by_area: dict[str, dict[str, list]] = {}
    for table_name, rows in sorted(collected.items()):
        redacted = {name.split(".", 1)[1] for name in coverage.REDACTED if name.startswith(f"{table_name}.")}
        records = [{column: ("(not included)" if column in redacted else _plain(value))
                    for column, value in row.items()} for _key, row in sorted(rows.items(), key=lambda kv: kv[0])]
        by_area.setdefault(areas.get(table_name, "other"), {})[table_name] = records
    buffer = io.BytesIO()
    missing, files = [], 0
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for area, tables in sorted(by_area.items()):
            archive.writestr(f"{area}.json", json.dumps(tables, indent=2, ensure_ascii=False, default=str))
        for name, load in _files_for(collected, upload_folder, sealer, media_store):
            data = load()
            if data is None:
                missing.append(name)
                continue
            archive.writestr(f"files/{name}", data)
            files += 1
        archive.writestr("README.txt", README.format(
            when=now.astimezone(dt.timezone.utc).strftime("%d %B %Y %H:%M"), user_id=user.id,
            missing="\n".join(f"- {name}" for name in missing) or "- none"))
    counts = {area: sum(len(rows) for rows in tables.values()) for area, tables in sorted(by_area.items())}
    audit.record(session, actor=actor, action="privacy.subject_access_export", target_type="user", target_id=user.id,
                 after={"requested_by": requested_by.strip(), "rows_by_area": counts, "files": files,
                        "files_no_longer_held": len(missing)}, now=now)
    return Export(buffer.getvalue(), counts, files, missing)


# --- Erasure --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class AreaOutcome:
    area: str
    erased: str
    kept: str


@dataclass
class Erasure:
    user_id: int
    outcomes: list[AreaOutcome]

    def lines(self) -> list[str]:
        return [f"{o.area}: erased {o.erased}; kept {o.kept}" for o in self.outcomes]


def erasure_blockers(session: Session, user: User) -> list[str]:
    """Why the person's data cannot be erased yet (an empty list: it can)."""
    reasons = []
    attempts = set(session.scalars(select(Attempt.id).where(Attempt.candidate_id == user.id)))
    if attempts & held_attempt_ids(session):
        reasons.append("an appeal against their result is open; its evidence is held until it closes")
    deciding = session.scalar(select(Application.reference).where(Application.applicant_id == user.id,
                                                                  Application.status.in_(sorted(DECIDING))).limit(1))
    if deciding:
        reasons.append(f"their application {deciding} is being decided or appealed")
    return reasons


def erase_person(session: Session, *, actor: Actor, user: User, requested_by: str, upload_folder: str,
                 media_store, retention_config: dict, now: dt.datetime) -> Erasure:
    """Anonymise the account and delete what the law allows now; audited, with per-area reasons."""
    require_role(actor, Role.ADMIN)
    if not requested_by.strip():
        raise Conflict("Say who asked for the erasure and how (for example: “the candidate, by letter of 1 December”).")
    if actor.user_id == user.id:
        raise Conflict("You cannot erase your own account; ask another administrator.")
    if user.email.endswith("@erased.invalid"):
        raise Conflict("This account has already been erased.")
    blockers = erasure_blockers(session, user)
    if blockers:
        raise Conflict("Erasure is refused for now: " + "; ".join(blockers) + ".")
    outcomes = []
    old_email = user.email
    user.email = f"erased-{user.id}@erased.invalid"
    user.full_name = f"Erased person {user.id}"
    user.password_hash = "!erased"   # no password hashes to this: signing in is impossible
    user.is_enabled = False
    user.session_version = (user.session_version or 1) + 1  # every signed-in session ends
    # The list of sign-ins (devices, IP addresses) goes too; with no row left, no cookie of theirs holds.
    sign_ins = session.execute(delete(SignIn).where(SignIn.user_id == user.id)).rowcount
    outcomes.append(AreaOutcome("account", f"name, email address, password and two-factor sign-in; every session "
                                f"ended and its record ({sign_ins} sign-in(s): device and IP address) deleted",
                                "the account's number, so that the evidence below still points to one person"))
    tokens = session.execute(delete(PasswordResetToken).where(PasswordResetToken.user_id == user.id)).rowcount
    # The second factor goes with the password: the account can never be signed in to again.
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    session.execute(delete(TwoFactorCredential).where(TwoFactorCredential.user_id == user.id))
    notes = session.execute(delete(Notification).where(Notification.user_id == user.id)).rowcount
    mail = session.execute(delete(MailMessage).where(MailMessage.user_id == user.id)).rowcount
    outcomes.append(AreaOutcome("messages", f"{notes} notification(s), {mail} e-mail(s), {tokens} password reset "
                                "link(s)", "nothing"))
    answers = session.execute(delete(MonitoringAnswer).where(MonitoringAnswer.candidate_id == user.id)).rowcount
    outcomes.append(AreaOutcome("equality monitoring", f"{answers} answer(s)",
                                "the consent history (append-only: the record that consent was given and withdrawn)"))
    outcomes.append(_erase_draft_applications(session, user, upload_folder))
    outcomes.append(_erase_invigilation_media(session, user, media_store, retention_config, now))
    outcomes.append(AreaOutcome(
        "sign-in records", "nothing",
        f"sign-in attempts made with {old_email} (security monitoring, legitimate interests) until their retention "
        "ends; they hold the email typed, not the account"))
    outcomes.append(AreaOutcome(
        "exam evidence, results, certificates, appeals, adjustments and register decisions", "nothing",
        "bookings, answers, marks, results, certificates, appeals, adjustment decisions and evidence, applications "
        f"and register entries: append-only evidence the register keeps for {retention_config['RETENTION_EVIDENCE_YEARS']} "
        "years (legal obligation and public task: results can be appealed and the register is relied on by the "
        "public); they now point to the anonymised account"))
    outcomes.append(AreaOutcome(
        "audit log", "nothing",
        "its rows, including the email address they were written with: the hash-chained log cannot be changed "
        "without showing it, and it is the record of who did what"))
    audit.record(session, actor=actor, action="privacy.erasure", target_type="user", target_id=user.id,
                 before={"email": old_email}, after={"requested_by": requested_by.strip(),
                                                     "outcomes": [o.__dict__ for o in outcomes]}, now=now)
    session.flush()
    return Erasure(user.id, outcomes)


def _erase_draft_applications(session: Session, user: User, upload_folder: str) -> AreaOutcome:
    drafts = list(session.scalars(select(Application).where(Application.applicant_id == user.id,
                                                            Application.status == ApplicationStatus.DRAFT)))
    deleted = 0
    for application in drafts:
        for document in session.scalars(select(ApplicationDocument)
                                        .where(ApplicationDocument.application_id == application.id)):
            shared = session.scalar(select(ApplicationDocument.id).join(Application).where(
                ApplicationDocument.sha256 == document.sha256, Application.id != application.id).limit(1))
            path = document_path(upload_folder, document.sha256)
            if shared is None and path.is_file():
                path.unlink()
                deleted += 1
    if drafts:
        session.execute(update(Application).where(Application.id.in_([a.id for a in drafts])).values(draft={}))
    return AreaOutcome("applications", f"the answers and {deleted} document file(s) of {len(drafts)} unsubmitted "
                       "application(s)", "submitted applications and their documents (register decisions)")


def _erase_invigilation_media(session: Session, user: User, media_store, config: dict, now) -> AreaOutcome:
    from assessment.invigilation_retention import upper_facts
    from core.roles import SYSTEM
    from proctoring.retention.rules import RetentionSettings
    from proctoring.retention.services import media_scopes, purge

    scopes = [scope for scope in media_scopes(session) if scope.candidate_id == user.id]
    if not scopes or media_store is None:
        return AreaOutcome("invigilation", "nothing (no media held)", "the invigilation log (append-only evidence)")
    settings = RetentionSettings(appeal_window_days=config["APPEAL_WINDOW_DAYS"],
                                 days_after_appeals=config["INVIGILATION_RETENTION_DAYS_AFTER_APPEALS"])
    report = purge(session, store=media_store, facts_by_invigilation=upper_facts(session, scopes),
                   settings=settings, now=now, actor=SYSTEM, scopes=scopes)
    kept = sum(k.n_files for k in report.kept)
    return AreaOutcome("invigilation", f"{report.files_deleted} photo(s) and snapshot(s) past their hold",
                       f"{kept} file(s) still within their retention period or held by an incident or appeal, "
                       "and the invigilation log (append-only evidence)")
