"""Reading item statistics: an item's history for its page, and the current figures for the bank's
filters.

Rows are only ever appended, so ids order them in time. Within a sitting the latest run is the
row with the highest id. Across sittings, the most recent sitting is the one first scored last
(the highest first id), so re-running an old sitting (to exclude an item, say) does not make its
figures the item's current ones. An item's *current* statistics are the latest run of its most
recent sitting: what the bank's facility and flag filters use."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from item_bank.models import ItemVersion
from item_bank.statistics.models import ItemStatistic


@dataclass(frozen=True)
class SittingStatistics:
    """One item version in one sitting: the latest run's row, and the earlier runs newest first."""

    sitting_id: int
    sitting_title: str
    latest: ItemStatistic
    earlier: tuple[ItemStatistic, ...] = ()


@dataclass(frozen=True)
class VersionStatistics:
    """One version of the item and the sittings it was sat in, most recent sitting first."""

    item_version: ItemVersion
    sittings: tuple[SittingStatistics, ...]


def statistics_for_item(session: Session, item_id: int) -> list[VersionStatistics]:
    """Every recorded statistic of an item, per version (newest version first) and per sitting
    (most recent sitting first), each sitting's latest run first and its earlier runs kept."""
    rows = session.scalars(select(ItemStatistic).where(ItemStatistic.item_id == item_id)
                           .order_by(ItemStatistic.id.desc())).all()
    by_version: dict[int, dict[int, list[ItemStatistic]]] = {}
    for row in rows:  # newest first, so each sitting's list is "latest run first"
        by_version.setdefault(row.item_version_id, {}).setdefault(row.sitting_id, []).append(row)
    result = []
    for version_id in sorted(by_version, reverse=True):
        # A sitting's first row (the last in its newest-first list) says when it was first scored.
        sittings = sorted(by_version[version_id].values(), key=lambda runs: runs[-1].id, reverse=True)
        result.append(VersionStatistics(
            item_version=sittings[0][0].item_version,
            sittings=tuple(SittingStatistics(runs[0].sitting_id, runs[0].sitting_title, runs[0], tuple(runs[1:]))
                           for runs in sittings)))
    return result


def latest_ids_query():
    """The id of each item's current statistics row: the latest run of its most recent sitting."""
    per_sitting = (select(ItemStatistic.item_id, func.min(ItemStatistic.id).label("first_id"),
                          func.max(ItemStatistic.id).label("last_id"))
                   .group_by(ItemStatistic.item_id, ItemStatistic.sitting_id).subquery())
    newest_sitting = (select(per_sitting.c.item_id, func.max(per_sitting.c.first_id).label("first_id"))
                      .group_by(per_sitting.c.item_id).subquery())
    return select(per_sitting.c.last_id).join(newest_sitting, and_(
        per_sitting.c.item_id == newest_sitting.c.item_id, per_sitting.c.first_id == newest_sitting.c.first_id))


def latest_by_item(session: Session, item_ids=None) -> dict[int, ItemStatistic]:
    """Each item's current statistics row, by item id (only ``item_ids`` if given)."""
    query = select(ItemStatistic).where(ItemStatistic.id.in_(latest_ids_query()))
    if item_ids is not None:
        query = query.where(ItemStatistic.item_id.in_(list(item_ids)))
    return {row.item_id: row for row in session.scalars(query)}


def latest_facility_by_item(session: Session) -> dict[int, float]:
    """Each item's current facility — what the bank's facility filter uses."""
    return dict(session.execute(select(ItemStatistic.item_id, ItemStatistic.facility)
                                .where(ItemStatistic.id.in_(latest_ids_query()))).all())


def item_ids_with_latest(*conditions):
    """A subquery of the item ids whose current statistics row meets ``conditions``, for the
    bank's filters (e.g. ``ItemStatistic.facility >= 0.3`` or ``ItemStatistic.is_flagged``)."""
    return select(ItemStatistic.item_id).where(ItemStatistic.id.in_(latest_ids_query()), *conditions)


def statistic_of_item(session: Session, item_id: int, statistic_id: int) -> ItemStatistic | None:
    """One statistics row, if it belongs to that item (so a URL cannot mix two items up)."""
    row = session.get(ItemStatistic, statistic_id)
    return row if row is not None and row.item_id == item_id else None


def is_latest_for_sitting(session: Session, statistic: ItemStatistic) -> bool:
    newest = session.scalar(select(func.max(ItemStatistic.id)).where(
        ItemStatistic.item_version_id == statistic.item_version_id, ItemStatistic.sitting_id == statistic.sitting_id))
    return newest == statistic.id
