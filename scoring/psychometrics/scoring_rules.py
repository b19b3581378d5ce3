"""Scoring rules: from an item's content (as the item bank stores it) and a raw response to a mark.

This works on one candidate's response to one item; the candidates × items score matrix that the
rest of the package analyses is built by applying `mark_response` cell by cell.

Item content shapes (the `content` dict of an item version):

- ``"sba"`` — single best answer: ``options`` [{"id": "A", "text": ...}], ``key`` "B".
  Response: an option id or None. Max mark 1.
- ``"multiple_response"`` — ``key`` ["A", "C"], ``choose`` N, ``scoring`` "all_or_nothing"
  (max 1) or "partial" (+1 per correct choice, −1 per wrong choice, floored at 0; max len(key)).
  Response: a list of option ids (or None).
- ``"extended_matching"`` — a shared option list; ``stems`` [{"id": "1", "text": ..., "key": "C"}].
  Response: {"1": "C", ...}; 1 mark per stem.
- ``"ordering"`` — ``key`` the correct order of option ids; ``scoring`` "all_or_nothing" (max 1) or
  "adjacent_pairs" (1 mark per adjacent pair of the key that appears adjacent and in that order in
  the response; max len(key) − 1). Response: a list of option ids.
- ``"constructed_response"`` — ``max_mark`` int; marked by examiners, so the code never scores the
  text: use `agreed_mark` to combine the markers' marks.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

__all__ = ["MarkResult", "AgreedMark", "AgreementRule", "mark_response", "max_mark", "agreed_mark"]


@dataclass(frozen=True)
class MarkResult:
    """A response's mark and the item's maximum mark."""

    mark: float
    max_mark: float


def _option_ids(content: dict) -> list[str]:
    options = content.get("options")
    if not isinstance(options, list) or not options:
        raise ValueError(f"{content.get('type')} item has no options list")
    ids = []
    for opt in options:
        if not isinstance(opt, dict) or "id" not in opt:
            raise ValueError("each option must be a dict with an 'id'")
        ids.append(str(opt["id"]))
    if len(set(ids)) != len(ids):
        raise ValueError("option ids must be unique")
    return ids


def _check_choice(choice, ids: list[str], what: str) -> str:
    if not isinstance(choice, str):
        raise ValueError(f"{what} must be an option id string; got {choice!r}")
    if choice not in ids:
        raise ValueError(f"{what} {choice!r} is not one of the options {ids}")
    return choice


def _choice_list(response, ids: list[str]) -> list[str]:
    if response is None:
        return []
    if isinstance(response, str) or not isinstance(response, (list, tuple)):
        raise ValueError(f"response must be a list of option ids; got {response!r}")
    return [_check_choice(c, ids, "response option") for c in response]


def _sba(content: dict, response) -> MarkResult:
    ids = _option_ids(content)
    key = _check_choice(content.get("key"), ids, "key")
    if response is None:
        return MarkResult(0.0, 1.0)
    return MarkResult(1.0 if _check_choice(response, ids, "response") == key else 0.0, 1.0)


def _multiple_response(content: dict, response) -> MarkResult:
    ids = _option_ids(content)
    raw_key = content.get("key")
    if not isinstance(raw_key, list) or not raw_key:
        raise ValueError("multiple_response key must be a non-empty list of option ids")
    key = {_check_choice(k, ids, "key") for k in raw_key}
    choose = content.get("choose", len(key))
    if not isinstance(choose, int) or choose < 1:
        raise ValueError(f"multiple_response 'choose' must be a positive integer; got {choose!r}")
    # A repeated id is one choice: the delivery page cannot tick a box twice.
    chosen = set(_choice_list(response, ids))
    rule = content.get("scoring", "all_or_nothing")
    if rule == "all_or_nothing":
        return MarkResult(1.0 if chosen == key else 0.0, 1.0)
    if rule == "partial":
        right = len(chosen & key)
        wrong = len(chosen - key)
        return MarkResult(float(max(0, right - wrong)), float(len(key)))
    raise ValueError(f"unknown multiple_response scoring {rule!r}; use 'all_or_nothing' or 'partial'")


def _extended_matching(content: dict, response) -> MarkResult:
    ids = _option_ids(content)
    stems = content.get("stems")
    if not isinstance(stems, list) or not stems:
        raise ValueError("extended_matching item has no stems")
    keys: dict[str, str] = {}
    for stem in stems:
        if not isinstance(stem, dict) or "id" not in stem:
            raise ValueError("each stem must be a dict with an 'id' and a 'key'")
        keys[str(stem["id"])] = _check_choice(stem.get("key"), ids, f"key of stem {stem['id']!r}")
    if response is None:
        response = {}
    if not isinstance(response, dict):
        raise ValueError(f"extended_matching response must be a dict of stem id → option id; got {response!r}")
    mark = 0
    for stem_id, choice in response.items():
        if str(stem_id) not in keys:
            raise ValueError(f"response names stem {stem_id!r}, which the item does not have")
        if choice is None:
            continue  # stem left unanswered
        mark += _check_choice(choice, ids, f"response to stem {stem_id!r}") == keys[str(stem_id)]
    return MarkResult(float(mark), float(len(keys)))


def _ordering(content: dict, response) -> MarkResult:
    ids = _option_ids(content)
    key = content.get("key")
    if not isinstance(key, list) or len(key) < 2:
        raise ValueError("ordering key must list at least two option ids in the correct order")
    key = [_check_choice(k, ids, "key") for k in key]
    if len(set(key)) != len(key):
        raise ValueError("ordering key repeats an option id")
    order = _choice_list(response, ids)
    rule = content.get("scoring", "all_or_nothing")
    if rule == "all_or_nothing":
        return MarkResult(1.0 if order == key else 0.0, 1.0)
    if rule == "adjacent_pairs":
        wanted = set(zip(key, key[1:]))
        given = set(zip(order, order[1:]))
        return MarkResult(float(len(wanted & given)), float(len(key) - 1))
    raise ValueError(f"unknown ordering scoring {rule!r}; use 'all_or_nothing' or 'adjacent_pairs'")


def _constructed_max(content: dict) -> float:
    m = content.get("max_mark")
    if isinstance(m, bool) or not isinstance(m, int) or m < 1:
        raise ValueError(f"constructed_response 'max_mark' must be a positive integer; got {m!r}")
    return float(m)


_RULES = {
    "sba": _sba,
    "multiple_response": _multiple_response,
    "extended_matching": _extended_matching,
    "ordering": _ordering,
}


def mark_response(content: dict, response) -> MarkResult:
    """Mark one candidate's response to one item (one cell of the candidates × items matrix).

    Dispatches on ``content["type"]``. ``None`` (or an empty answer) is an omitted response and
    scores 0. Constructed responses are marked by examiners: use `agreed_mark` for those.
    Raises ValueError for malformed content or a response naming an option the item lacks.
    """
    if not isinstance(content, dict):
        raise ValueError("item content must be a dict")
    kind = content.get("type")
    if kind == "constructed_response":
        raise ValueError("constructed-response items are marked by examiners; combine their marks with agreed_mark()")
    rule = _RULES.get(kind)
    if rule is None:
        raise ValueError(f"unknown item type {kind!r}; expected one of {sorted([*_RULES, 'constructed_response'])}")
    return rule(content, response)


def max_mark(content: dict) -> float:
    """The maximum mark of an item, from its content alone (any item type)."""
    if not isinstance(content, dict):
        raise ValueError("item content must be a dict")
    if content.get("type") == "constructed_response":
        return _constructed_max(content)
    return mark_response(content, None).max_mark


class AgreementRule(StrEnum):
    """What happens when two markers differ by more than the tolerance."""

    THIRD_DECIDES = "third_decides"  # the third marker's mark is final
    THIRD_WITH_NEAREST = "third_with_nearest"  # mean of the third mark and the nearer of the first two


@dataclass(frozen=True)
class AgreedMark:
    """The outcome of double marking one constructed response.

    ``status`` is "agreed" (two marks within tolerance), "needs_third_marker" (they differ and no
    third mark yet; ``mark`` is None) or "resolved_by_third".
    """

    mark: float | None
    max_mark: float
    status: str
    first: float
    second: float
    third: float | None


def _check_mark(value, max_mark: float, who: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"{who}'s mark must be a number; got {value!r}")
    v = float(value)
    if not 0.0 <= v <= max_mark:
        raise ValueError(f"{who}'s mark {value!r} is outside 0–{max_mark:g}")
    return v


def agreed_mark(
    first,
    second,
    third=None,
    *,
    max_mark: int,
    tolerance: float = 1.0,
    rule: AgreementRule | str = AgreementRule.THIRD_DECIDES,
) -> AgreedMark:
    """Combine examiners' marks for one constructed response (one cell of candidates × items).

    Two marks within ``tolerance`` of each other agree, and the agreed mark is their mean.
    Otherwise a third marker is needed: under ``third_decides`` the third mark is final; under
    ``third_with_nearest`` the agreed mark is the mean of the third mark and whichever of the first
    two is nearer to it (the lower of them if both are equally near, to protect the public).
    """
    if isinstance(max_mark, bool) or not isinstance(max_mark, int) or max_mark < 1:
        raise ValueError(f"max_mark must be a positive integer; got {max_mark!r}")
    if not tolerance >= 0:
        raise ValueError(f"tolerance must be zero or more; got {tolerance!r}")
    rule = AgreementRule(rule)
    top = float(max_mark)
    a = _check_mark(first, top, "first marker")
    b = _check_mark(second, top, "second marker")
    c = None if third is None else _check_mark(third, top, "third marker")
    # Marks are usually whole or half marks; the small slack stops 0.1 + 0.2 style noise from
    # sending a script to a third marker.
    if abs(a - b) <= tolerance + 1e-9:
        return AgreedMark((a + b) / 2.0, top, "agreed", a, b, c)
    if c is None:
        return AgreedMark(None, top, "needs_third_marker", a, b, None)
    if rule is AgreementRule.THIRD_DECIDES:
        return AgreedMark(c, top, "resolved_by_third", a, b, c)
    da, db = abs(a - c), abs(b - c)
    nearer = min(a, b) if da == db else (a if da < db else b)
    return AgreedMark((nearer + c) / 2.0, top, "resolved_by_third", a, b, c)
