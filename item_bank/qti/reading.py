"""Reading one QTI 2.x / 3.0 ``assessmentItem`` into our item content, or saying precisely why not.

The rule is *all or nothing*: an item is imported only if everything that decides what candidates
see and how they are marked can be represented here — one supported interaction, a key, a scoring
rule we use, and no media or MathML (stems are sanitised rich text; media belong to the case
study's attachments). Anything else is a :class:`Problem` and the item is left out.

What is adapted rather than lost is written down as a note: feedback meant for candidates is kept
in the examiners' rationale, a "select up to M" becomes "choose N", formatting outside the allowed
tags is dropped but its text kept.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from lxml import etree

from item_bank.qti import common as c

_QTI_NAMESPACES = {
    c.NS_2P2, c.NS_3P0,
    "http://www.imsglobal.org/xsd/imsqti_v2p1", "http://www.imsglobal.org/xsd/imsqti_v2p0",
}
_SUPPORTED = {
    "choiceinteraction": "choice",
    "orderinteraction": "ordering",
    "matchinteraction": "extended_matching",
    "extendedtextinteraction": "constructed_response",
}
_WHY_NOT = {
    "associateinteraction": "an associate interaction pairs choices from a single list; extended "
    "matching needs separate stems and options, and splitting the list would give half the answer away",
}
_MEDIA = {"img": "src", "object": "data", "audio": "src", "video": "src", "source": "src",
          "track": "src", "include": "href", "embed": "src", "iframe": "src"}


@dataclass(frozen=True)
class Problem:
    """Why an item (or a package) could not be imported. ``code`` is one of: ``invalid_xml``,
    ``not_an_item``, ``missing_file``, ``unsupported_interaction``, ``unsupported_content``,
    ``missing_media``, ``unsupported_media``, ``missing_key``, ``unknown_scoring``."""

    code: str
    message: str


@dataclass
class ReadItem:
    identifier: str | None = None
    title: str | None = None
    version: str | None = None
    content: dict[str, Any] | None = None
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    scenario: str | None = None  # our QTI 2.2 scenario block
    stimulus: tuple[str, str | None] | None = None  # (href, title) of a QTI 3.0 stimulus


def _canonical_copy(root: etree._Element) -> tuple[etree._Element, bool]:
    """A namespace-free copy with one spelling for 2.2 and 3.0; also whether it holds MathML."""
    tree = copy.deepcopy(root)
    has_math = False
    for element in tree.iter():
        if not isinstance(element.tag, str):
            continue
        qname = etree.QName(element)
        if qname.namespace == c.NS_MATHML:
            has_math = True
        element.tag = c.canonical(qname.localname) if qname.namespace in _QTI_NAMESPACES else qname.localname
        for name in list(element.attrib):
            if not name.startswith("{"):
                value = element.attrib.pop(name)
                element.set(c.canonical(name), value)
    etree.cleanup_namespaces(tree)
    return tree, has_math


def _text(element: etree._Element | None, skip: tuple[str, ...] = ("feedbackinline",)) -> str:
    if element is None:
        return ""
    parts = [element.text or ""]
    for child in element:
        if child.tag not in skip:
            parts.append(_text(child, skip))
        parts.append(child.tail or "")
    return " ".join("".join(parts).split())


def _inner_html(element: etree._Element) -> str:
    parts = [element.text or ""]
    parts += [etree.tostring(child, method="html", encoding="unicode") for child in element]
    return "".join(parts)


def _classes(element: etree._Element) -> set[str]:
    return set((element.get("class") or "").split())


def _find(root: etree._Element, tag: str) -> list[etree._Element]:
    return [e for e in root.iter() if e.tag == tag]


def _paragraph_text(block: etree._Element) -> str:
    paragraphs = [e for e in block.iter() if e.tag == "p"]
    if not paragraphs:
        return _text(block)
    return "\n\n".join("".join(p.itertext()).strip() for p in paragraphs)


def check_body(body: etree._Element, has_math: bool, base: str, exists: Callable[[str], bool] | None) -> list[Problem]:
    """Problems with content we cannot keep: MathML and media (for items and stimuli)."""
    problems = []
    if has_math:
        problems.append(Problem("unsupported_content", "it contains MathML, which stems here cannot hold"))
    for element in body.iter():
        attribute = _MEDIA.get(element.tag) if isinstance(element.tag, str) else None
        target = element.get(attribute) if attribute else None
        if not target:
            continue
        if "://" in target or target.startswith(("data:", "//")):
            problems.append(Problem("unsupported_media", f"it shows external media ({target}); stems here cannot hold media"))
            continue
        path = c.join_path(base, target)
        if exists is None or not exists(path):
            problems.append(Problem("missing_media", f"the media file {target} is not in the package"))
        else:
            problems.append(Problem("unsupported_media", f"it shows the media file {target}; stems here cannot hold media — attach it to the case study instead"))
    return problems


# --- scoring --------------------------------------------------------------------------------


def _clean_rules(rules: list[etree._Element]) -> list[Any]:
    """Response rules with everything that only sets feedback removed."""
    out: list[Any] = []
    for rule in rules:
        if rule.tag == "setoutcomevalue" and rule.get("identifier") != "SCORE":
            continue
        if rule.tag == "responsecondition":
            branches = []
            for branch in rule:
                if branch.tag in ("responseif", "responseelseif") and len(branch):
                    branches.append((branch.tag, branch[0], _clean_rules(list(branch)[1:])))
                elif branch.tag == "responseelse":
                    branches.append((branch.tag, None, _clean_rules(list(branch))))
            if any(body for _, _, body in branches):
                out.append(branches)
            continue
        out.append(rule)
    return out


def _set_score(rules: list[Any]) -> etree._Element | None:
    if len(rules) == 1 and isinstance(rules[0], etree._Element) and rules[0].tag == "setoutcomevalue" and len(rules[0]):
        return rules[0][0]
    return None


def _is_response(element: etree._Element | None, tag: str) -> bool:
    return element is not None and element.tag == tag and element.get("identifier") == "RESPONSE"


def _constant(expression: etree._Element | None) -> float | None:
    if expression is None or expression.tag != "basevalue":
        return None
    try:
        return float((expression.text or "").strip())
    except ValueError:
        return None


def _recognise(rules: list[Any]) -> tuple[str, float | None] | None:
    score = _set_score(rules)
    if _is_response(score, "mapresponse"):
        return ("map_response", None)
    if len(rules) != 1 or not isinstance(rules[0], list):
        return None
    branches = rules[0]
    first_tag, condition, body = branches[0]
    rest = branches[1:]
    # An "if the response is empty, score 0; otherwise …" guard changes nothing.
    if first_tag == "responseif" and condition.tag == "isnull" and len(condition) and _is_response(condition[0], "variable"):
        if _constant(_set_score(body)) == 0 and len(rest) == 1 and rest[0][0] == "responseelse":
            return _recognise(rest[0][2])
        return None
    if first_tag == "responseif" and condition.tag == "match" and len(condition) == 2:
        tags = sorted(e.tag for e in condition)
        if tags == ["correct", "variable"] and all(e.get("identifier") == "RESPONSE" for e in condition):
            value = _constant(_set_score(body))
            otherwise = 0.0 if not rest else (
                _constant(_set_score(rest[0][2])) if len(rest) == 1 and rest[0][0] == "responseelse" else None)
            if value is not None and otherwise == 0:
                return ("match_correct", value)
    return None


def scoring_rule(tree: etree._Element) -> tuple[str, float | None] | str:
    """``("match_correct", marks)``, ``("map_response", None)``, ``"none"`` or a description of
    response processing we do not recognise."""
    processing = [e for e in tree if e.tag == "responseprocessing"]
    if not processing:
        return "none"
    rp = processing[0]
    template = (rp.get("template") or rp.get("templatelocation") or "").rstrip("/")
    name = template.rsplit("/", 1)[-1].removesuffix(".xml")
    if template and len(rp) == 0:
        if name == "match_correct":
            return ("match_correct", 1.0)
        if name == "map_response":
            return ("map_response", None)
        return f"it uses the response-processing template {name}"
    recognised = _recognise(_clean_rules(list(rp)))
    return recognised or "its response processing is custom and not one of the standard templates"
