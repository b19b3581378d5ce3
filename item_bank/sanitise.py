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
from html.parser import HTMLParser

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
    cleaned = nh3.clean(
        raw,
        tags=set(ALLOWED_TAGS),
        attributes={tag: set(attrs) for tag, attrs in ALLOWED_ATTRIBUTES.items()},
        attribute_filter=_attribute_filter,
        strip_comments=True,
        link_rel=None,
        url_schemes=set(),
    ).strip()
    return _fit_content_model(cleaned)


# --- content model -------------------------------------------------------------------------------
# html5ever (inside nh3) keeps some nestings that other HTML parsers rebuild differently: libxml2,
# which reads QTI packages, closes ``<h2>`` at a ``<p>``, so ``<h2>a<p>b</p></h2>`` came back as
# ``<h2>a</h2><p>b</p>``. Every element may therefore hold only what all parsers agree on; anything
# else inside it is unwrapped (its tags dropped, its text kept), so the output re-parses as itself.

_INLINE = frozenset({"strong", "em", "br"})
_FLOW_IN_CELL = frozenset({"p", "ul", "ol"}) | _INLINE
_CONTENT: dict[str | None, frozenset[str]] = {
    None: frozenset({"h2", "h3", "h4", "p", "ul", "ol", "table"}) | _INLINE,  # the fragment itself
    "h2": _INLINE, "h3": _INLINE, "h4": _INLINE, "p": _INLINE, "strong": _INLINE, "em": _INLINE,
    "br": frozenset(),
    "ul": frozenset({"li"}), "ol": frozenset({"li"}), "li": _FLOW_IN_CELL,
    "table": frozenset({"caption", "thead", "tbody"}), "thead": frozenset({"tr"}), "tbody": frozenset({"tr"}),
    "tr": frozenset({"th", "td"}), "caption": _INLINE, "th": _FLOW_IN_CELL, "td": _FLOW_IN_CELL,
}
# Where text may stand; elsewhere (between list items or table rows) parsers move it, so it goes.
_HOLDS_TEXT = frozenset({None, "h2", "h3", "h4", "p", "strong", "em", "li", "caption", "th", "td"})


class _Element:
    def __init__(self, tag: str | None, attrs: list[tuple[str, str | None]]):
        self.tag = tag
        self.attrs = attrs
        self.children: list[_Element | str] = []


class _TreeBuilder(HTMLParser):
    """A tree of nh3's output, which is already balanced and escaped."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = _Element(None, [])
        self._open = [self.root]

    def handle_starttag(self, tag, attrs):
        element = _Element(tag, attrs)
        self._open[-1].children.append(element)
        if tag != "br":
            self._open.append(element)

    def handle_endtag(self, tag):
        for depth in range(len(self._open) - 1, 0, -1):
            if self._open[depth].tag == tag:
                del self._open[depth:]
                return

    def handle_data(self, data):
        self._open[-1].children.append(data)


def _fit(element: _Element, within: str | None) -> list[_Element | str]:
    fitted: list[_Element | str] = []
    for child in element.children:
        if isinstance(child, str):
            if within in _HOLDS_TEXT:
                fitted.append(child)
        elif child.tag in _CONTENT[within]:
            kept = _Element(child.tag, child.attrs)
            kept.children = _fit(child, child.tag)
            fitted.append(kept)
        else:
            fitted.extend(_fit(child, within))
    return fitted


def _serialise(nodes: list[_Element | str]) -> str:
    parts = []
    for node in nodes:
        if isinstance(node, str):
            parts.append(html.escape(node, quote=False))
            continue
        attrs = "".join(f' {name}="{html.escape(value or "")}"' for name, value in node.attrs)
        parts.append(f"<{node.tag}{attrs}>")
        if node.tag != "br":
            parts.append(f"{_serialise(node.children)}</{node.tag}>")
    return "".join(parts)


def _fit_content_model(fragment: str) -> str:
    builder = _TreeBuilder()
    builder.feed(fragment)
    builder.close()
    return _serialise(_fit(builder.root, None)).strip()


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
