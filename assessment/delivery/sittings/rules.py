"""When a sitting's papers are parallel. Pure: no Flask, no SQLAlchemy.

A candidate gets one of a sitting's papers at random, so the papers must be interchangeable: built
to the same exam specification, with the same total marks and the same time allowed. Otherwise two
candidates in one sitting would sit different exams, and one cut score could not serve both."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PaperFacts:
    title: str
    exam_spec_id: int
    spec_title: str
    duration_min: int
    total_marks: int


def _differences(papers: list[PaperFacts], key, verbs: tuple[str, str], words) -> str:
    """“A” and “B” have 3; “C” has 6 — the papers grouped by the value that differs, in order."""
    groups: dict = {}
    for paper in papers:
        groups.setdefault(key(paper), []).append(f"“{paper.title}”")
    parts = []
    for value, titles in groups.items():
        names = titles[0] if len(titles) == 1 else ", ".join(titles[:-1]) + " and " + titles[-1]
        parts.append(f"{names} {verbs[len(titles) > 1]} {words(value)}")
    return "; ".join(parts)


def parallel_problems(papers: list[PaperFacts]) -> list[str]:
    """Why these papers cannot share a sitting, one reason per difference; empty when they can."""
    problems = []
    spec_titles = {p.exam_spec_id: p.spec_title for p in papers}
    if len(spec_titles) > 1:
        problems.append("The papers must follow the same exam specification: " + _differences(
            papers, lambda p: p.exam_spec_id, ("follows", "follow"), lambda spec_id: f"“{spec_titles[spec_id]}”"))
    if len({p.total_marks for p in papers}) > 1:
        problems.append("The papers must have the same total marks: " + _differences(
            papers, lambda p: p.total_marks, ("has", "have"), str))
    if len({p.duration_min for p in papers}) > 1:
        problems.append("The papers must allow the same time: " + _differences(
            papers, lambda p: p.duration_min, ("allows", "allow"), lambda minutes: f"{minutes} minutes"))
    return problems
