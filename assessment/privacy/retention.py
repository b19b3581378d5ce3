"""The retention sweep: deletes what has passed its period among the data that may be deleted
(password reset links, sent e-mail and its .eml copies, read notifications, ended sign-ins, the browser
storage keys of ended attempts). Every period is a
setting (``RETENTION_*`` in ``assessment/config.py``); docs/privacy.md lists each, with the code that
enforces it. Invigilation media have their own purge (``cop invigilation purge``); append-only
evidence is never deleted here."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import delete, exists, func, select
from sqlalchemy.orm import Session

from assessment.accounts.models import PasswordResetToken, SignIn
from assessment.delivery.models import AttemptEvent, AttemptStorageKey
from assessment.delivery.rules import ENDING_KINDS
from core import audit
from core.mail import MailMessage
from core.notifications import Notification
from core.roles import Actor, Role, require_role


@dataclass(frozen=True)
class RetentionPeriods:
    password_reset_hours_after_expiry: int
    sent_mail_days: int
    read_notifications_days: int
    ended_sign_ins_days: int
    ended_attempt_storage_keys_days: int

    @classmethod
    def from_config(cls, config: dict) -> RetentionPeriods:
        return cls(password_reset_hours_after_expiry=int(config["RETENTION_PASSWORD_RESET_HOURS_AFTER_EXPIRY"]),
                   sent_mail_days=int(config["RETENTION_SENT_MAIL_DAYS"]),
                   read_notifications_days=int(config["RETENTION_READ_NOTIFICATIONS_DAYS"]),
                   ended_sign_ins_days=int(config["RETENTION_ENDED_SIGN_INS_DAYS"]),
                   ended_attempt_storage_keys_days=int(config["RETENTION_ENDED_ATTEMPT_STORAGE_KEYS_DAYS"]))


@dataclass(frozen=True)
class SweepReport:
    password_reset_links: int
    sent_mail: int
    mail_files: int
    read_notifications: int
    ended_sign_ins: int
    storage_keys: int
    dry_run: bool

    def line(self) -> str:
        verb = "would delete" if self.dry_run else "deleted"
        return (f"Retention sweep {verb} {self.password_reset_links} expired password reset link(s), "
                f"{self.sent_mail} sent e-mail(s), {self.mail_files} .eml file(s), "
                f"{self.read_notifications} read notification(s), {self.ended_sign_ins} ended sign-in(s) and "
                f"{self.storage_keys} browser storage key(s) of ended attempts.")


def sweep(session: Session, *, actor: Actor, periods: RetentionPeriods, mail_folder: Path | None,
          now: dt.datetime, dry_run: bool = False) -> SweepReport:
    """Delete (or count, in a dry run) what is past its period; audited when anything is deleted."""
    require_role(actor, Role.ADMIN)
    conditions = {
        PasswordResetToken: PasswordResetToken.expires_at
        < now - dt.timedelta(hours=periods.password_reset_hours_after_expiry),
        MailMessage: MailMessage.sent_at < now - dt.timedelta(days=periods.sent_mail_days),
        Notification: Notification.read_at < now - dt.timedelta(days=periods.read_notifications_days),
        # A sign-in nobody ended but not seen for the whole period is as dead as an ended one: its
        # cookie lapsed long ago (accounts/policy.py's limits are hours).
        SignIn: func.coalesce(SignIn.ended_at, SignIn.last_seen_at)
        < now - dt.timedelta(days=periods.ended_sign_ins_days),
        # Only an attempt that has ended (submitted, ended by time or by staff, voided): an open one's
        # player still needs its key to open what it queued.
        AttemptStorageKey: exists().where(
            AttemptEvent.attempt_id == AttemptStorageKey.attempt_id,
            AttemptEvent.kind.in_(ENDING_KINDS),
            AttemptEvent.occurred_at < now - dt.timedelta(days=periods.ended_attempt_storage_keys_days)),
    }
    counts = {}
    for model, condition in conditions.items():
        if dry_run:
            counts[model] = session.scalar(select(func.count()).select_from(model).where(condition))
        else:
            counts[model] = session.execute(delete(model).where(condition)).rowcount
    files = 0
    if mail_folder is not None and Path(mail_folder).is_dir():
        oldest = (now - dt.timedelta(days=periods.sent_mail_days)).timestamp()
        for path in sorted(Path(mail_folder).glob("message-*.eml")):
            if path.stat().st_mtime < oldest:
                files += 1
                if not dry_run:
                    path.unlink(missing_ok=True)
    report = SweepReport(counts[PasswordResetToken], counts[MailMessage], files, counts[Notification],
                         counts[SignIn], counts[AttemptStorageKey], dry_run)
    if not dry_run and (files or any(counts.values())):
        audit.record(session, actor=actor, action="privacy.retention_sweep", target_type="retention", now=now,
                     after={"password_reset_links": report.password_reset_links, "sent_mail": report.sent_mail,
                            "mail_files": report.mail_files, "read_notifications": report.read_notifications,
                            "ended_sign_ins": report.ended_sign_ins, "storage_keys": report.storage_keys})
    session.flush()
    return report
