"""Sanitising of the rich text writers enter for scenarios and stems.

Writers paste from word processors, so the HTML that reaches the server is never trusted: it goes
through ``nh3`` (a binding to the maintained ``ammonia`` sanitiser) with a short allow-list. The
allow-list is what an exam scenario needs — headings, paragraphs, lists, emphasis and data tables —
and nothing that could carry script, style, tracking or layout tricks: no attributes at all except
the few that make a table accessible (``th scope``, ``td colspan/rowspan``), and no links (a
candidate must not be able to leave the exam page).

Pure: imports nothing of ours, no Flask, no SQLAlchemy.
"""

from __future__ import annotations

import html
import re

import nh3

__all__ = ["ALLOWED_TAGS", "ALLOWED_ATTRIBUTES", "sanitise_html", "html_to_text"]

ALLOWED_TAGS: frozenset[str] = frozenset(
    {
        "h2", "h3", "h4",
        "p", "br",
        "ul", "ol", "li",
        "strong", "em",
        "table", "caption", "thead", "tbody", "tr", "th", "td",
    }
)

ALLOWED_ATTRIBUTES: dict[str, frozenset[str]] = {
    "th": frozenset({"scope"}),
    "td": frozenset({"colspan", "rowspan"}),
}

# Only the values HTML defines; anything else is noise at best and a rendering hazard at worst.
_SCOPE_VALUES = frozenset({"row", "col", "rowgroup", "colgroup"})
_SPAN = re.compile(r"[1-9][0-9]{0,2}")  # 1..999: a real table never needs more


def _attribute_filter(tag: str, attribute: str, value: str) -> str | None:
    value = value.strip().lower()
    if tag == "th" and attribute == "scope":
        return value if value in _SCOPE_VALUES else None
    if tag == "td" and attribute in {"colspan", "rowspan"}:
        return value if _SPAN.fullmatch(value) else None
    return None


def sanitise_html(raw: str | None) -> str:
    """Return ``raw`` reduced to the allowed tags and attributes.

    Disallowed tags are removed but their text is kept (a pasted ``<div>`` or ``<span>`` loses
    only its markup); ``script`` and ``style`` are removed with their content; comments go.
    The result is idempotent: sanitising it again returns it unchanged.
    """
    if not raw:
        return ""
    # Malformed input (a heading inside a heading) can give output that parses differently
    # again; cleaning to a fixed point makes what we store re-read as itself (QTI round trip).
    clean = _clean_once(raw)
    for _ in range(3):
        again = _clean_once(clean)
        if again == clean:
            break
        clean = again
    return clean


def _clean_once(raw: str) -> str:
    return nh3.clean(
        raw,
        tags=set(ALLOWED_TAGS),
        attributes={tag: set(attrs) for tag, attrs in ALLOWED_ATTRIBUTES.items()},
        attribute_filter=_attribute_filter,
        strip_comments=True,
        link_rel=None,
        url_schemes=set(),
    ).strip()


_TAG = re.compile(r"<[^>]*>")
_SPACE = re.compile(r"\s+")


def html_to_text(fragment: str | None) -> str:
    """The visible text of a sanitised fragment, whitespace collapsed (for emptiness checks and
    search snippets, not for display)."""
    if not fragment:
        return ""
    # Block boundaries become spaces so "<p>a</p><p>b</p>" reads "a b", not "ab".
    text = _TAG.sub(" ", fragment)
    return _SPACE.sub(" ", html.unescape(text)).strip()
