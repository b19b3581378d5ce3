"""In-app notifications: a person's list of things that happened to their work (email later)."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Integer, String, Text, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from core.db import Base, UTCDateTime


class Notification(Base):
    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    message: Mapped[str] = mapped_column(Text)
    link: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    read_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


def notify(session: Session, *, user_id: int, message: str, link: str = "", now: dt.datetime) -> Notification:
    note = Notification(user_id=user_id, message=message, link=link, created_at=now)
    session.add(note)
    session.flush()
    return note


def for_user(session: Session, user_id: int, limit: int = 50) -> list[Notification]:
    return list(session.scalars(select(Notification).where(Notification.user_id == user_id)
                                .order_by(Notification.id.desc()).limit(limit)))


def unread_count(session: Session, user_id: int) -> int:
    return session.scalar(select(func.count()).select_from(Notification).where(
        Notification.user_id == user_id, Notification.read_at.is_(None))) or 0


def mark_all_read(session: Session, user_id: int, now: dt.datetime) -> None:
    for note in session.scalars(select(Notification).where(Notification.user_id == user_id,
                                                           Notification.read_at.is_(None))):
        note.read_at = now
    session.flush()
