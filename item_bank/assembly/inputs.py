"""What assembly works from: case-study summaries and exam-spec constraints.

Both are frozen dataclasses checked on construction, so a malformed spec or summary can never
reach the solver: bad input raises ``ValueError`` with every problem named at once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal

THEMES: tuple[str, ...] = ("A", "B", "C", "D")

# Canonical order: the order rows appear in the conformance table.
ITEM_TYPES: tuple[str, ...] = (
    "sba",
    "multiple_response",
    "extended_matching",
    "ordering",
    "constructed_response",
)

ITEM_TYPE_LABELS: Mapping[str, str] = MappingProxyType(
    {
        "sba": "single best answer items",
        "multiple_response": "multiple response items",
        "extended_matching": "extended matching items",
        "ordering": "ordering items",
        "constructed_response": "short constructed response items",
    }
)


def _frozen(mapping: Mapping) -> Mapping:
    # A read-only view stops anyone mutating a "frozen" dataclass through its dict fields.
    return MappingProxyType(dict(mapping))


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


@dataclass(frozen=True)
class CaseStudySummary:
    """One approved case-study version, reduced to what assembly needs.

    ``expected_facility`` is the mark-weighted mean of its items' estimated facility;
    ``expected_cut_marks`` is its Angoff contribution (sum of mean judge ratings × marks) once
    ratings exist; ``exposure`` counts the earlier published papers it appeared in.
    """

    id: int
    title: str
    marks_by_theme: Mapping[str, int]
    marks_by_standard: Mapping[int, int]
    item_type_counts: Mapping[str, int]
    substandards: frozenset[str]
    expected_facility: float
    total_marks: int
    expected_cut_marks: float | None = None
    exposure: int = 0

    def __post_init__(self) -> None:
        object.__setattr__(self, "marks_by_theme", _frozen(self.marks_by_theme))
        object.__setattr__(self, "marks_by_standard", _frozen(self.marks_by_standard))
        object.__setattr__(self, "item_type_counts", _frozen(self.item_type_counts))
        object.__setattr__(self, "substandards", frozenset(self.substandards))
        problems = self._problems()
        if problems:
            raise ValueError(f"Case study {self.id!r}: " + " ".join(problems))

    def __hash__(self) -> int:
        # The dict fields are unhashable; identity plus the version-defining figures is enough
        # (equal summaries hash equally, which is all a hash must promise).
        return hash((self.id, self.title, self.total_marks, self.substandards))

    def _problems(self) -> list[str]:
        problems = []
        if not _is_int(self.id):
            problems.append("its id must be a whole number.")
        if not _is_int(self.total_marks) or self.total_marks <= 0:
            problems.append("total marks must be a positive whole number.")
        for theme, marks in self.marks_by_theme.items():
            if theme not in THEMES:
                problems.append(f"theme {theme!r} is not one of A, B, C or D.")
            if not _is_int(marks) or marks < 0:
                problems.append(f"theme {theme} marks must be a whole number of 0 or more.")
        for standard, marks in self.marks_by_standard.items():
            if not _is_int(standard) or standard <= 0:
                problems.append(f"standard {standard!r} must be a positive whole number.")
            if not _is_int(marks) or marks < 0:
                problems.append(f"standard {standard} marks must be a whole number of 0 or more.")
        for item_type, count in self.item_type_counts.items():
            if item_type not in ITEM_TYPES:
                problems.append(f"item type {item_type!r} is not known.")
            if not _is_int(count) or count < 0:
                problems.append(f"the {item_type} count must be a whole number of 0 or more.")
        if problems:
            return problems
        # Every item maps to one primary sub-standard, hence one standard and one theme, so the
        # breakdowns must add up to the total; a mismatch means the summary was built wrongly.
        if sum(self.marks_by_theme.values()) != self.total_marks:
            problems.append(
                f"its theme marks add up to {sum(self.marks_by_theme.values())}, "
                f"not its {self.total_marks} total marks."
            )
        if self.marks_by_standard and sum(self.marks_by_standard.values()) != self.total_marks:
            problems.append(
                f"its standard marks add up to {sum(self.marks_by_standard.values())}, "
                f"not its {self.total_marks} total marks."
            )
        if not 0.0 <= self.expected_facility <= 1.0:
            problems.append("expected facility must lie between 0 and 1.")
        if self.expected_cut_marks is not None and not (
            0.0 <= self.expected_cut_marks <= self.total_marks
        ):
            problems.append("expected cut marks must lie between 0 and its total marks.")
        if not _is_int(self.exposure) or self.exposure < 0:
            problems.append("exposure must be a whole number of 0 or more.")
        return problems


QuantityKind = Literal["total", "theme", "standard", "type", "count"]


@dataclass(frozen=True)
class Requirement:
    """One linear spec constraint: ``lo ≤ Σ amount(case study) ≤ hi`` over a paper.

    Conformance, the pre-checks and the integer programme all read the same list of these, so
    a constraint can never mean one thing in the table and another in the solver.
    """

    name: str
    kind: QuantityKind
    key: str | int | None
    lo: int
    hi: int | None  # None: no upper limit

    def amount(self, case_study: CaseStudySummary) -> int:
        """What one case study contributes to this constraint's sum."""
        if self.kind == "total":
            return case_study.total_marks
        if self.kind == "count":
            return 1
        breakdown = {
            "theme": case_study.marks_by_theme,
            "standard": case_study.marks_by_standard,
            "type": case_study.item_type_counts,
        }[self.kind]
        return breakdown.get(self.key, 0)

    @property
    def label(self) -> str:
        """What an examiner reads in the first column of the conformance table."""
        return {
            "total": "Total marks",
            "theme": f"Theme {self.key} marks",
            "standard": f"Standard {self.key} marks",
            "type": f"Number of {ITEM_TYPE_LABELS.get(str(self.key), str(self.key))}",
            "count": "Number of case studies",
        }[self.kind]

    @property
    def quantity(self) -> str:
        """The thing counted, as it reads after a number ("9 marks in theme C")."""
        return {
            "total": "marks",
            "theme": f"marks in theme {self.key}",
            "standard": f"marks in standard {self.key}",
            "type": ITEM_TYPE_LABELS.get(str(self.key), str(self.key)),
            "count": "case studies",
        }[self.kind]

    @property
    def required(self) -> str:
        return range_text(self.lo, self.hi)

    def is_met(self, value: int) -> bool:
        return value >= self.lo and (self.hi is None or value <= self.hi)


def range_text(lo: int, hi: int | None) -> str:
    if hi is None:
        return f"at least {lo}"
    if lo == hi:
        return str(lo)
    if lo == 0:
        return f"at most {hi}"
    return f"{lo}–{hi}"


def _pair(value: object) -> tuple[object, object] | None:
    if isinstance(value, (tuple, list)) and len(value) == 2:
        return value[0], value[1]
    return None


@dataclass(frozen=True)
class SpecConstraints:
    """An ExamSpec as assembly sees it.

    - ``theme_marks``: theme → (target, tolerance); the paper carries target ± tolerance marks.
    - ``standard_marks``: standard → (min, max) marks.
    - ``item_type_mix``: item type → (min, max) items; max may be ``None`` for "at least".
    - ``n_case_studies``: an exact number, a (min, max) pair, or ``None`` for any number.
    - ``enemy_sets``: at most one case study of each set may appear in one paper.
    - ``max_exposure``: a case study that appeared in more earlier papers than this is not used.
    - ``duration_min`` is carried for convenience and is not a constraint.

    Themes, standards and types not named are unconstrained.
    """

    total_marks: int
    theme_marks: Mapping[str, tuple[int, int]] = field(default_factory=dict)
    total_marks_tolerance: int = 0
    standard_marks: Mapping[int, tuple[int, int]] = field(default_factory=dict)
    item_type_mix: Mapping[str, tuple[int, int | None]] = field(default_factory=dict)
    n_case_studies: int | tuple[int, int] | None = None
    enemy_sets: tuple[frozenset[int], ...] = ()
    max_exposure: int | None = None
    duration_min: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "theme_marks", _frozen(self.theme_marks))
        object.__setattr__(self, "standard_marks", _frozen(self.standard_marks))
        object.__setattr__(self, "item_type_mix", _frozen(self.item_type_mix))
        object.__setattr__(self, "enemy_sets", tuple(frozenset(s) for s in self.enemy_sets))
        if isinstance(self.n_case_studies, list):
            object.__setattr__(self, "n_case_studies", tuple(self.n_case_studies))
        problems = self._problems()
        if problems:
            raise ValueError("The exam spec is not valid: " + " ".join(problems))

    @property
    def case_study_range(self) -> tuple[int, int | None]:
        """(min, max) number of case studies; max ``None`` means no limit."""
        if self.n_case_studies is None:
            return 1, None
        if _is_int(self.n_case_studies):
            return self.n_case_studies, self.n_case_studies
        lo, hi = self.n_case_studies
        return lo, hi

    @property
    def total_marks_range(self) -> tuple[int, int]:
        return (
            self.total_marks - self.total_marks_tolerance,
            self.total_marks + self.total_marks_tolerance,
        )

    def requirements(self) -> list[Requirement]:
        """The linear constraints in table order: total, case studies, themes, standards, types."""
        lo, hi = self.total_marks_range
        rows = [Requirement("total_marks", "total", None, lo, hi)]
        if self.n_case_studies is not None:
            count_lo, count_hi = self.case_study_range
            rows.append(Requirement("case_studies", "count", None, count_lo, count_hi))
        for theme in THEMES:
            if theme in self.theme_marks:
                target, tolerance = self.theme_marks[theme]
                rows.append(
                    Requirement(f"theme:{theme}", "theme", theme, target - tolerance,
                                target + tolerance)
                )
        for standard in sorted(self.standard_marks):
            std_lo, std_hi = self.standard_marks[standard]
            rows.append(Requirement(f"standard:{standard}", "standard", standard, std_lo, std_hi))
        for item_type in ITEM_TYPES:
            if item_type in self.item_type_mix:
                type_lo, type_hi = self.item_type_mix[item_type]
                rows.append(Requirement(f"type:{item_type}", "type", item_type, type_lo, type_hi))
        return rows

    def _problems(self) -> list[str]:
        problems: list[str] = []
        if not _is_int(self.total_marks) or self.total_marks <= 0:
            return ["Total marks must be a positive whole number."]
        tolerance = self.total_marks_tolerance
        if not _is_int(tolerance) or tolerance < 0:
            problems.append("The total marks tolerance must be a whole number of 0 or more.")
        elif tolerance >= self.total_marks:
            problems.append(
                f"The total marks tolerance ({tolerance}) must be smaller than the total "
                f"({self.total_marks})."
            )
        problems += self._theme_problems()
        problems += self._standard_problems()
        problems += self._type_problems()
        problems += self._count_problems()
        for enemies in self.enemy_sets:
            if len(enemies) < 2 or not all(_is_int(cs_id) for cs_id in enemies):
                problems.append(
                    "Each enemy set must name at least two case studies by their id."
                )
        if self.max_exposure is not None and (
            not _is_int(self.max_exposure) or self.max_exposure < 0
        ):
            problems.append("The maximum exposure must be a whole number of 0 or more.")
        return problems

    def _theme_problems(self) -> list[str]:
        problems = []
        for theme, value in self.theme_marks.items():
            pair = _pair(value)
            if theme not in THEMES:
                problems.append(f"Theme {theme!r} is not one of A, B, C or D.")
            elif pair is None or not all(_is_int(v) for v in pair):
                problems.append(f"Theme {theme} needs a whole-number target and tolerance.")
            elif pair[0] < 0 or pair[1] < 0:
                problems.append(f"Theme {theme} marks and tolerance cannot be negative.")
            elif pair[1] > pair[0]:
                problems.append(
                    f"Theme {theme} tolerance ({pair[1]}) is larger than its target ({pair[0]})."
                )
            elif pair[0] - pair[1] > self.total_marks + max(self.total_marks_tolerance, 0):
                problems.append(
                    f"Theme {theme} needs at least {pair[0] - pair[1]} marks, more than the "
                    f"paper's total."
                )
        if problems or not self.theme_marks or not _is_int(self.total_marks_tolerance):
            return problems
        # Themes partition a paper's marks, so the theme windows must admit the total.
        total_lo, total_hi = self.total_marks_range
        least = sum(target - tol for target, tol in self.theme_marks.values())
        most = sum(target + tol for target, tol in self.theme_marks.values())
        if least > total_hi:
            problems.append(
                f"The theme minimums add up to {least} marks, more than the total allows "
                f"({range_text(total_lo, total_hi)})."
            )
        if len(self.theme_marks) == len(THEMES) and most < total_lo:
            problems.append(
                f"The theme maximums add up to {most} marks, less than the total needs "
                f"({range_text(total_lo, total_hi)})."
            )
        return problems

    def _standard_problems(self) -> list[str]:
        problems = []
        for standard, value in self.standard_marks.items():
            pair = _pair(value)
            if not _is_int(standard) or standard <= 0:
                problems.append(f"Standard {standard!r} must be a positive whole number.")
            elif pair is None or not all(_is_int(v) for v in pair):
                problems.append(
                    f"Standard {standard} needs whole-number minimum and maximum marks."
                )
            elif pair[0] < 0 or pair[1] < pair[0]:
                problems.append(
                    f"Standard {standard} marks must run from a minimum of 0 or more up to a "
                    f"maximum no smaller than it (given {pair[0]} to {pair[1]})."
                )
        return problems

    def _type_problems(self) -> list[str]:
        problems = []
        for item_type, value in self.item_type_mix.items():
            pair = _pair(value)
            if item_type not in ITEM_TYPES:
                problems.append(f"Item type {item_type!r} is not known.")
            elif (
                pair is None
                or not _is_int(pair[0])
                or not (pair[1] is None or _is_int(pair[1]))
            ):
                problems.append(f"The {item_type} mix needs a whole-number minimum and maximum.")
            elif pair[0] < 0 or (pair[1] is not None and pair[1] < pair[0]):
                problems.append(
                    f"The {item_type} mix must run from a minimum of 0 or more up to a maximum "
                    f"no smaller than it (given {pair[0]} to {pair[1]})."
                )
        return problems

    def _count_problems(self) -> list[str]:
        count = self.n_case_studies
        if count is None:
            return []
        if _is_int(count):
            return [] if count >= 1 else ["The number of case studies must be at least 1."]
        pair = _pair(count)
        if pair is None or not all(_is_int(v) for v in pair):
            return ["The number of case studies must be a whole number or a (min, max) pair."]
        if pair[0] < 1 or pair[1] < pair[0]:
            return [
                f"The number of case studies must run from at least 1 up to a maximum no smaller "
                f"than the minimum (given {pair[0]} to {pair[1]})."
            ]
        return []


def enemy_name(enemies: frozenset[int]) -> str:
    return "enemy:{" + ",".join(str(cs_id) for cs_id in sorted(enemies)) + "}"


def and_list(words: list[str]) -> str:
    """'3', '3 and 7', '3, 7 and 9' — UK style, no serial comma."""
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]
