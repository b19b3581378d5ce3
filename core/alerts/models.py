"""The tables of security alerts."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core import append_only  # noqa: F401 - registers the append-only guards for SecurityAlert
from core.db import Base, UTCDateTime


class SecurityAlert(Base):
    """Each alert raised, and where it went. Append-only: the record of alerts is evidence of what
    the service noticed and told, and must not be edited afterwards."""
    __tablename__ = "security_alerts"
    __append_only__ = True
    __table_args__ = (Index("ix_security_alerts_kind_subject_raised_at", "kind", "subject", "raised_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    raised_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    kind: Mapped[str] = mapped_column(String(40))
    # What the alert is about: "account person@example.org", "address 203.0.113.9", "user 12".
    subject: Mapped[str] = mapped_column(String(400))
    details: Mapped[str] = mapped_column(Text, default="")  # JSON: counts, windows, addresses
    # Comma-separated: "log", "email", "webhook"; only "log" when the hourly limit held it back.
    channels: Mapped[str] = mapped_column(String(40))


class AlertCounter(Base):
    """A count of one kind of event about one subject in one fixed window, kept in the database so
    that every app process adds to the same count. Old windows are deleted as new ones begin."""
    __tablename__ = "alert_counters"
    __table_args__ = (UniqueConstraint("kind", "subject", "window_start"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    subject: Mapped[str] = mapped_column(String(400))
    window_start: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    count: Mapped[int] = mapped_column(Integer, default=0)


class AlertWebhook(Base):
    """The webhook outbox: one JSON POST per alert, queued in the alert's transaction and sent by
    ``cop mail send`` beside the mail, never inside a person's request."""
    __tablename__ = "alert_webhooks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    alert_id: Mapped[int] = mapped_column(Integer, index=True)  # no foreign key: alerts are append-only
    url: Mapped[str] = mapped_column(String(2000))
    payload: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, index=True)
    tries: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
