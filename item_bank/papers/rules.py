"""Exam specs and papers, pure: checking what an examiner typed into a spec, turning a stored spec
into the assembly engine's ``SpecConstraints``, and reducing a case-study version's items to the
``CaseStudySummary`` that conformance and assembly read.

No Flask, no SQLAlchemy: the services hand plain values in and get plain values (or field
problems) back.
"""
from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from item_bank.assembly import ITEM_TYPES, THEMES, CaseStudySummary, SpecConstraints
from item_bank.assembly.inputs import ITEM_TYPE_LABELS

# A missing estimated facility counts as 0.5 (neither easy nor hard), and the page says so.
DEFAULT_FACILITY = 0.5
THEME_FIELDS = {theme: (f"theme_{theme}_target", f"theme_{theme}_tolerance") for theme in THEMES}
TYPE_FIELDS = {item_type: (f"type_{item_type}_min", f"type_{item_type}_max") for item_type in ITEM_TYPES}
_PREFIX = "The exam spec is not valid: "


def type_label(item_type: str) -> str:
    """'single best answer items' → 'Single best answer items'."""
    label = ITEM_TYPE_LABELS.get(item_type, item_type)
    return label[:1].upper() + label[1:]


# --- checking a spec as typed -------------------------------------------------------------------

@dataclass(frozen=True)
class SpecFields:
    """A spec as the examiner entered it: numbers already parsed (``None`` when left blank)."""

    title: str
    total_marks: int | None
    total_marks_tolerance: int | None
    duration_min: int | None
    min_case_studies: int | None
    max_case_studies: int | None
    theme_marks: Mapping[str, tuple[int | None, int | None]]  # theme → (target, tolerance)
    standard_rows: Sequence[tuple[int | None, int | None, int | None]] = ()  # (standard, min, max)
    item_type_mix: Mapping[str, tuple[int | None, int | None]] = field(default_factory=dict)  # type → (min, max)
    enemy_text: str = ""
    max_exposure: int | None = None


@dataclass(frozen=True)
class CheckedSpec:
    """The outcome of ``check_spec``: the values to store, or the problems by field name.

    Field names are the form's field ids ("total_marks", "theme_B_tolerance",
    "standards-2-max_marks", "type_sba_min", "enemy_sets"), or a group's name ("themes") for a
    problem that belongs to several fields at once.
    """

    problems: list[tuple[str, str]]
    values: dict[str, Any]
    constraints: SpecConstraints | None
    enemy_ids: frozenset[int]

    @property
    def ok(self) -> bool:
        return not self.problems


def _engine_message(error: ValueError) -> str:
    message = str(error)
    return message[len(_PREFIX):] if message.startswith(_PREFIX) else message


def parse_enemy_sets(text: str) -> tuple[list[list[int]], list[str]]:
    """'3, 7\\n9 12 15' → [[3, 7], [9, 12, 15]]: one set per line, ids separated by commas or spaces."""
    sets: list[list[int]] = []
    problems: list[str] = []
    for number, line in enumerate((text or "").splitlines(), start=1):
        tokens = [token for token in re.split(r"[,\s]+", line.strip()) if token]
        if not tokens:
            continue
        bad = [token for token in tokens if not token.isdigit() or int(token) == 0]
        if bad:
            problems.append(f"Line {number}: “{bad[0]}” is not a case study number; use numbers such as 3, 7")
            continue
        ids = list(dict.fromkeys(int(token) for token in tokens))
        if len(ids) < 2:
            problems.append(f"Line {number}: an enemy set needs at least two different case studies")
            continue
        sets.append(ids)
    return sets, problems


def check_spec(fields: SpecFields, *, known_standards: frozenset[int] | None = None) -> CheckedSpec:
    """Check a spec field by field, then as a whole through ``SpecConstraints``.

    Each rule is checked here with a message beside the field it concerns; the engine's own
    validation then runs on each group and on the whole spec, so anything it refuses is
    reported too (beside the group, or above the form) rather than reaching the solver.
    """
    problems: list[tuple[str, str]] = []
    add = lambda name, message: problems.append((name, message))  # noqa: E731

    title = (fields.title or "").strip()
    if not title:
        add("title", "Enter a title for the exam spec")
    elif len(title) > 200:
        add("title", "The title must be 200 characters or fewer")

    total, tolerance = fields.total_marks, fields.total_marks_tolerance or 0
    if total is None:
        add("total_marks", "Enter the total marks")
    elif total < 1:
        add("total_marks", "Total marks must be 1 or more")
    if tolerance < 0:
        add("total_marks_tolerance", "The tolerance must be 0 or more")
    elif total is not None and total >= 1:
        try:
            SpecConstraints(total_marks=total, total_marks_tolerance=tolerance)
        except ValueError as error:
            add("total_marks_tolerance", _engine_message(error))
    total_ok = not any(name in ("total_marks", "total_marks_tolerance") for name, _ in problems)

    if fields.duration_min is None:
        add("duration_min", "Enter the time allowed in minutes")
    elif not 1 <= fields.duration_min <= 600:
        add("duration_min", "The time allowed must be between 1 and 600 minutes")

    lo, hi = fields.min_case_studies, fields.max_case_studies
    if lo is None:
        add("min_case_studies", "Enter the least number of case studies")
    elif lo < 1:
        add("min_case_studies", "A paper needs at least 1 case study")
    if hi is None:
        add("max_case_studies", "Enter the greatest number of case studies")
    elif lo is not None and lo >= 1 and hi < lo:
        add("max_case_studies", f"The greatest number of case studies must be at least the least number ({lo})")

    themes: dict[str, tuple[int, int]] = {}
    for theme, (target_field, tolerance_field) in THEME_FIELDS.items():
        target, theme_tolerance = fields.theme_marks.get(theme, (None, None))
        before = len(problems)
        if target is None:
            add(target_field, f"Enter the target marks for theme {theme}")
        elif target < 0:
            add(target_field, f"Theme {theme} target marks must be 0 or more")
        if theme_tolerance is None:
            add(tolerance_field, f"Enter the tolerance for theme {theme} (0 for none)")
        elif theme_tolerance < 0:
            add(tolerance_field, f"Theme {theme} tolerance must be 0 or more")
        elif target is not None and theme_tolerance > target:
            add(tolerance_field,
                f"Theme {theme} tolerance ({theme_tolerance}) cannot be more than its target ({target})")
        if len(problems) > before:
            continue
        if total_ok and total is not None:
            try:
                SpecConstraints(total_marks=total, total_marks_tolerance=tolerance,
                                theme_marks={theme: (target, theme_tolerance)})
            except ValueError as error:
                add(target_field, _engine_message(error))
                continue
        themes[theme] = (target, theme_tolerance)
    if total_ok and total is not None and len(themes) == len(THEMES):
        try:
            SpecConstraints(total_marks=total, total_marks_tolerance=tolerance, theme_marks=themes)
        except ValueError as error:
            add("themes", _engine_message(error))

    standards: dict[int, tuple[int, int]] = {}
    for row, (standard, least, most) in enumerate(fields.standard_rows):
        if standard is None and least is None and most is None:
            continue
        names = {part: f"standards-{row}-{part}" for part in ("standard", "min_marks", "max_marks")}
        before = len(problems)
        if standard is None:
            add(names["standard"], f"Row {row + 1}: enter the standard number, or clear the row")
        elif standard < 1 or (known_standards is not None and standard not in known_standards):
            highest = max(known_standards) if known_standards else 22
            add(names["standard"], f"Row {row + 1}: there is no standard {standard}; use a number from 1 to {highest}")
        elif standard in standards:
            add(names["standard"], f"Row {row + 1}: standard {standard} is already in an earlier row")
        if least is None and most is None:
            add(names["min_marks"], f"Row {row + 1}: enter a minimum or a maximum number of marks")
        elif least is not None and least < 0:
            add(names["min_marks"], f"Row {row + 1}: the minimum must be 0 or more")
        elif most is not None and most < (least or 0):
            add(names["max_marks"], f"Row {row + 1}: the maximum must be at least the minimum ({least or 0})")
        if len(problems) == before:
            standards[standard] = (least or 0, most if most is not None else (total or 0) + tolerance)

    mix: dict[str, tuple[int, int | None]] = {}
    for item_type, (min_field, max_field) in TYPE_FIELDS.items():
        least, most = fields.item_type_mix.get(item_type, (None, None))
        if least is None and most is None:
            continue
        label = ITEM_TYPE_LABELS[item_type]
        if least is not None and least < 0:
            add(min_field, f"The minimum number of {label} must be 0 or more")
        elif most is not None and most < (least or 0):
            add(max_field, f"The maximum number of {label} must be at least the minimum ({least or 0})")
        else:
            mix[item_type] = (least or 0, most)

    enemy_sets, enemy_problems = parse_enemy_sets(fields.enemy_text)
    for message in enemy_problems:
        add("enemy_sets", message)

    if fields.max_exposure is not None and fields.max_exposure < 0:
        add("max_exposure", "The maximum exposure must be 0 or more")

    constraints = None
    if not problems:
        try:
            constraints = SpecConstraints(
                total_marks=total, total_marks_tolerance=tolerance, theme_marks=themes,
                standard_marks=standards, item_type_mix=mix, n_case_studies=(lo, hi),
                enemy_sets=tuple(frozenset(s) for s in enemy_sets), max_exposure=fields.max_exposure,
                duration_min=fields.duration_min)
        except ValueError as error:
            add("spec", _engine_message(error))

    values = {
        "title": title, "total_marks": total, "total_marks_tolerance": tolerance,
        "duration_min": fields.duration_min, "min_case_studies": lo, "max_case_studies": hi,
        "theme_marks": {theme: list(pair) for theme, pair in themes.items()},
        "standard_marks": {str(standard): list(pair) for standard, pair in sorted(standards.items())},
        "item_type_mix": {item_type: list(pair) for item_type, pair in mix.items()},
        "enemy_sets": enemy_sets, "max_exposure": fields.max_exposure,
    }
    return CheckedSpec(problems, values, constraints,
                       frozenset(cs_id for enemies in enemy_sets for cs_id in enemies))


def enemy_text(enemy_sets: Sequence[Sequence[int]]) -> str:
    """The stored sets as the textarea shows them."""
    return "\n".join(", ".join(str(cs_id) for cs_id in enemies) for enemies in enemy_sets or [])


def constraints_of(spec: Any) -> SpecConstraints:
    """A stored ExamSpec (anything with its attributes) as the engine's ``SpecConstraints``."""
    return SpecConstraints(
        total_marks=spec.total_marks,
        total_marks_tolerance=spec.total_marks_tolerance or 0,
        theme_marks={theme: tuple(pair) for theme, pair in (spec.theme_marks or {}).items()},
        standard_marks={int(standard): tuple(pair) for standard, pair in (spec.standard_marks or {}).items()},
        item_type_mix={item_type: tuple(pair) for item_type, pair in (spec.item_type_mix or {}).items()},
        n_case_studies=(spec.min_case_studies, spec.max_case_studies),
        enemy_sets=tuple(frozenset(enemies) for enemies in spec.enemy_sets or []),
        max_exposure=spec.max_exposure,
        duration_min=spec.duration_min,
    )


# --- summarising a case-study version ----------------------------------------------------------

@dataclass(frozen=True)
class ItemFacts:
    """One item version, as far as assembly cares."""

    max_mark: int
    item_type: str
    estimated_facility: float | None
    primary_theme: str | None  # from the item's primary sub-standard
    primary_standard: int | None
    substandards: frozenset[str]  # every mapped code, primary and others


@dataclass(frozen=True)
class Summary:
    summary: CaseStudySummary | None  # None when the version cannot be summarised (see ``problem``)
    notes: tuple[str, ...] = ()
    problem: str = ""


def summarise(case_study_id: int, title: str, items: Sequence[ItemFacts], *, exposure: int = 0,
              expected_cut_marks: float | None = None) -> Summary:
    """Marks per theme and standard from each item's primary sub-standard, item-type counts, all
    mapped sub-standards, and the expected facility (mark-weighted; a missing estimate counts as
    ``DEFAULT_FACILITY``, with a note)."""
    if not items:
        return Summary(None, problem=f"Case study {case_study_id} has no items.")
    unmapped = [index for index, item in enumerate(items, start=1)
                if item.primary_theme is None or item.primary_standard is None]
    if unmapped:
        return Summary(None, problem=f"Case study {case_study_id} has items with no primary sub-standard "
                                     f"(item {unmapped[0]}), so its marks cannot be counted by theme.")
    by_theme: dict[str, int] = {}
    by_standard: dict[int, int] = {}
    by_type: dict[str, int] = {}
    codes: set[str] = set()
    weighted = 0.0
    missing = 0
    for item in items:
        by_theme[item.primary_theme] = by_theme.get(item.primary_theme, 0) + item.max_mark
        by_standard[item.primary_standard] = by_standard.get(item.primary_standard, 0) + item.max_mark
        by_type[item.item_type] = by_type.get(item.item_type, 0) + 1
        codes |= item.substandards
        facility = item.estimated_facility
        if facility is None:
            missing += 1
            facility = DEFAULT_FACILITY
        weighted += facility * item.max_mark
    total = sum(item.max_mark for item in items)
    if total <= 0:
        return Summary(None, problem=f"Case study {case_study_id} carries no marks.")
    notes = ()
    if missing:
        noun = "item has" if missing == 1 else "items have"
        notes = (f"Case study {case_study_id}: {missing} {noun} no estimated facility; "
                 f"{DEFAULT_FACILITY} was assumed.",)
    try:
        summary = CaseStudySummary(
            id=case_study_id, title=title, marks_by_theme=by_theme, marks_by_standard=by_standard,
            item_type_counts=by_type, substandards=frozenset(codes),
            expected_facility=round(weighted / total, 4), total_marks=total,
            expected_cut_marks=expected_cut_marks, exposure=exposure)
    except ValueError as error:
        return Summary(None, problem=str(error))
    return Summary(summary, notes)


def type_counts_text(counts: Mapping[str, int]) -> str:
    """{'sba': 3, 'ordering': 1} → '3 single best answer, 1 ordering' (canonical order)."""
    parts = []
    for item_type in ITEM_TYPES:
        if counts.get(item_type):
            parts.append(f"{counts[item_type]} {ITEM_TYPE_LABELS[item_type].removesuffix(' items')}")
    return ", ".join(parts)


def theme_marks_text(marks: Mapping[str, int]) -> str:
    """{'A': 2, 'C': 4} → 'A 2, C 4'."""
    return ", ".join(f"{theme} {marks[theme]}" for theme in THEMES if marks.get(theme))
