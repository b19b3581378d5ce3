"""Recording item statistics (the one write into ``item_statistics``), and acting on a flag.

Scoring runs (``scoring``, a higher layer) call ``record_item_statistics`` once per run, after
they have computed each item version's statistics, so that the item bank can show them on the
item page and filter on them without importing scoring. Rows are appended, never changed.
"""
from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import audit, notifications
from core.db import get_or_raise
from core.errors import Conflict, FieldProblem, Forbidden, NotFound, Problems, ValidationFailed
from core.roles import Actor, Role, require_role
from item_bank.authoring.services import copy_as_new_draft
from item_bank.models import CaseStudyVersion, ItemVersion, ReviewAction, ReviewEvent
from item_bank.statistics.flags import FLAG_CODE, flag_label
from item_bank.workflow import Status
from item_bank.statistics.models import ItemStatistic
from item_bank.statistics.queries import is_latest_for_sitting

# Correlations and proportions come from floating-point sums; allow for the last bit or two.
_SLACK = 1e-9


@dataclass(frozen=True)
class OptionStatistic:
    """One option of a selected-response item: the share of candidates choosing it and the
    point-biserial of choosing it with the rest score (None where not defined)."""

    option: str
    is_key: bool
    proportion: float
    pbis_rest: float | None = None
    upper_proportion: float | None = None
    lower_proportion: float | None = None


@dataclass(frozen=True)
class ItemStatisticsRow:
    """One item version's statistics from a run. ``None`` or NaN means "not defined" (stored as
    NULL). ``item_id`` may be left out: it is taken from the item version (and checked if given)."""

    item_version_id: int
    n_candidates: int
    max_mark: float
    facility: float
    pbis: float | None = None
    pbis_corrected: float | None = None
    upper_lower: float | None = None
    alpha_if_deleted: float | None = None
    flags: tuple[str, ...] = ()
    distractors: tuple[OptionStatistic, ...] = ()
    item_id: int | None = None


def _defined(value) -> float | None:
    """A finite float, or None for None/NaN; infinities and non-numbers raise ValueError."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError("not a number")
    number = float(value)
    if math.isnan(number):
        return None
    if math.isinf(number):
        raise ValueError("not finite")
    return number


def _check_number(problems: Problems, where: str, name: str, value, low: float | None, high: float | None,
                  required: bool = False) -> float | None:
    try:
        number = _defined(value)
    except (TypeError, ValueError):
        problems.add(f"{where}.{name}", f"{name} must be a finite number")
        return None
    if number is None:
        if required:
            problems.add(f"{where}.{name}", f"{name} is required")
        return None
    if (low is not None and number < low - _SLACK) or (high is not None and number > high + _SLACK):
        span = (f"between {low:g} and {high:g}" if low is not None and high is not None
                else f"at least {low:g}" if low is not None else f"at most {high:g}")
        problems.add(f"{where}.{name}", f"{name} must be {span}, not {number:g}")
        return None
    return number


def _distractors(problems: Problems, where: str, options) -> list[dict]:
    stored: list[dict] = []
    seen: set[str] = set()
    for j, option in enumerate(options):
        here = f"{where}.distractors[{j}]"
        if isinstance(option, dict):
            try:
                option = OptionStatistic(**option)
            except TypeError as error:
                problems.add(here, f"not an option statistic: {error}")
                continue
        if not isinstance(option, OptionStatistic):
            problems.add(here, "not an option statistic")
            continue
        label = str(option.option).strip()
        if not label or len(label) > 20:
            problems.add(f"{here}.option", "option must be 1 to 20 characters")
        elif label in seen:
            problems.add(f"{here}.option", f"option {label} appears twice")
        seen.add(label)
        stored.append({
            "option": label, "is_key": bool(option.is_key),
            "proportion": _check_number(problems, here, "proportion", option.proportion, 0, 1, required=True),
            "pbis_rest": _check_number(problems, here, "pbis_rest", option.pbis_rest, -1, 1),
            "upper_proportion": _check_number(problems, here, "upper_proportion", option.upper_proportion, 0, 1),
            "lower_proportion": _check_number(problems, here, "lower_proportion", option.lower_proportion, 0, 1),
        })
    return stored


def record_item_statistics(session: Session, *, actor: Actor, scoring_run_id: int, sitting_id: int,
                           sitting_title: str, is_provisional: bool, rows: list[ItemStatisticsRow],
                           now: dt.datetime) -> list[ItemStatistic]:
    """Append one run's statistics, one row per item version. Checks everything first and writes
    nothing if any row is wrong: ``ValidationFailed`` (422) lists every problem, ``NotFound`` names
    an unknown item version, ``Conflict`` refuses a run that already recorded an item version.
    Needs the examiner (or administrator) role; the system actor has it."""
    require_role(actor, Role.EXAMINER, Role.ADMIN)
    if now.tzinfo is None:
        raise ValueError("naive datetime given to record_item_statistics; use an aware datetime")
    problems = Problems()
    for name, value in (("scoring_run_id", scoring_run_id), ("sitting_id", sitting_id)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            problems.add(name, f"{name} must be a positive whole number")
    title = (sitting_title or "").strip()
    if not title or len(title) > 200:
        problems.add("sitting_title", "sitting_title must be 1 to 200 characters")
    problems.raise_if_any("The item statistics are not valid")
    if not rows:
        return []  # a run whose every item was excluded has no item statistics to give

    version_ids = [row.item_version_id for row in rows]
    versions = {iv.id: iv for iv in session.scalars(select(ItemVersion).where(ItemVersion.id.in_(version_ids)))}
    missing = sorted({v for v in version_ids if v not in versions}, key=str)
    if missing:
        raise NotFound(f"There is no item version {', '.join(map(str, missing))}.")
    already = session.scalars(select(ItemStatistic.item_version_id).where(
        ItemStatistic.scoring_run_id == scoring_run_id, ItemStatistic.item_version_id.in_(version_ids))).all()
    if already:
        raise Conflict(f"Scoring run {scoring_run_id} has already recorded statistics for item version "
                       f"{', '.join(map(str, sorted(already)))}; a new run records new rows.")

    prepared: list[ItemStatistic] = []
    seen: set[int] = set()
    for i, row in enumerate(rows):
        where = f"rows[{i}]"
        version = versions[row.item_version_id]
        if row.item_version_id in seen:
            problems.add(f"{where}.item_version_id", f"item version {row.item_version_id} appears twice")
        seen.add(row.item_version_id)
        if row.item_id is not None and row.item_id != version.item_id:
            problems.add(f"{where}.item_id", f"item version {version.id} belongs to item {version.item_id}, "
                                             f"not {row.item_id}")
        if isinstance(row.n_candidates, bool) or not isinstance(row.n_candidates, int) or row.n_candidates < 1:
            problems.add(f"{where}.n_candidates", "n_candidates must be a whole number of at least 1")
        max_mark = _check_number(problems, where, "max_mark", row.max_mark, 0, None, required=True)
        if max_mark is not None and max_mark <= 0:
            problems.add(f"{where}.max_mark", "max_mark must be above 0")
        flags = list(row.flags)
        for code in flags:
            if not isinstance(code, str) or not FLAG_CODE.match(code):
                problems.add(f"{where}.flags", f"{code!r} is not a flag code (lower case, digits and _)")
        if len(set(flags)) != len(flags):
            problems.add(f"{where}.flags", "a flag appears twice")
        prepared.append(ItemStatistic(
            item_id=version.item_id, item_version_id=version.id, sitting_id=sitting_id, sitting_title=title,
            scoring_run_id=scoring_run_id, is_provisional=bool(is_provisional), n_candidates=row.n_candidates,
            max_mark=max_mark,
            facility=_check_number(problems, where, "facility", row.facility, 0, 1, required=True),
            pbis=_check_number(problems, where, "pbis", row.pbis, -1, 1),
            pbis_corrected=_check_number(problems, where, "pbis_corrected", row.pbis_corrected, -1, 1),
            upper_lower=_check_number(problems, where, "upper_lower", row.upper_lower, -1, 1),
            alpha_if_deleted=_check_number(problems, where, "alpha_if_deleted", row.alpha_if_deleted, None, 1),
            flags=flags, is_flagged=bool(flags), distractors=_distractors(problems, where, row.distractors),
            recorded_at=now, recorded_by_id=actor.user_id))
    problems.raise_if_any("The item statistics are not valid")

    session.add_all(prepared)
    session.flush()
    audit.record(session, actor=actor, action="item_statistics.recorded", target_type="scoring_run",
                 target_id=scoring_run_id, now=now,
                 after={"sitting_id": sitting_id, "item_versions": len(prepared), "provisional": bool(is_provisional),
                        "flagged": sum(1 for s in prepared if s.is_flagged)})
    return prepared


@dataclass(frozen=True)
class SentBack:
    """What ``send_back_to_review`` did: the version the item is now revised in, and whether that
    version was started by this action (False: it was already open and got the comment)."""

    version: CaseStudyVersion
    is_new_version: bool
    comment: ReviewEvent


def send_back_comment(statistic: ItemStatistic, note: str) -> str:
    """The review comment that carries a flag back to the writers: the flags in words, the sitting,
    the scoring run and the examiner's note."""
    flags = "; ".join(flag_label(code) for code in statistic.flags)
    kind = "provisional scoring run" if statistic.is_provisional else "scoring run"
    return (f"Sent back to review from the item statistics. Flagged in {statistic.sitting_title}, "
            f"{kind} {statistic.scoring_run_id} (facility {statistic.facility:.2f}, "
            f"{statistic.n_candidates} candidates): {flags}. Examiner's note: {note.strip()}")


def send_back_to_review(session: Session, *, actor: Actor, statistic_id: int, note: str,
                        now: dt.datetime) -> SentBack:
    """An examiner sends a flagged item back to its writers from its statistics.

    Approved versions never change (DESIGN.md), and the workflow has no way back from approved, so
    this starts a new draft version of the case study (as its author would) carrying a review
    comment on the item that cites the flags and the run; the author is notified and takes it
    through review as usual, while the approved version stays usable until a new one is approved.
    If a newer version is already open (a draft, or in review), the comment goes on that one.
    """
    require_role(actor, Role.EXAMINER)
    if actor.user_id is None:
        raise Forbidden("A person, not the system, sends an item back to review.")
    statistic = get_or_raise(session, ItemStatistic, statistic_id, "There are no such item statistics.")
    if not statistic.is_flagged:
        raise Conflict("These statistics carry no flag; only a flagged item is sent back from here.")
    if not is_latest_for_sitting(session, statistic):
        raise Conflict("A newer scoring run of this sitting has replaced these statistics; use its figures.")
    if not note.strip():
        raise ValidationFailed("Say what the writers should look at",
                               [FieldProblem("note", "Say what the writers should look at")])
    if len(note) > 2000:
        raise ValidationFailed("The note is too long", [FieldProblem("note", "The note must be 2,000 characters or fewer")])
    case_study = statistic.item_version.case_study_version.case_study
    latest = case_study.latest
    if latest.status in {Status.RETIRED, Status.REJECTED}:
        raise Conflict(f"Version {latest.number} of this case study is {latest.status.label.lower()}; "
                       f"there is nothing to send back to review.")
    if statistic.item_id not in {iv.item_id for iv in latest.item_versions}:
        raise Conflict(f"Version {latest.number} of this case study no longer has this item.")
    text = send_back_comment(statistic, note)
    is_new = latest.status == Status.APPROVED
    version = latest
    if is_new:
        version = copy_as_new_draft(session, case_study=case_study, created_by_id=actor.user_id, now=now,
                                    change_note=f"Sent back to review: item flagged in {statistic.sitting_title}, "
                                                f"scoring run {statistic.scoring_run_id}.")
    event = ReviewEvent(case_study_version_id=version.id, item_id=statistic.item_id, actor_id=actor.user_id,
                        action=ReviewAction.COMMENT, comment=text, occurred_at=now)
    session.add(event)
    session.flush()
    notifications.notify(session, user_id=case_study.author_id, now=now,
                         message=f"An examiner sent an item of “{version.title}” back to review after a "
                                 f"scoring run flagged it (version {version.number}).",
                         link=f"/item-bank/case-studies/{version.case_study_id}/versions/{version.number}")
    audit.record(session, actor=actor, action="item.sent_back_to_review", target_type="item",
                 target_id=statistic.item_id, now=now,
                 before={"version": latest.number, "status": latest.status.value},
                 after={"version": version.number, "new_version": is_new, "statistic_id": statistic.id,
                        "scoring_run_id": statistic.scoring_run_id, "flags": list(statistic.flags)})
    session.refresh(case_study)
    return SentBack(version=version, is_new_version=is_new, comment=event)
