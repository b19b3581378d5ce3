"""The mail outbox: a message is a row, queued in the same transaction as the fact it tells (a
release of results, say), so a rolled-back release sends nothing and a committed one is never
forgotten. A sender delivers the pending rows later (``cop mail send``, from cron or a systemd timer):

- ``SmtpSender`` when ``SMTP_HOST`` is configured (port, user, password, STARTTLS);
- ``FileSender`` otherwise: each message is written as an ``.eml`` file to a folder in the instance
  folder, so a machine without a mail server still shows what would have been sent.

A failed delivery is recorded on the row (the error and how many tries) and tried again next time.
"""
from __future__ import annotations

import datetime as dt
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Protocol

from sqlalchemy import ForeignKey, Integer, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from core.db import Base, UTCDateTime

SUBJECT_MAX = 200
MAX_TRIES = 5  # after this many failed deliveries a message waits for an operator (``--retry-failed``)


class MailMessage(Base):
    __tablename__ = "mail_messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    to_address: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(SUBJECT_MAX))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, index=True)
    tries: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")


def queue(session: Session, *, to: str, subject: str, body: str, now: dt.datetime,
          user_id: int | None = None) -> MailMessage:
    """Queue one plain-text message. Flushes; the caller's transaction commits it."""
    if "\n" in subject or "\r" in subject:
        raise ValueError("a subject is one line")
    if "@" not in to or any(c in to for c in "\r\n,;<> "):
        raise ValueError(f"not one e-mail address: {to!r}")
    message = MailMessage(user_id=user_id, to_address=to, subject=subject[:SUBJECT_MAX], body=body,
                          created_at=now, tries=0, last_error="")
    session.add(message)
    session.flush()
    return message


def pending(session: Session, *, retry_failed: bool = False) -> list[MailMessage]:
    query = select(MailMessage).where(MailMessage.sent_at.is_(None)).order_by(MailMessage.id)
    if not retry_failed:
        query = query.where(MailMessage.tries < MAX_TRIES)
    return list(session.scalars(query))


def as_email(message: MailMessage, sender_address: str) -> EmailMessage:
    email = EmailMessage()
    email["From"] = sender_address
    email["To"] = message.to_address
    email["Subject"] = message.subject
    email["Date"] = format_datetime(message.created_at)
    email["Message-ID"] = make_msgid(idstring=f"cop-{message.id}")
    email.set_content(message.body)
    return email


class Sender(Protocol):
    description: str

    def deliver(self, email: EmailMessage, message: MailMessage) -> None: ...


@dataclass
class SmtpSender:
    host: str
    port: int = 587
    user: str | None = None
    password: str | None = None
    starttls: bool = True
    timeout_s: float = 30.0

    @property
    def description(self) -> str:
        return f"SMTP {self.host}:{self.port}"

    def deliver(self, email: EmailMessage, message: MailMessage) -> None:
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout_s) as smtp:
            if self.starttls:
                smtp.starttls(context=ssl.create_default_context())
            if self.user:
                smtp.login(self.user, self.password or "")
            smtp.send_message(email)


@dataclass
class FileSender:
    folder: Path

    @property
    def description(self) -> str:
        return f"files in {self.folder}"

    def deliver(self, email: EmailMessage, message: MailMessage) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / f"message-{message.id:06d}.eml"
        path.write_bytes(bytes(email))


def sender_from_config(config: dict, instance_path: Path) -> Sender:
    """SMTP when ``SMTP_HOST`` is set, else ``.eml`` files in ``MAIL_FOLDER`` (default instance/mail)."""
    if config.get("SMTP_HOST"):
        return SmtpSender(host=config["SMTP_HOST"], port=int(config.get("SMTP_PORT") or 587),
                          user=config.get("SMTP_USER") or None, password=config.get("SMTP_PASSWORD") or None,
                          starttls=bool(config.get("SMTP_TLS", True)))
    return FileSender(Path(config.get("MAIL_FOLDER") or instance_path / "mail"))


@dataclass(frozen=True)
class Delivery:
    sent: int
    failed: int
    errors: list[str]


def send_pending(session: Session, sender: Sender, *, sender_address: str, now: dt.datetime,
                 retry_failed: bool = False) -> Delivery:
    """Deliver every pending message; mark each sent one, record each failure on its row. Flushes."""
    sent, errors = 0, []
    for message in pending(session, retry_failed=retry_failed):
        try:
            sender.deliver(as_email(message, sender_address), message)
        except (OSError, smtplib.SMTPException) as error:
            message.tries += 1
            message.last_error = f"{type(error).__name__}: {error}"[:2000]
            errors.append(f"message {message.id} to {message.to_address}: {message.last_error}")
        else:
            message.tries += 1
            message.sent_at = now
            message.last_error = ""
            sent += 1
        session.flush()
    return Delivery(sent, len(errors), errors)
