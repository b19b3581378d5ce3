"""Item statistics: one appended row per item version per scoring run.

Sittings and scoring runs live in higher layers (``assessment.delivery`` and ``scoring``), so this
table cannot point at them with a foreign key: ``sitting_id`` and ``scoring_run_id`` are plain
indexed integers, and the sitting's title is copied in as text when the row is written, so the
item page can name the sitting without importing a higher layer. Rows are never changed: a newer
run over the same sitting appends new rows, and the item page shows the latest run per sitting
(the highest ``id``, i.e. the last appended) while keeping the earlier ones as history.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, UTCDateTime


class ItemStatistic(Base):
    """One item version's classical statistics in one sitting, from one scoring run.

    Numbers follow DOMAIN.md's conventions: ``facility`` is mean score / max mark (omitted = 0);
    ``pbis`` is the item–total point-biserial, ``pbis_corrected`` the item–rest one; ``upper_lower``
    the 27 % upper–lower index; ``alpha_if_deleted`` Cronbach's alpha without this item. A value the
    engine could not define (NaN, e.g. a correlation for an item everyone got right) is stored as
    NULL. ``flags`` is a list of flag codes (``item_bank.statistics.flags``); ``is_flagged`` is
    ``bool(flags)``, stored so that the bank's "flagged" filter is one indexed comparison.
    ``distractors`` is a list of ``{"option", "is_key", "proportion", "pbis_rest",
    "upper_proportion", "lower_proportion"}`` (selected-response items only; otherwise empty).
    """

    __tablename__ = "item_statistics"
    __table_args__ = (UniqueConstraint("scoring_run_id", "item_version_id"),)
    __append_only__ = True

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="RESTRICT"), index=True)
    item_version_id: Mapped[int] = mapped_column(ForeignKey("item_versions.id", ondelete="RESTRICT"), index=True)
    # Not foreign keys: sittings and scoring runs belong to higher layers (see the module docstring).
    sitting_id: Mapped[int] = mapped_column(Integer, index=True)
    sitting_title: Mapped[str] = mapped_column(String(200))
    scoring_run_id: Mapped[int] = mapped_column(Integer, index=True)
    is_provisional: Mapped[bool] = mapped_column(Boolean)
    n_candidates: Mapped[int] = mapped_column(Integer)
    max_mark: Mapped[float] = mapped_column(Float)
    facility: Mapped[float] = mapped_column(Float)
    pbis: Mapped[float | None] = mapped_column(Float)
    pbis_corrected: Mapped[float | None] = mapped_column(Float)
    upper_lower: Mapped[float | None] = mapped_column(Float)
    alpha_if_deleted: Mapped[float | None] = mapped_column(Float)
    flags: Mapped[list] = mapped_column(JSON, default=list)
    is_flagged: Mapped[bool] = mapped_column(Boolean, index=True)
    distractors: Mapped[list] = mapped_column(JSON, default=list)
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))

    item_version: Mapped["ItemVersion"] = relationship("ItemVersion", lazy="joined")  # noqa: F821 - by name
