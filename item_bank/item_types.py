"""The item-type registry: what each kind of item must contain, what it is worth, and what a
candidate may see of it.

An item version's ``content`` is a JSON-serialisable dict (see ``docs`` / the item-bank issue for the
shape). Every type is a small class registered by its ``name``; the module functions
(:func:`validate_content`, :func:`max_mark`, :func:`candidate_view`, :func:`shuffled_option_order`)
look the type up and do the common part once, so a new type is one class.

Field paths in :class:`FieldError` use dots and **0-based** list indexes (``options.2.text`` is the
third option), matching the order of the lists in ``content``; the messages count from 1 because
they are read by writers.

Pure: imports only the standard library.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from random import Random
from typing import Any, ClassVar

__all__ = [
    "FieldError", "ItemType", "ITEM_TYPES", "SCORING_RULES", "ID_PATTERN",
    "get_item_type", "validate_content", "validate_case_study", "max_mark",
    "candidate_view", "shuffled_option_order",
    "MAX_WRITTEN_CHARS", "validate_answer", "validate_struck", "answer_status", "unsafe_text",
]

# Option and stem ids are short tokens. Not starting with "_" keeps the QTI identifier encoding
# (item_bank.qti) reversible; the length keeps them readable in reports.
ID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,31}")
SUBSTANDARD_PATTERN = re.compile(r"([1-9][0-9]?)\.([1-9][0-9]?)")
STANDARD_RANGE = range(1, 23)  # standards 1–22 of the Standards of Proficiency
CASE_STUDY_ITEMS = range(3, 9)  # 3–8 items share a scenario

SCORING_RULES: dict[str, tuple[str, ...]] = {
    "multiple_response": ("all_or_nothing", "partial"),
    "ordering": ("all_or_nothing", "adjacent_pairs"),
}


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str


def _text(value: Any) -> str:
    """Visible text of a string that may hold sanitised HTML (for "is it empty?" checks)."""
    if not isinstance(value, str):
        return ""
    return " ".join(html.unescape(re.sub(r"<[^>]*>", " ", value)).split())


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _option_ids(content: Mapping[str, Any]) -> list[str]:
    options = content.get("options")
    if not isinstance(options, list):
        return []
    return [o["id"] for o in options if isinstance(o, Mapping) and isinstance(o.get("id"), str)]


class ItemType:
    """One kind of item. Subclasses set the class attributes and override the hooks."""

    name: ClassVar[str]
    label: ClassVar[str]
    option_range: ClassVar[range | None] = None  # how many options, None for no options
    shuffles_always: ClassVar[bool] = False

    def validate(self, content: Mapping[str, Any]) -> list[FieldError]:
        errors: list[FieldError] = []
        if self.option_range is not None:
            errors += self._validate_options(content)
        return errors

    def max_mark(self, content: Mapping[str, Any]) -> int:
        raise NotImplementedError

    def candidate_extra(self, content: Mapping[str, Any]) -> dict[str, Any]:
        return {}

    def shuffles(self, content: Mapping[str, Any]) -> bool:
        return self.option_range is not None and (
            self.shuffles_always or content.get("shuffle") is True
        )

    def _validate_options(self, content: Mapping[str, Any]) -> list[FieldError]:
        assert self.option_range is not None
        low, high = self.option_range.start, self.option_range.stop - 1
        options = content.get("options")
        if not isinstance(options, list) or not (low <= len(options) <= high):
            return [FieldError("options", f"{self.label} items need between {low} and {high} options")]
        errors, seen, texts = [], set(), {}
        for i, option in enumerate(options):
            if not isinstance(option, Mapping):
                errors.append(FieldError(f"options.{i}", f"Option {i + 1} is not an option"))
                continue
            oid = option.get("id")
            if not isinstance(oid, str) or not ID_PATTERN.fullmatch(oid):
                errors.append(FieldError(
                    f"options.{i}.id",
                    f"Option {i + 1} needs a short label of letters or digits, such as A",
                ))
            elif oid in seen:
                errors.append(FieldError(f"options.{i}.id", f"Option {i + 1} has the same label as another option"))
            seen.add(oid)
            text = _text(option.get("text"))
            if not text:
                errors.append(FieldError(f"options.{i}.text", f"Option {i + 1} needs some text"))
                continue
            # Two options a candidate cannot tell apart ("Call the GP" and "call the GP ") make the item
            # unanswerable as written, so they are refused, beside the later one.
            folded = text.casefold()
            if folded in texts:
                errors.append(FieldError(f"options.{i}.text",
                                         f"Option {i + 1} is the same as option {texts[folded] + 1}: each option must differ"))
            else:
                texts[folded] = i
        return errors


class SingleBestAnswer(ItemType):
    name, label = "sba", "Single best answer"
    option_range = range(3, 7)

    def validate(self, content):
        errors = super().validate(content)
        key = content.get("key")
        if not isinstance(key, str) or not key:
            errors.append(FieldError("key", "A single best answer item needs exactly one key"))
        elif key not in _option_ids(content):
            errors.append(FieldError("key", "The key must be one of the options"))
        if not isinstance(content.get("shuffle"), bool):
            errors.append(FieldError("shuffle", "Say whether the options are shuffled for each candidate"))
        return errors

    def max_mark(self, content):
        return 1


class MultipleResponse(ItemType):
    name, label = "multiple_response", "Multiple response"
    option_range = range(4, 11)

    def validate(self, content):
        errors = super().validate(content)
        ids = _option_ids(content)
        choose, key = content.get("choose"), content.get("key")
        if not _is_int(choose) or not (1 <= choose < max(len(ids), 2)):
            errors.append(FieldError("choose", "Say how many options candidates choose: at least 1 and fewer than the number of options"))
        if not isinstance(key, list) or not key or not all(isinstance(k, str) for k in key):
            errors.append(FieldError("key", "A multiple response item needs a key of one or more options"))
        else:
            if len(set(key)) != len(key):
                errors.append(FieldError("key", "The key lists the same option more than once"))
            if any(k not in ids for k in key):
                errors.append(FieldError("key", "Every key must be one of the options"))
            if _is_int(choose) and len(key) != choose:
                errors.append(FieldError("key", f"The number of keys ({len(key)}) must match the number of options candidates choose ({choose})"))
        if content.get("scoring") not in SCORING_RULES[self.name]:
            errors.append(FieldError("scoring", "Choose a scoring rule: all or nothing, or partial credit"))
        if not isinstance(content.get("shuffle"), bool):
            errors.append(FieldError("shuffle", "Say whether the options are shuffled for each candidate"))
        return errors

    def max_mark(self, content):
        return len(content["key"]) if content.get("scoring") == "partial" else 1

    def candidate_extra(self, content):
        return {"choose": content.get("choose")}


class ExtendedMatching(ItemType):
    name, label = "extended_matching", "Extended matching"
    option_range = range(5, 27)

    def validate(self, content):
        errors = super().validate(content)
        ids = _option_ids(content)
        stems = content.get("stems")
        if not isinstance(stems, list) or len(stems) < 2:
            return errors + [FieldError("stems", "An extended matching item needs at least 2 stems")]
        seen = set()
        for i, stem in enumerate(stems):
            if not isinstance(stem, Mapping):
                errors.append(FieldError(f"stems.{i}", f"Stem {i + 1} is not a stem"))
                continue
            sid = stem.get("id")
            if not isinstance(sid, str) or not ID_PATTERN.fullmatch(sid):
                errors.append(FieldError(f"stems.{i}.id", f"Stem {i + 1} needs a short label of letters or digits, such as 1"))
            elif sid in seen:
                errors.append(FieldError(f"stems.{i}.id", f"Stem {i + 1} has the same label as another stem"))
            seen.add(sid)
            if not _text(stem.get("text")):
                errors.append(FieldError(f"stems.{i}.text", f"Stem {i + 1} needs some text"))
            if stem.get("key") not in ids:
                errors.append(FieldError(f"stems.{i}.key", f"Stem {i + 1} needs a key that is one of the options"))
        if not isinstance(content.get("shuffle"), bool):
            errors.append(FieldError("shuffle", "Say whether the options are shuffled for each candidate"))
        return errors

    def max_mark(self, content):
        return len(content["stems"])

    def candidate_extra(self, content):
        return {"stems": [{"id": s["id"], "text": s["text"]} for s in content.get("stems", [])]}


class Ordering(ItemType):
    name, label = "ordering", "Ordering"
    option_range = range(3, 9)
    # Presenting the options in a fixed order would tell candidates nothing useful and, for
    # lists written in the correct order, give the answer away.
    shuffles_always = True

    def validate(self, content):
        errors = super().validate(content)
        key, ids = content.get("key"), _option_ids(content)
        if not isinstance(key, list) or sorted(map(str, key)) != sorted(ids) or len(set(ids)) != len(ids):
            errors.append(FieldError("key", "The correct order must list every option exactly once"))
        if content.get("scoring") not in SCORING_RULES[self.name]:
            errors.append(FieldError("scoring", "Choose a scoring rule: all or nothing, or a mark for each pair in the right order"))
        return errors

    def max_mark(self, content):
        if content.get("scoring") == "adjacent_pairs":
            return len(content["key"]) - 1
        return 1


class ConstructedResponse(ItemType):
    name, label = "constructed_response", "Constructed response"

    def validate(self, content):
        errors = []
        if not _text(content.get("model_answer")):
            errors.append(FieldError("model_answer", "Write a model answer for markers"))
        rubric = content.get("rubric")
        total = 0
        if not isinstance(rubric, list) or not rubric:
            errors.append(FieldError("rubric", "A constructed response item needs at least one marking criterion"))
            rubric = []
        for i, row in enumerate(rubric):
            if not isinstance(row, Mapping) or not _text(row.get("criterion")):
                errors.append(FieldError(f"rubric.{i}.criterion", f"Criterion {i + 1} needs a description"))
            marks = row.get("marks") if isinstance(row, Mapping) else None
            if not _is_int(marks) or marks < 1:
                errors.append(FieldError(f"rubric.{i}.marks", f"Criterion {i + 1} needs a whole number of marks, at least 1"))
            else:
                total += marks
        max_mark = content.get("max_mark")
        if not _is_int(max_mark) or max_mark < 1:
            errors.append(FieldError("max_mark", "Give the maximum mark as a whole number, at least 1"))
        elif rubric and max_mark != total:
            errors.append(FieldError("max_mark", f"The maximum mark ({max_mark}) must equal the total of the rubric marks ({total})"))
        word_limit = content.get("word_limit")
        if word_limit is not None and (not _is_int(word_limit) or word_limit < 1):
            errors.append(FieldError("word_limit", "The word limit must be a whole number, at least 1, or left empty"))
        return errors

    def max_mark(self, content):
        return int(content["max_mark"])

    def candidate_extra(self, content):
        return {"word_limit": content.get("word_limit")}


ITEM_TYPES: dict[str, ItemType] = {
    t.name: t()
    for t in (SingleBestAnswer, MultipleResponse, ExtendedMatching, Ordering, ConstructedResponse)
}


def get_item_type(name: Any) -> ItemType:
    """The registered type called ``name``; ``ValueError`` for anything else."""
    try:
        return ITEM_TYPES[name]
    except (KeyError, TypeError):
        raise ValueError(f"unknown item type: {name!r}") from None


def _validate_substandards(value: Any) -> list[FieldError]:
    def valid(code: Any) -> bool:
        match = SUBSTANDARD_PATTERN.fullmatch(code) if isinstance(code, str) else None
        return bool(match) and int(match.group(1)) in STANDARD_RANGE

    if not isinstance(value, Mapping) or value.get("primary") in (None, ""):
        return [FieldError("substandards.primary", "Map the item to a primary sub-standard")]
    errors = []
    primary, others = value.get("primary"), value.get("others", [])
    if not valid(primary):
        errors.append(FieldError("substandards.primary", "The primary sub-standard must be a code such as 6.3, from standards 1 to 22"))
    if not isinstance(others, list):
        return errors + [FieldError("substandards.others", "Other sub-standards must be a list of codes")]
    seen = {primary}
    for i, code in enumerate(others):
        if not valid(code):
            errors.append(FieldError(f"substandards.others.{i}", f"Sub-standard {code!r} is not a code such as 7.2, from standards 1 to 22"))
        elif code in seen:
            errors.append(FieldError(f"substandards.others.{i}", f"Sub-standard {code} is listed more than once"))
        seen.add(code)
    return errors


# Gaps a *draft* may carry until it is submitted for review (an imported item often lacks them):
# the item can already be shown and marked, but a reviewer needs these. Structural problems — a key
# that is not an option, an empty option, a missing stem — are never tolerated.
DRAFT_TOLERATED_FIELDS = frozenset({"rationale", "options", "rubric", "model_answer", "max_mark"})


def _tolerated_in_draft(error: FieldError, content: Mapping[str, Any]) -> bool:
    if error.field in DRAFT_TOLERATED_FIELDS:
        return True
    mapping = content.get("substandards")
    missing_primary = not isinstance(mapping, Mapping) or mapping.get("primary") in (None, "")
    return error.field == "substandards.primary" and missing_primary


def validate_content(content: Any, *, draft: bool = False) -> list[FieldError]:
    """Every problem with an item's content, in form order; an empty list means it is valid.

    With ``draft`` the review-completeness gaps listed in ``DRAFT_TOLERATED_FIELDS`` (and a missing
    primary sub-standard) are let through; submission for review checks everything.
    """
    if draft:
        return [e for e in validate_content(content) if not _tolerated_in_draft(e, content)]
    if not isinstance(content, Mapping):
        return [FieldError("type", "The item is empty")]
    try:
        item_type = get_item_type(content.get("type"))
    except ValueError:
        return [FieldError("type", "Choose an item type")]
    errors = []
    if not _text(content.get("stem")):
        errors.append(FieldError("stem", "Write the question stem"))
    errors += item_type.validate(content)
    if not _text(content.get("rationale")):
        errors.append(FieldError("rationale", "Explain the answer for examiners in the rationale"))
    reference = content.get("reference")
    if reference is not None and not isinstance(reference, str):
        errors.append(FieldError("reference", "The reference must be text"))
    facility = content.get("estimated_facility")
    if facility is not None and (
        isinstance(facility, bool) or not isinstance(facility, (int, float)) or not 0 <= facility <= 1
    ):
        errors.append(FieldError("estimated_facility", "The estimated facility must be a number from 0 to 1, or left empty"))
    errors += _validate_substandards(content.get("substandards"))
    return errors


def validate_case_study(case: Any, *, items: bool = True) -> list[FieldError]:
    """Problems with a case study; with ``items`` also each item's, prefixed ``items.<i>.``."""
    if not isinstance(case, Mapping):
        return [FieldError("title", "The case study is empty")]
    errors = []
    if not _text(case.get("title")):
        errors.append(FieldError("title", "Give the case study a title"))
    if not _text(case.get("scenario")):
        errors.append(FieldError("scenario", "Write the scenario"))
    listed = case.get("items")
    if not isinstance(listed, list) or len(listed) not in CASE_STUDY_ITEMS:
        errors.append(FieldError("items", "A case study needs between 3 and 8 items"))
    if items and isinstance(listed, list):
        for i, content in enumerate(listed):
            errors += [FieldError(f"items.{i}.{e.field}", e.message) for e in validate_content(content)]
    return errors


def max_mark(content: Mapping[str, Any]) -> int:
    """The most an item can score, in marks."""
    return get_item_type(content.get("type")).max_mark(content)


def candidate_view(content: Mapping[str, Any], option_order: Sequence[str] | None = None) -> dict[str, Any]:
    """What a candidate may see of an item — built from an allow-list, so a key, rubric, model
    answer, rationale, reference, facility or mapping can never leak, whatever ``content`` holds.

    ``option_order`` (the attempt's frozen shuffle) must list every option id exactly once.
    """
    item_type = get_item_type(content.get("type"))
    view: dict[str, Any] = {"type": item_type.name, "stem": content.get("stem", "")}
    if item_type.option_range is not None:
        options = [{"id": o["id"], "text": o["text"]} for o in content.get("options", [])]
        if option_order is not None:
            by_id = {o["id"]: o for o in options}
            if sorted(option_order) != sorted(by_id) or len(option_order) != len(options):
                raise ValueError("option_order must list every option id exactly once")
            options = [by_id[oid] for oid in option_order]
        view["options"] = options
    view.update(item_type.candidate_extra(content))
    return view


def shuffled_option_order(content: Mapping[str, Any], rng: Random) -> list[str] | None:
    """A random presentation order of the option ids, or ``None`` when the item keeps its order.

    An ordering item is never presented in its correct order (that would give the answer away).
    """
    item_type = get_item_type(content.get("type"))
    if not item_type.shuffles(content):
        return None
    ids = _option_ids(content)
    order = list(ids)
    rng.shuffle(order)
    if item_type.shuffles_always and len(set(ids)) > 1:
        key = list(content.get("key") or [])
        while order == key:
            rng.shuffle(order)
    return order


# --- candidates' answers (the exam's save path) ----------------------------------------------------
#
# One pure check per item type of what a candidate may save for an item: the shape and the values
# must fit the item, or the save is refused and nothing is written. An empty answer (None, "", [],
# {}) is always allowed: it means the question is not answered (omitted). Kept in their own block,
# apart from the authoring checks above.

# A written answer's hard cap, in characters. The authoring form allows word limits of up to 2,000
# words (about 12,000 characters); going over a word limit is allowed (the review page and the
# markers see it), but nothing may grow without bound.
MAX_WRITTEN_CHARS = 30_000


def _is_empty(answer: Any) -> bool:
    return answer is None or answer == "" or answer == [] or answer == {}


def unsafe_text(value: str) -> str:
    """Why ``value`` cannot be stored as text ("" when it can): NUL, or a lone surrogate, which is not
    a character and cannot be written as UTF-8."""
    if "\x00" in value:
        return "contains a NUL character"
    if any("\ud800" <= ch <= "\udfff" for ch in value):
        return "contains an invalid character (a lone surrogate)"
    return ""


def _sba_answer(content: Mapping[str, Any], answer: Any) -> list[FieldError]:
    if not isinstance(answer, str):
        return [FieldError("answer", "Give one option id for a single best answer question")]
    if answer not in _option_ids(content):
        return [FieldError("answer", f"{answer[:40]!r} is not one of this question's options")]
    return []


def _multiple_response_answer(content: Mapping[str, Any], answer: Any) -> list[FieldError]:
    choose = content.get("choose")
    if not isinstance(answer, list) or not all(isinstance(a, str) for a in answer):
        return [FieldError("answer", "Give a list of option ids for a multiple response question")]
    if len(set(answer)) != len(answer):
        return [FieldError("answer", "The same option is chosen more than once")]
    ids = _option_ids(content)
    unknown = [a for a in answer if a not in ids]
    if unknown:
        return [FieldError("answer", f"{unknown[0][:40]!r} is not one of this question's options")]
    if _is_int(choose) and len(answer) > choose:
        return [FieldError("answer", f"Choose at most {choose} options ({len(answer)} are chosen)")]
    return []


def _extended_matching_answer(content: Mapping[str, Any], answer: Any) -> list[FieldError]:
    if not isinstance(answer, Mapping) or not all(isinstance(k, str) and isinstance(v, str)
                                                  for k, v in answer.items()):
        return [FieldError("answer", "Give a mapping of stem ids to option ids for an extended matching question")]
    stems = {s.get("id") for s in content.get("stems") or [] if isinstance(s, Mapping)}
    ids = _option_ids(content)
    for stem_id, option_id in answer.items():
        if stem_id not in stems:
            return [FieldError("answer", f"{stem_id[:40]!r} is not one of this question's stems")]
        if option_id not in ids:
            return [FieldError("answer", f"{option_id[:40]!r} is not one of this question's options")]
    return []


def _ordering_answer(content: Mapping[str, Any], answer: Any) -> list[FieldError]:
    ids = _option_ids(content)
    if not isinstance(answer, list) or not all(isinstance(a, str) for a in answer) \
            or sorted(answer) != sorted(ids):
        return [FieldError("answer", "Give every option of an ordering question exactly once, in your order")]
    return []


def _constructed_response_answer(content: Mapping[str, Any], answer: Any) -> list[FieldError]:
    if not isinstance(answer, str):
        return [FieldError("answer", "Give a written answer as text")]
    if len(answer) > MAX_WRITTEN_CHARS:
        return [FieldError("answer", f"A written answer can be at most {MAX_WRITTEN_CHARS:,} characters long "
                                     f"(this one has {len(answer):,})")]
    return []


ANSWER_CHECKS = {
    "sba": _sba_answer,
    "multiple_response": _multiple_response_answer,
    "extended_matching": _extended_matching_answer,
    "ordering": _ordering_answer,
    "constructed_response": _constructed_response_answer,
}


def validate_answer(content: Mapping[str, Any], answer: Any) -> list[FieldError]:
    """Problems with ``answer`` as a candidate's answer to the item ``content`` ([] if it may be
    saved). Fields are ``answer``."""
    if _is_empty(answer):
        return []
    problems = ANSWER_CHECKS[get_item_type(content.get("type")).name](content, answer)
    if not problems and isinstance(answer, str) and unsafe_text(answer):
        problems = [FieldError("answer", f"The answer {unsafe_text(answer)}")]
    return problems


def validate_struck(content: Mapping[str, Any], struck: Any) -> list[FieldError]:
    """Problems with a list of struck-out (ruled-out) options: each must be an option of the item,
    once. Field ``struck``."""
    if struck is None or struck == []:
        return []
    if not isinstance(struck, list) or not all(isinstance(s, str) for s in struck):
        return [FieldError("struck", "Give the ruled-out options as a list of option ids")]
    ids = _option_ids(content)
    unknown = [s for s in struck if s not in ids]
    if unknown:
        return [FieldError("struck", f"{unknown[0][:40]!r} is not one of this question's options")]
    if len(set(struck)) != len(struck):
        return [FieldError("struck", "The same option is ruled out more than once")]
    return []


def answer_status(content: Mapping[str, Any], answer: Any) -> str:
    """How complete a (valid) answer is, for the candidate's review page: ``"unanswered"``,
    ``"incomplete"`` (fewer ticks than asked for, stems left without an option), ``"over_limit"``
    (a written answer over its word limit) or ``"answered"``."""
    if _is_empty(answer):
        return "unanswered"
    kind = content.get("type")
    if kind == "multiple_response" and _is_int(content.get("choose")) and isinstance(answer, list) \
            and len(answer) < content["choose"]:
        return "incomplete"
    if kind == "extended_matching" and isinstance(answer, Mapping) \
            and len(answer) < len(content.get("stems") or []):
        return "incomplete"
    limit = content.get("word_limit")
    if kind == "constructed_response" and _is_int(limit) and isinstance(answer, str) and len(answer.split()) > limit:
        return "over_limit"
    return "answered"
