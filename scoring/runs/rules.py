"""Pure rules of scoring runs: item labels, reading a corrected key, applying a run's decisions to an
item's content, comparing two runs, and neutralising spreadsheet formulas. No Flask, no SQLAlchemy.

Item labels: ``I<item id>`` (the item's identity in the bank, which its versions share), so a
label means the same item in every run, export and command (``--exclude I12``, ``--rekey I12=C``).
"""
from __future__ import annotations

import copy
import math
from dataclasses import dataclass

LABEL_PREFIX = "I"

# Item types whose key a run may correct, and how a corrected key is written on the command line
# and in the form: sba "C"; multiple response and ordering "A,C" (in order for ordering);
# extended matching "1:C,2:A" (stem:option).
REKEYABLE = ("sba", "multiple_response", "ordering", "extended_matching")


def item_label(item_id: int) -> str:
    return f"{LABEL_PREFIX}{item_id}"


def parse_rekey(text: str) -> tuple[str, str]:
    """``"I12=C"`` → ("I12", "C"); ValueError with a message a person can act on."""
    label, sep, key = (text or "").partition("=")
    if not sep or not label.strip() or not key.strip():
        raise ValueError(f"write a corrected key as ITEM=KEY (for example I12=C), not {text!r}")
    return label.strip(), key.strip()


def parse_key(content: dict, key_text: str):
    """The key written as text for this item's type, checked against the item's options."""
    kind = content.get("type")
    if kind not in REKEYABLE:
        raise ValueError(f"the key of a {kind or 'unknown'} item cannot be corrected by a run")
    options = [str(o.get("id")) for o in content.get("options") or [] if isinstance(o, dict)]
    text = key_text.strip()

    def option(value: str) -> str:
        value = value.strip()
        match = [o for o in options if o.upper() == value.upper()]
        if not match:
            raise ValueError(f"{value!r} is not one of the item's options ({', '.join(options)})")
        return match[0]

    if kind == "sba":
        return option(text)
    if kind in ("multiple_response", "ordering"):
        parts = [option(p) for p in text.split(",") if p.strip()]
        if len(set(parts)) != len(parts) or not parts:
            raise ValueError("list each option of the key once, separated by commas")
        if kind == "ordering" and len(parts) < 2:
            raise ValueError("an ordering key lists at least two options")
        return parts
    stems = {str(s.get("id")) for s in content.get("stems") or [] if isinstance(s, dict)}
    key = {}
    for pair in (p for p in text.split(",") if p.strip()):
        stem, sep, value = pair.partition(":")
        if not sep or stem.strip() not in stems:
            raise ValueError(f"write each stem's key as STEM:OPTION with a stem of the item ({', '.join(sorted(stems))})")
        key[stem.strip()] = option(value)
    if set(key) != stems:
        raise ValueError("give a key for every stem of the item")
    return key


def current_key(content: dict):
    """The key as stored in the item's content (per stem for extended matching)."""
    if content.get("type") == "extended_matching":
        return {str(s.get("id")): s.get("key") for s in content.get("stems") or []}
    return content.get("key")


def with_key(content: dict, key) -> dict:
    """A copy of the item's content scored against ``key`` instead of its own."""
    out = copy.deepcopy(content)
    if content.get("type") == "extended_matching":
        for stem in out.get("stems") or []:
            stem["key"] = key[str(stem.get("id"))]
    else:
        out["key"] = key
    return out


def parse_second_keys(content: dict, text: str) -> list[str]:
    """Second keys a run accepts besides the key: single-best-answer items only, "B" or "B,D"."""
    if content.get("type") != "sba":
        raise ValueError("second keys can be accepted for single-best-answer items only")
    keys = parse_key(dict(content, type="multiple_response"), text)
    return keys


def rule_of(content: dict) -> str:
    """The scoring rule a run records for an item: its type and, where it has one, its rule."""
    kind = content.get("type", "")
    if kind in ("multiple_response", "ordering"):
        return f"{kind}:{content.get('scoring', 'all_or_nothing')}"
    if kind == "constructed_response":
        return f"{kind}:examiners' agreed mark"
    return kind


def outcome(total: float, cut: float | None) -> str:
    if cut is None:
        return ""
    return "pass" if total >= cut - 1e-9 else "fail"


def _same(a, b) -> bool:
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=0, abs_tol=1e-9)
    return a == b


@dataclass(frozen=True)
class CandidateChange:
    candidate: int
    total_a: float | None
    total_b: float | None
    outcome_a: str
    outcome_b: str

    @property
    def outcome_changed(self) -> bool:
        return self.outcome_a != self.outcome_b


@dataclass(frozen=True)
class ItemChange:
    label: str
    changes: tuple[tuple[str, object, object], ...]  # (what, in run A, in run B)


@dataclass(frozen=True)
class Comparison:
    candidates: tuple[CandidateChange, ...]
    items: tuple[ItemChange, ...]
    cut: float | None

    @property
    def outcome_changes(self) -> tuple[CandidateChange, ...]:
        return tuple(c for c in self.candidates if c.outcome_changed)


COMPARED_ITEM_FIELDS = ("is_excluded", "key", "accepted_keys", "facility", "pbis", "pbis_corrected",
                        "discrimination_ul27", "alpha_if_deleted", "flags")


def compare(totals_a: dict[int, float], totals_b: dict[int, float], items_a: dict[str, dict],
            items_b: dict[str, dict], cut: float | None = None) -> Comparison:
    """Every candidate whose total (or, given a cut, outcome) differs between two runs, and every
    item whose decision or statistics differ. Totals are {candidate: total}; items are
    {label: {field: value}} with the fields of ``COMPARED_ITEM_FIELDS``."""
    people = []
    for candidate in sorted(set(totals_a) | set(totals_b)):
        a, b = totals_a.get(candidate), totals_b.get(candidate)
        oa = outcome(a, cut) if a is not None else ""
        ob = outcome(b, cut) if b is not None else ""
        if not _same(a, b) or oa != ob:
            people.append(CandidateChange(candidate, a, b, oa, ob))
    changed = []
    for label in sorted(set(items_a) | set(items_b), key=_label_order):
        a, b = items_a.get(label, {}), items_b.get(label, {})
        diffs = tuple((f, a.get(f), b.get(f)) for f in COMPARED_ITEM_FIELDS if not _same(a.get(f), b.get(f)))
        if diffs:
            changed.append(ItemChange(label, diffs))
    return Comparison(tuple(people), tuple(changed), cut)


def _label_order(label: str):
    digits = label[len(LABEL_PREFIX):]
    return (0, int(digits), label) if digits.isdigit() else (1, 0, label)


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """A cell value a spreadsheet will not read as a formula: text starting with = + - @ tab or CR
    gets a leading apostrophe (OWASP's advice on CSV injection). Numbers pass unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value
