"""Writing case studies and items: create, edit drafts, start a new version of an approved one."""
from __future__ import annotations

import copy
import datetime as dt
import html
import re

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core import audit
from core.db import get_or_raise
from core.errors import Conflict, FieldProblem, Forbidden, NotFound, Problems, ValidationFailed
from core.roles import Actor, Role, require_role
from core.schemas import is_storable
from item_bank import item_types
from item_bank.framework.models import FrameworkVersion, Substandard
from item_bank.models import Attachment, CaseStudy, CaseStudyVersion, Item, ItemMapping, ItemVersion
from item_bank.sanitise import sanitise_html
from item_bank.workflow import EDITABLE, FROZEN, Status

_TAG = re.compile(r"<[^>]+>")


def plain_text(fragment: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(_TAG.sub(" ", fragment or ""))).strip()


def get_version(session: Session, version_id: int) -> CaseStudyVersion:
    return get_or_raise(session, CaseStudyVersion, version_id)


def get_case_study(session: Session, case_study_id: int) -> CaseStudy:
    return get_or_raise(session, CaseStudy, case_study_id)


def _require_author_edit(actor: Actor, version: CaseStudyVersion) -> None:
    require_role(actor, Role.ITEM_WRITER)
    if version.case_study.author_id != actor.user_id:
        raise Forbidden("Only the author can edit this case study.")
    if version.status not in EDITABLE:
        if version.status in FROZEN:
            raise Conflict("This version is approved and cannot change; start a new version to edit it.")
        raise Conflict(f"A case study that is {version.status.label.lower()} cannot be edited.")


def _current_framework(session: Session) -> FrameworkVersion:
    framework = session.scalar(select(FrameworkVersion).where(FrameworkVersion.is_current))
    if framework is None:
        raise Conflict("Load the Standards of Proficiency before writing items (cop framework import).")
    return framework


def _check_title_and_scenario(title: str, scenario_html: str) -> Problems:
    problems = Problems()
    if not title.strip():
        problems.add("title", "Enter a title for the case study")
    elif len(title) > 200:
        problems.add("title", "The title must be 200 characters or fewer")
    if not plain_text(scenario_html):
        problems.add("scenario", "Enter the scenario")
    return problems


def case_study_problems(title: str, scenario_html: str) -> list[FieldProblem]:
    """The problems creating or saving a case study would raise, without writing (a form shows them all at
    once: a scenario that is empty once sanitised beside a missing title)."""
    return list(_check_title_and_scenario(title or "", sanitise_html(scenario_html or "")).items)


def refresh_search_text(version: CaseStudyVersion) -> None:
    parts = [version.title, plain_text(version.scenario_html)]
    for item_version in version.item_versions:
        content = item_version.content
        parts.append(plain_text(content.get("stem", "")))
        parts.extend(plain_text(s.get("text", "")) for s in content.get("stems", []))
    version.search_text = " ".join(parts).lower()


def create_case_study(session: Session, *, actor: Actor, title: str, scenario_html: str,
                      now: dt.datetime) -> CaseStudyVersion:
    require_role(actor, Role.ITEM_WRITER)
    scenario_html = sanitise_html(scenario_html)
    _check_title_and_scenario(title, scenario_html).raise_if_any()
    framework = _current_framework(session)
    case_study = CaseStudy(author_id=actor.user_id, framework_version_id=framework.id, created_at=now)
    session.add(case_study)
    session.flush()
    version = CaseStudyVersion(case_study_id=case_study.id, number=1, title=title.strip(),
                               scenario_html=scenario_html, status=Status.DRAFT, created_at=now,
                               created_by_id=actor.user_id, updated_at=now)
    session.add(version)
    session.flush()
    refresh_search_text(version)
    audit.record(session, actor=actor, action="case_study.created", target_type="case_study",
                 target_id=case_study.id, after={"title": version.title}, now=now)
    session.refresh(case_study)
    return version


def update_case_study(session: Session, *, actor: Actor, version_id: int, title: str, scenario_html: str,
                      now: dt.datetime) -> CaseStudyVersion:
    version = get_version(session, version_id)
    _require_author_edit(actor, version)
    scenario_html = sanitise_html(scenario_html)
    _check_title_and_scenario(title, scenario_html).raise_if_any()
    version.title = title.strip()
    version.scenario_html = scenario_html
    version.updated_at = now
    refresh_search_text(version)
    session.flush()
    return version


def _substandards_by_code(session: Session, framework_version_id: int, codes: list[str]) -> dict[str, Substandard]:
    # A NUL is no code (and PostgreSQL refuses it even in a query).
    codes = [code for code in codes if not isinstance(code, str) or is_storable(code)]
    rows = session.scalars(select(Substandard).where(Substandard.framework_version_id == framework_version_id,
                                                     Substandard.code.in_(codes)))
    return {row.code: row for row in rows}


def _validated_content(session: Session, version: CaseStudyVersion, content: dict,
                       draft_ok: bool = False) -> tuple[dict, dict[str, Substandard]]:
    content = copy.deepcopy(content)
    content["stem"] = sanitise_html(content.get("stem", ""))
    problems = [FieldProblem(p.field, p.message) for p in item_types.validate_content(content, draft=draft_ok)]
    mapping = content.get("substandards") or {}
    codes = [c for c in [mapping.get("primary"), *(mapping.get("others") or [])] if c]
    known = _substandards_by_code(session, version.case_study.framework_version_id, codes)
    for code in codes:
        if code not in known and not any(p.field.startswith("substandards") for p in problems):
            field = "substandards.primary" if code == mapping.get("primary") else "substandards.others"
            problems.append(FieldProblem(field, f"There is no sub-standard {code} in the Standards this case study "
                                                f"was written against"))
    if problems:
        raise ValidationFailed("The item has problems", problems)
    return content, known


def item_problems(session: Session, *, version_id: int, content: dict) -> list[FieldProblem]:
    """Every problem with an item's content, without saving it (a form shows them all at once)."""
    try:
        _validated_content(session, get_version(session, version_id), content)
    except ValidationFailed as error:
        return list(error.problems)
    return []


def _set_mappings(item_version: ItemVersion, content: dict, known: dict[str, Substandard]) -> None:
    mapping = content.get("substandards") or {}
    wanted = {known[mapping["primary"]].id: True} if mapping.get("primary") else {}
    for code in mapping.get("others") or []:
        wanted.setdefault(known[code].id, False)
    # Update in place: deleting and re-adding the same sub-standard in one flush would trip the
    # unique constraint, because the ORM inserts before it deletes.
    for mapping_row in list(item_version.mappings):
        if mapping_row.substandard_id in wanted:
            mapping_row.is_primary = wanted.pop(mapping_row.substandard_id)
        else:
            item_version.mappings.remove(mapping_row)
    item_version.mappings.extend(ItemMapping(substandard_id=sid, is_primary=primary) for sid, primary in wanted.items())


def _max_mark(content: dict) -> int:
    try:
        return item_types.max_mark(content)
    except (KeyError, TypeError, ValueError):  # an incomplete draft (e.g. no rubric yet) has no marks yet
        return 0


def save_item(session: Session, *, actor: Actor, version_id: int, content: dict, now: dt.datetime,
              item_id: int | None = None, draft_ok: bool = False) -> ItemVersion:
    """Add an item to a draft version (``item_id`` None) or replace an item's content in it.

    ``draft_ok`` lets an item in that is complete enough to show and mark but still lacks what a
    reviewer needs (a rationale, a mapping, a rubric): the QTI import uses it. Submission for
    review checks everything, so such an item cannot reach a paper.
    """
    version = get_version(session, version_id)
    _require_author_edit(actor, version)
    content, known = _validated_content(session, version, content, draft_ok)
    if item_id is None:
        if len(version.item_versions) >= max(item_types.CASE_STUDY_ITEMS):
            raise Conflict("A case study has at most 8 items.")
        item = Item(case_study_id=version.case_study_id, created_at=now)
        session.add(item)
        session.flush()
        item_version = ItemVersion(item_id=item.id, case_study_version_id=version.id,
                                   position=len(version.item_versions) + 1, item_type=content["type"],
                                   content=content, max_mark=_max_mark(content),
                                   estimated_facility=content.get("estimated_facility"))
        version.item_versions.append(item_version)
    else:
        item_version = _item_version_in(version, item_id)
        item_version.item_type = content["type"]
        item_version.content = content
        item_version.max_mark = _max_mark(content)
        item_version.estimated_facility = content.get("estimated_facility")
    session.flush()
    _set_mappings(item_version, content, known)
    version.updated_at = now
    refresh_search_text(version)
    session.flush()
    return item_version


def _item_version_in(version: CaseStudyVersion, item_id: int) -> ItemVersion:
    for item_version in version.item_versions:
        if item_version.item_id == item_id:
            return item_version
    raise NotFound("That item is not part of this case study version.")


def remove_item(session: Session, *, actor: Actor, version_id: int, item_id: int, now: dt.datetime) -> None:
    version = get_version(session, version_id)
    _require_author_edit(actor, version)
    item_version = _item_version_in(version, item_id)
    version.item_versions.remove(item_version)
    session.flush()
    for position, remaining in enumerate(version.item_versions, start=1):
        remaining.position = position
    version.updated_at = now
    refresh_search_text(version)
    session.flush()


def move_item(session: Session, *, actor: Actor, version_id: int, item_id: int, offset: int,
              now: dt.datetime) -> None:
    version = get_version(session, version_id)
    _require_author_edit(actor, version)
    ordered = list(version.item_versions)
    index = ordered.index(_item_version_in(version, item_id))
    target = index + offset
    if not 0 <= target < len(ordered):
        return
    ordered[index], ordered[target] = ordered[target], ordered[index]
    # Park positions first so the swap never trips an ordering assumption mid-flush.
    for position, item_version in enumerate(ordered, start=1):
        item_version.position = position
    version.updated_at = now
    session.flush()
    session.expire(version, ["item_versions"])


def start_new_version(session: Session, *, actor: Actor, case_study_id: int, change_note: str,
                      now: dt.datetime) -> CaseStudyVersion:
    """Copy the latest version into a new draft; earlier versions never change."""
    require_role(actor, Role.ITEM_WRITER)
    case_study = get_case_study(session, case_study_id)
    if case_study.author_id != actor.user_id:
        raise Forbidden("Only the author can start a new version.")
    latest = case_study.latest
    if latest.status not in FROZEN | {Status.REJECTED}:
        raise Conflict(f"Version {latest.number} is still {latest.status.label.lower()}; edit that one instead.")
    if not change_note.strip():
        raise ValidationFailed("Say what the new version changes", [FieldProblem("change_note", "Say what the new version changes")])
    version = copy_as_new_draft(session, case_study=case_study, created_by_id=actor.user_id,
                                change_note=change_note, now=now)
    audit.record(session, actor=actor, action="case_study.new_version", target_type="case_study",
                 target_id=case_study.id, before={"version": latest.number},
                 after={"version": version.number, "change": version.change_note}, now=now)
    session.refresh(case_study)
    return version


def copy_as_new_draft(session: Session, *, case_study: CaseStudy, created_by_id: int, change_note: str,
                      now: dt.datetime) -> CaseStudyVersion:
    """The copying half of a new version (its callers check who may and audit it): the latest
    version's content, items and attachments into a new draft; earlier versions never change."""
    latest = case_study.latest
    version = CaseStudyVersion(case_study_id=case_study.id, number=latest.number + 1, title=latest.title,
                               scenario_html=latest.scenario_html, status=Status.DRAFT, created_at=now,
                               created_by_id=created_by_id, updated_at=now, change_note=change_note.strip(),
                               search_text=latest.search_text)
    session.add(version)
    session.flush()
    for old in latest.item_versions:
        copy_ = ItemVersion(item_id=old.item_id, case_study_version_id=version.id, position=old.position,
                            item_type=old.item_type, content=copy.deepcopy(old.content), max_mark=old.max_mark,
                            estimated_facility=old.estimated_facility)
        copy_.mappings = [ItemMapping(substandard_id=m.substandard_id, is_primary=m.is_primary) for m in old.mappings]
        version.item_versions.append(copy_)
    # Attachments are content-addressed files, so the new version simply points at the same ones.
    for old in latest.attachments:
        session.add(Attachment(case_study_version_id=version.id, filename=old.filename, content_type=old.content_type,
                               size_bytes=old.size_bytes, sha256=old.sha256, description=old.description,
                               uploaded_at=old.uploaded_at, uploaded_by_id=old.uploaded_by_id))
    session.flush()
    return version


def count_items(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Item)) or 0
