"""Turning one parsed QTI item into our item content (see :mod:`item_bank.qti.reading` for the
all-or-nothing rule and the problem codes)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from lxml import etree

from item_bank.item_types import validate_content
from item_bank.qti import common as c
from item_bank.qti.manifest import ParsedResource
from item_bank.qti.reading import (
    _SUPPORTED, _WHY_NOT, Problem, ReadItem, _canonical_copy, _classes, _find, _inner_html,
    _paragraph_text, _text, check_body, scoring_rule,
)
from item_bank.sanitise import html_to_text, sanitise_html

__all__ = ["read_item", "read_stimulus"]


def _version(root: etree._Element) -> str | None:
    namespace = etree.QName(root).namespace or ""
    if namespace == c.NS_3P0:
        return "3.0"
    if namespace.startswith("http://www.imsglobal.org/xsd/imsqti_v2p"):
        return "2.2"
    return None


def _declaration(tree: etree._Element, identifier: str | None) -> etree._Element | None:
    for element in tree:
        if element.tag == "responsedeclaration" and element.get("identifier") == identifier:
            return element
    return None


def _values(parent: etree._Element | None, tag: str) -> list[str]:
    holder = next((e for e in parent if e.tag == tag), None) if parent is not None else None
    return [(v.text or "").strip() for v in holder if v.tag == "value"] if holder is not None else []


def _mapping(declaration: etree._Element) -> tuple[dict[str, float], float, float | None] | None:
    mapping = next((e for e in declaration if e.tag == "mapping"), None)
    if mapping is None:
        return None
    entries = {" ".join((e.get("mapkey") or "").split()): float(e.get("mappedvalue") or 0)
               for e in mapping if e.tag == "mapentry"}
    lower = mapping.get("lowerbound")
    return entries, float(mapping.get("defaultvalue") or 0), float(lower) if lower is not None else None


def _stem_and_blocks(body: etree._Element, interaction: etree._Element, item: ReadItem) -> tuple[str, list[etree._Element], list[str]]:
    """The stem HTML, the scorer-side rubric blocks and any candidate feedback text."""
    feedback = [_text(e, skip=()) for e in body.iter() if e.tag in ("feedbackinline", "feedbackblock")]
    for element in [e for e in body.iter() if e.tag in ("feedbackinline", "feedbackblock")]:
        _remove(element)
    blocks = []
    for block in [e for e in body.iter() if e.tag == "rubricblock"]:
        views = set((block.get("view") or "").split())
        if views & {"candidate"} and not (_classes(block) & {c.CLASS_RATIONALE, c.CLASS_RUBRIC}):
            _unwrap(block)  # instructions the candidate sees belong with the stem
        else:
            blocks.append(block)
            _remove(block)
    for scenario in [e for e in body if e.tag == "div" and c.CLASS_SCENARIO in _classes(e)]:
        item.scenario = sanitise_html(_inner_html(scenario))
        _remove(scenario)
    ours = [e for e in body if e.tag == "div" and c.CLASS_STEM in _classes(e)]
    prompt = next((e for e in interaction if e.tag == "prompt"), None)
    if prompt is not None and html_to_text(_inner_html(prompt)):
        prompt.tag = "div" if any(e.tag in ("p", "div", "ul", "ol", "table") for e in prompt) else "p"
        interaction.addprevious(prompt)
    _remove(interaction)
    if ours:
        return sanitise_html(_inner_html(ours[0])), blocks, feedback
    return _tidy(sanitise_html(_inner_html(body))), blocks, feedback


_BLOCK_EDGE = re.compile(r"\s*(</?(?:p|h2|h3|h4|ul|ol|li|table|caption|thead|tbody|tr|th|td)\b[^>]*>|<br>)\s*")


def _tidy(fragment: str) -> str:
    """Source indentation out of a foreign stem (HTML whitespace is not significant here)."""
    return _BLOCK_EDGE.sub(r"\1", " ".join(fragment.split())).strip()


def _remove(element: etree._Element) -> None:
    parent = element.getparent()
    if parent is None:
        return
    tail = element.tail
    previous = element.getprevious()
    if tail:
        if previous is not None:
            previous.tail = (previous.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
    parent.remove(element)


def _unwrap(element: etree._Element) -> None:
    content = next((e for e in element if e.tag == "contentbody"), element)
    for child in list(content):
        element.addprevious(child)
    _remove(element)


def _choices(interaction: etree._Element, tag: str = "simplechoice") -> list[dict[str, str]]:
    return [{"id": c.decode_id(e.get("identifier", "")), "text": _text(e)} for e in interaction if e.tag == tag]


def _unknown(item: ReadItem, why: str) -> None:
    item.problems.append(Problem("unknown_scoring", why))


def read_item(
    root: etree._Element,
    *,
    source: str,
    exists: Callable[[str], bool] | None = None,
    resource: ParsedResource | None = None,
) -> ReadItem:
    """Read ``root`` (an item document's root element); ``exists`` tells whether a package path
    is present (for media); ``resource`` carries the manifest's metadata for the item."""
    item = ReadItem(identifier=root.get("identifier"), title=root.get("title"), version=_version(root))
    if item.version is None or etree.QName(root).localname not in ("assessmentItem", "qti-assessment-item"):
        item.problems.append(Problem("not_an_item", "it is not a QTI 2.2 or 3.0 assessment item"))
        return item
    tree, has_math = _canonical_copy(root)
    if tree.get("adaptive") == "true":
        item.problems.append(Problem("unsupported_content", "it is adaptive (several attempts with feedback), which exams here do not use"))
    if any(e.tag in ("templatedeclaration", "templateprocessing") for e in tree):
        item.problems.append(Problem("unsupported_content", "it is a template item whose values are generated for each candidate"))
    body = next((e for e in tree if e.tag == "itembody"), None)
    if body is None:
        item.problems.append(Problem("unsupported_interaction", "it has no item body"))
        return item
    item.problems += check_body(body, has_math, source, exists)
    interactions = [e for e in body.iter() if isinstance(e.tag, str) and e.tag.endswith("interaction")]
    if len(interactions) != 1:
        names = ", ".join(sorted({e.tag for e in interactions})) or "none"
        item.problems.append(Problem("unsupported_interaction", f"it has {len(interactions)} interactions ({names}); an item here has exactly one"))
        return item
    interaction = interactions[0]
    kind = _SUPPORTED.get(interaction.tag)
    if kind is None:
        reason = _WHY_NOT.get(interaction.tag, "it is not one of choice, order, match or extended text")
        item.problems.append(Problem("unsupported_interaction", f"{interaction.tag}: {reason}"))
        return item
    for stimulus in (e for e in tree if e.tag == "assessmentstimulusref"):
        item.stimulus = (c.join_path(source, stimulus.get("href", "")), stimulus.get("title"))
    declaration = _declaration(tree, interaction.get("responseidentifier"))
    if declaration is None:
        item.problems.append(Problem("missing_key", "its interaction has no response declaration"))
        return item
    if kind == "choice":
        kind = "sba" if declaration.get("cardinality") == "single" else "multiple_response"
    keywords = resource.keywords if resource else {}
    rule = scoring_rule(tree)
    correct = _values(declaration, "correctresponse")
    if kind != "constructed_response" and not correct:
        item.problems.append(Problem("missing_key", "it has no correct response, so it cannot be marked (a survey question?)"))
    stem, blocks, feedback = _stem_and_blocks(body, interaction, item)
    content: dict[str, Any] = {"type": kind, "stem": stem}
    _BUILDERS[kind](item, content, interaction, declaration, correct, rule, keywords, blocks, tree)
    if item.problems:
        return item
    _finish(item, content, blocks, feedback, resource)
    return item


def _build_choice(item, content, interaction, declaration, correct, rule, keywords, blocks, tree):
    content["options"] = _choices(interaction)
    content["shuffle"] = interaction.get("shuffle") == "true"
    keys = [c.decode_id(k) for k in correct]
    if content["type"] == "sba":
        content["key"] = keys[0] if keys else None
        if rule != ("match_correct", 1.0) and correct:
            _unknown(item, f"a single best answer item is worth 1 mark for the key; here {_describe(rule)}")
        return
    content["key"], content["choose"] = keys, len(keys)
    if rule == ("match_correct", 1.0):
        content["scoring"] = "all_or_nothing"
    elif rule == ("map_response", None) and _is_plus_minus(declaration, content):
        content["scoring"] = "partial"
    elif correct:
        _unknown(item, "multiple response items score all or nothing, or +1 for each key and −1 for each "
                 f"other option (never below 0); here {_describe(rule, declaration)}")
    max_choices = interaction.get("maxchoices", "1")
    if max_choices != str(len(keys)):
        limit = "any number of options" if max_choices == "0" else f"up to {max_choices} options"
        item.notes.append(f"Candidates could select {limit}; here they are told to choose {len(keys)}, the number of keys")


def _is_plus_minus(declaration, content) -> bool:
    mapped = _mapping(declaration)
    if mapped is None:
        return False
    entries, default, lower = mapped
    keys = set(content["key"])
    return lower == 0 and all(
        entries.get(c.encode_id(o["id"]), default) == (1 if o["id"] in keys else -1) for o in content["options"]
    )


def _build_ordering(item, content, interaction, declaration, correct, rule, keywords, blocks, tree):
    content["options"] = _choices(interaction)
    content["key"] = [c.decode_id(k) for k in correct]
    if rule != ("match_correct", 1.0):
        if correct:
            _unknown(item, f"ordering items score all or nothing, or by adjacent pairs; here {_describe(rule)}")
        return
    content["scoring"] = "adjacent_pairs" if keywords.get("scoring") == "adjacent_pairs" else "all_or_nothing"
    if any(e.get("fixed") == "true" for e in interaction):
        item.notes.append("Some options were fixed in place; here every option is shuffled")


def _build_matching(item, content, interaction, declaration, correct, rule, keywords, blocks, tree):
    sets = [e for e in interaction if e.tag == "simplematchset"]
    if len(sets) != 2:
        item.problems.append(Problem("unsupported_interaction", "its match interaction does not have two lists"))
        return
    stems = _choices(sets[0], "simpleassociablechoice")
    content["options"] = _choices(sets[1], "simpleassociablechoice")
    content["shuffle"] = interaction.get("shuffle") == "true"
    pairs = [tuple(value.split()) for value in correct]
    keys: dict[str, list[str]] = {s["id"]: [] for s in stems}
    for pair in pairs:
        if len(pair) == 2 and c.decode_id(pair[0]) in keys:
            keys[c.decode_id(pair[0])].append(c.decode_id(pair[1]))
    if correct and any(len(v) != 1 for v in keys.values()):
        _unknown(item, "extended matching needs exactly one correct option for each stem")
        return
    content["stems"] = [{"id": s["id"], "text": s["text"], "key": (keys[s["id"]] or [None])[0]} for s in stems]
    mapped = _mapping(declaration)
    wanted = {" ".join(p) for p in pairs}
    per_pair = (
        rule == ("map_response", None) and mapped is not None and mapped[1] == 0
        and all(mapped[0].get(p) == 1 for p in wanted)
        and all(v <= 0 for k, v in mapped[0].items() if k not in wanted)
    )
    if correct and not per_pair:
        _unknown(item, f"extended matching gives 1 mark for each correctly matched stem; here {_describe(rule, declaration)}")


def _build_constructed(item, content, interaction, declaration, correct, rule, keywords, blocks, tree):
    if rule != "none":
        _unknown(item, f"constructed responses are marked by examiners; here {_describe(rule)}")
        return
    rubric, foreign = [], []
    content["model_answer"] = ""
    for block in blocks:
        classes = _classes(block)
        if c.CLASS_RUBRIC in classes:
            for row in _find(block, "tr"):
                cells = [e for e in row if e.tag == "td"]
                if len(cells) == 2:
                    text, marks = _text(cells[0]), _text(cells[1])
                    rubric.append({"criterion": text, "marks": int(marks) if marks.isdigit() else 0})
        elif c.CLASS_MODEL_ANSWER in classes:
            content["model_answer"] = _paragraph_text(block)
        elif not classes & {c.CLASS_RATIONALE, c.CLASS_REFERENCE}:
            foreign.append(_text(block))
    outcome = next((e for e in tree if e.tag == "outcomedeclaration" and e.get("identifier") == "SCORE"), None)
    maximum = outcome.get("normalmaximum") if outcome is not None else None
    stated = int(float(maximum)) if maximum and float(maximum).is_integer() else None
    if not rubric and foreign:
        rubric = [{"criterion": " ".join(foreign), "marks": stated or 0}]
        item.notes.append("The scorer guidance became a single rubric criterion: split it into criteria with marks")
    content["rubric"] = rubric
    content["max_mark"] = sum(r["marks"] for r in rubric) if rubric else (stated or 0)
    if keywords.get("word-limit", "").isdigit():
        content["word_limit"] = int(keywords["word-limit"])


_BUILDERS = {
    "sba": _build_choice,
    "multiple_response": _build_choice,
    "ordering": _build_ordering,
    "extended_matching": _build_matching,
    "constructed_response": _build_constructed,
}


def _describe(rule, declaration=None) -> str:
    if rule == "none":
        return "it has no response processing"
    if isinstance(rule, str):
        return rule
    if rule[0] == "match_correct":
        return f"the correct response scores {rule[1]:g}"
    mapped = _mapping(declaration) if declaration is not None else None
    if mapped is None:
        return "it maps responses to marks without a mapping"
    entries, default, lower = mapped
    values = ", ".join(f"{k} {v:+g}" for k, v in entries.items())
    return f"the mapping gives {values}, {default:+g} otherwise" + (f", never below {lower:g}" if lower is not None else "")


def _finish(item: ReadItem, content: dict[str, Any], blocks, feedback: list[str], resource: ParsedResource | None) -> None:
    rationale, reference, other = [], "", []
    for block in blocks:
        classes = _classes(block)
        if c.CLASS_RATIONALE in classes:
            rationale.append(_paragraph_text(block))
        elif c.CLASS_REFERENCE in classes:
            reference = _paragraph_text(block)
        elif content["type"] != "constructed_response" and not classes & {c.CLASS_RUBRIC, c.CLASS_MODEL_ANSWER}:
            other.append(_text(block))
    if feedback:
        item.notes.append("Feedback written for candidates was kept in the examiners' rationale")
    content["rationale"] = "\n\n".join(rationale + other + [f for f in feedback if f])
    content["reference"] = reference
    keywords = resource.keywords if resource else {}
    try:
        content["estimated_facility"] = float(keywords["estimated-facility"])
    except (KeyError, ValueError):
        content["estimated_facility"] = None
    mapped = resource.substandards if resource else None
    content["substandards"] = mapped or {"primary": None, "others": []}
    if not mapped or not mapped.get("primary"):
        item.notes.append("No sub-standard mapping came with the item: map it to a primary sub-standard before submitting it")
    for error in validate_content(content):
        if error.field != "substandards.primary":
            item.notes.append(f"Needs attention before review — {error.field}: {error.message}")
    item.content = content


def read_stimulus(root: etree._Element, *, source: str, exists: Callable[[str], bool] | None) -> tuple[str, str | None, list[Problem]]:
    """A QTI 3.0 stimulus: its body as a scenario, its title and any content problems."""
    tree, has_math = _canonical_copy(root)
    body = next((e for e in tree if e.tag == "stimulusbody"), None)
    if body is None:
        return "", root.get("title"), [Problem("not_an_item", f"{source} is not an assessment stimulus")]
    problems = check_body(body, has_math, source, exists)
    ours = [e for e in body if e.tag == "div" and c.CLASS_SCENARIO in _classes(e)]
    return sanitise_html(_inner_html(ours[0] if ours else body)), root.get("title"), problems
