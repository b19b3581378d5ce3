"""Tables of standard-setting exercises. The exercise's set-up is written once; judges, ratings,
round events and global grades are append-only evidence: a changed rating is a new row, and the
latest row of a judge for an item in a round is the one that counts."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Boolean, Enum, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, UTCDateTime
from scoring.standard_setting.rules import EventKind, Grade, RatingKind


def _enum(cls, name: str, length: int):
    return Enum(cls, native_enum=False, create_constraint=True, name=name, length=length,
                values_callable=lambda e: [m.value for m in e], validate_strings=True)


RATING_KIND = _enum(RatingKind, "standard_setting_rating_kind", 20)
EVENT_KIND = _enum(EventKind, "standard_setting_event_kind", 30)
GLOBAL_GRADE = _enum(Grade, "standard_setting_grade", 12)


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
    methods: Mapped[list] = mapped_column(JSON, default=list)  # Method values, in the order chosen
    n_rounds: Mapped[int] = mapped_column(Integer, default=2)
    shows_spread: Mapped[bool] = mapped_column(Boolean, default=True)  # the group's spread between rounds
    shows_performance: Mapped[bool] = mapped_column(Boolean, default=True)  # the lead may release it


class StandardSettingJudge(Base):
    """A person on an exercise's panel (any signed-in account, with or without a role)."""

    __tablename__ = "standard_setting_judges"
    __append_only__ = True
    __table_args__ = (UniqueConstraint("exercise_id", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    exercise_id: Mapped[int] = mapped_column(ForeignKey("standard_setting_exercises.id", ondelete="RESTRICT"),
                                             index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    added_by_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    added_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class StandardSettingRating(Base):
    """One judgement by one judge in one round (see ``RatingKind`` for what target, value and payload
    hold)."""

    __tablename__ = "standard_setting_ratings"
    __append_only__ = True

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    exercise_id: Mapped[int] = mapped_column(ForeignKey("standard_setting_exercises.id", ondelete="RESTRICT"),
                                             index=True)
    judge_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    round: Mapped[int] = mapped_column(Integer)
    kind: Mapped[RatingKind] = mapped_column(RATING_KIND)
    target: Mapped[str] = mapped_column(String(60), default="")
    value: Mapped[float | None] = mapped_column(Float)
    payload: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class StandardSettingEvent(Base):
    """A round closed (with what the judges were shown and the round's cuts), performance data
    released (with the figures), or a round opened."""

    __tablename__ = "standard_setting_events"
    __append_only__ = True

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    exercise_id: Mapped[int] = mapped_column(ForeignKey("standard_setting_exercises.id", ondelete="RESTRICT"),
                                             index=True)
    kind: Mapped[EventKind] = mapped_column(EVENT_KIND)
    round: Mapped[int] = mapped_column(Integer)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    reason: Mapped[str] = mapped_column(Text, default="")
    payload: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class StandardSettingGrade(Base):
    """An examiner's global grade of one candidate's script (fail / borderline / pass), for the
    borderline methods. The latest grade of an attempt counts."""

    __tablename__ = "standard_setting_grades"
    __append_only__ = True

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    exercise_id: Mapped[int] = mapped_column(ForeignKey("standard_setting_exercises.id", ondelete="RESTRICT"),
                                             index=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id", ondelete="RESTRICT"))
    grade: Mapped[Grade] = mapped_column(GLOBAL_GRADE)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
