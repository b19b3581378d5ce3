"""Tables of standard-setting exercises."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, UTCDateTime


class StandardSettingExercise(Base):
    """A lead examiner's exercise to set the standard of one paper (for a sitting, when the
    panel has the sitting's performance data to see)."""

    __tablename__ = "standard_setting_exercises"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    exam_paper_id: Mapped[int] = mapped_column(ForeignKey("exam_papers.id", ondelete="RESTRICT"), index=True)
    sitting_id: Mapped[int | None] = mapped_column(ForeignKey("sittings.id", ondelete="RESTRICT"), index=True)
    lead_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
