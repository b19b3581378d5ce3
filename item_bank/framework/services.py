"""Importing and reading framework versions."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from core import audit
from core.errors import Conflict, NotFound, ValidationFailed
from core.errors import FieldProblem
from core.roles import Actor, Role, require_role
from item_bank.framework.models import FrameworkVersion, Standard, Substandard, Theme
from item_bank.framework.rules import content_digest, framework_problems


@dataclass(frozen=True)
class ImportOutcome:
    framework_version: FrameworkVersion
    created: bool
    n_standards: int
    n_substandards: int


def import_framework(session: Session, *, actor: Actor, document: dict, now: dt.datetime) -> ImportOutcome:
    """Store a framework version. Re-importing the same content changes nothing; the same
    version label with different content is refused (a revision needs a new label)."""
    require_role(actor, Role.ADMIN)
    problems = framework_problems(document)
    if problems:
        raise ValidationFailed("The framework file is not valid", [FieldProblem("framework", p) for p in problems])
    digest = content_digest(document)
    existing = session.scalar(select(FrameworkVersion).where(
        FrameworkVersion.name == document["name"], FrameworkVersion.version == document["version"]))
    if existing is not None:
        if existing.content_digest != digest:
            raise Conflict(f"Version {document['version']} of {document['name']} is already loaded with different "
                           "content; give the revision a new version label.")
        return ImportOutcome(existing, False, *_counts(existing))
    session.execute(update(FrameworkVersion).values(is_current=False))
    version = FrameworkVersion(name=document["name"], version=document["version"],
                               source_note=document.get("source", ""), competent_level=document.get("competent_level", ""),
                               core_values=document.get("core_values", []), content_digest=digest, imported_at=now,
                               is_current=True)
    session.add(version)
    session.flush()
    for position, theme_doc in enumerate(document["themes"], start=1):
        theme = Theme(framework_version_id=version.id, code=theme_doc["code"], title=theme_doc["title"],
                      summary=theme_doc.get("summary", ""), position=position)
        session.add(theme)
        session.flush()
        for standard_doc in theme_doc["standards"]:
            standard = Standard(framework_version_id=version.id, theme_id=theme.id, number=standard_doc["number"],
                                title=standard_doc["title"], is_title_derived=standard_doc.get("title_derived", False),
                                statement=standard_doc["statement"])
            session.add(standard)
            session.flush()
            session.add_all(Substandard(framework_version_id=version.id, standard_id=standard.id, code=sub["code"],
                                        text=sub["text"], position=index)
                            for index, sub in enumerate(standard_doc["substandards"], start=1))
    session.flush()
    session.refresh(version)
    n_standards, n_substandards = _counts(version)
    audit.record(session, actor=actor, action="framework.imported", target_type="framework_version",
                 target_id=version.id, after={"name": version.name, "version": version.version,
                                              "standards": n_standards, "substandards": n_substandards}, now=now)
    return ImportOutcome(version, True, n_standards, n_substandards)


def _counts(version: FrameworkVersion) -> tuple[int, int]:
    standards = [s for t in version.themes for s in t.standards]
    return len(standards), sum(len(s.substandards) for s in standards)


def get_framework(session: Session, version: str | None = None) -> FrameworkVersion:
    """The named version, or the current one."""
    query = select(FrameworkVersion)
    query = query.where(FrameworkVersion.version == version) if version else query.where(FrameworkVersion.is_current)
    found = session.scalars(query.order_by(FrameworkVersion.imported_at.desc())).first()
    if found is None:
        raise NotFound("No Standards of Proficiency have been loaded yet." if not version
                       else f"There is no version {version} of the Standards.")
    return found


def list_versions(session: Session) -> list[FrameworkVersion]:
    return list(session.scalars(select(FrameworkVersion).order_by(FrameworkVersion.imported_at)))


def substandard_by_code(session: Session, framework_version_id: int, code: str) -> Substandard | None:
    return session.scalar(select(Substandard).where(Substandard.framework_version_id == framework_version_id,
                                                    Substandard.code == code))


@dataclass(frozen=True)
class SearchHit:
    theme_code: str
    standard_number: int
    code: str
    text: str


def search(version: FrameworkVersion, query: str) -> list[SearchHit]:
    """Sub-standards (and standards, by title or statement) containing every word of the query."""
    words = [w for w in query.lower().split() if w]
    if not words:
        return []
    hits = []
    for theme in version.themes:
        for standard in theme.standards:
            context = f"{standard.title} {standard.statement}".lower()
            for sub in standard.substandards:
                haystack = f"{context} {sub.code} {sub.text}".lower()
                if all(word in haystack for word in words):
                    hits.append(SearchHit(theme.code, standard.number, sub.code, sub.text))
    return hits
