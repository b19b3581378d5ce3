"""The rules of a review (pure): what a note on a flag and the reasons for an outcome must be, and
whether an outcome may be recorded."""
from __future__ import annotations

from collections.abc import Sequence

NOTE_MIN, REASONS_MIN, TEXT_MAX = 10, 10, 4000


def text_problem(text: str | None, *, what: str, minimum: int, maximum: int = TEXT_MAX) -> str | None:
    """A sentence for the field when the text will not do, else None. ``what``: "a note", "the reasons"."""
    value = (text or "").strip()
    if not value:
        return f"Enter {what}"
    if len(value) < minimum:
        return f"Write {what} in at least {minimum} characters"
    if len(value) > maximum:
        return f"{what[0].upper()}{what[1:]} must be {maximum} characters or fewer"
    return None


def undecided_problem(decisions: Sequence[str | None]) -> str | None:
    """Why an outcome cannot be recorded yet: some flag has no decision (``None``)."""
    open_ = sum(1 for d in decisions if d is None)
    if not open_:
        return None
    return (f"{open_} flag{' has' if open_ == 1 else 's have'} no decision yet: confirm or dismiss "
            f"{'it' if open_ == 1 else 'each'}, with a note, before recording an outcome")
