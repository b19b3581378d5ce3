"""Export of case studies and exam papers as QTI 2.2 or 3.0 content packages.

A package is a zip holding ``imsmanifest.xml``, one XML file per item and, for a paper, a test
(``assessment.xml``) whose sections are the case studies in paper order.

**The scenario.** QTI 3.0 has a shared stimulus: the scenario is written once as a
``qti-assessment-stimulus`` and every item of the case study refers to it. QTI 2.2 has no such
element; the ways to share content between items (``object`` or ``xi:include`` of an HTML file) are
rendered unevenly by delivery systems, so a candidate could end up answering without the
scenario. For 2.2 we therefore repeat the scenario at the top of each item's body (in a
``div class="cop-scenario"``): every item stands on its own, and our import recognises the
repeated block and keeps one scenario per case study.

**Mappings** (type → QTI):

- single best answer → ``choiceInteraction maxChoices=1``, ``match_correct``;
- multiple response → ``choiceInteraction maxChoices=N``; all-or-nothing → ``match_correct``;
  partial → ``map_response`` with +1 for each key, −1 for every other option, lower bound 0;
- extended matching → one ``matchInteraction``: the stems are the first match set (fixed, each
  used once), the shared options the second; the response is a set of ``stem option`` pairs and
  ``map_response`` gives 1 for each correct pair. One interaction and one response variable
  round-trip cleanly, where one ``choiceInteraction`` per stem would need custom response
  processing to add the marks up;
- ordering → ``orderInteraction`` (always shuffled), ``match_correct``; the adjacent-pairs rule
  has no standard template, so it is kept in the package metadata and other systems mark the
  item all-or-nothing;
- constructed response → ``extendedTextInteraction``, human-scored; the outcome's normal maximum
  is the maximum mark, and the rubric and model answer are ``rubricBlock view="scorer"``.

The rationale and reference travel as scorer-only rubric blocks too; the sub-standard mapping, item
type, scoring rule, estimated facility and word limit travel in each item's LOM metadata in the
manifest (see :mod:`item_bank.qti.manifest`).
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import lxml.html
from lxml import etree

from item_bank.item_types import max_mark, validate_content
from item_bank.qti import common as c
from item_bank.qti.manifest import ManifestResource, build_manifest
from item_bank.sanitise import ALLOWED_ATTRIBUTES, ALLOWED_TAGS, sanitise_html

__all__ = ["export_case_study", "export_paper", "item_xml", "PackageFile"]


@dataclass
class PackageFile:
    href: str
    data: bytes


@dataclass
class _Package:
    version: str
    files: list[PackageFile] = field(default_factory=list)
    resources: list[ManifestResource] = field(default_factory=list)


class _Writer:
    """Creates elements in the version's namespace and spelling."""

    def __init__(self, version: str):
        if version not in c.VERSIONS:
            raise ValueError(f"QTI version must be one of {', '.join(c.VERSIONS)}, not {version!r}")
        self.version = version
        self.ns = c.ITEM_NS[version]

    def el(self, parent: etree._Element | None, name: str, text: str | None = None, **attrs: Any):
        tag = f"{{{self.ns}}}{c.qti_name(name, self.version)}"
        element = etree.Element(tag, nsmap={None: self.ns}) if parent is None else etree.SubElement(parent, tag)
        for key, value in attrs.items():
            if value is None:
                continue
            if isinstance(value, bool):
                value = "true" if value else "false"
            element.set("class" if key == "class_" else c.qti_attr(key, self.version), str(value))
        if text is not None:
            element.text = text
        return element

    def root(self, name: str, **attrs: Any) -> etree._Element:
        element = self.el(None, name, **attrs)
        element.set(f"{{{c.NS_XSI}}}schemaLocation", c.SCHEMA_LOCATION[self.version])
        return element

    def html_into(self, parent: etree._Element, fragment: str) -> None:
        """Append sanitised HTML as XHTML children of ``parent`` (QTI's body elements)."""
        clean = sanitise_html(fragment)
        if not clean:
            return
        holder = lxml.html.fragment_fromstring(clean, create_parent="div")
        self._copy_children(holder, parent)

    def _copy_children(self, source, target) -> None:
        target.text = (target.text or "") + (source.text or "") or None
        for child in source:
            if not isinstance(child.tag, str) or child.tag not in ALLOWED_TAGS:
                continue  # sanitised input contains none; belt and braces
            copy = self.el(target, child.tag)
            for name in ALLOWED_ATTRIBUTES.get(child.tag, ()):
                if child.get(name) is not None:
                    copy.set(name, child.get(name))
            self._copy_children(child, copy)
            copy.tail = child.tail

    def scorer_block(self, body: etree._Element, css_class: str) -> etree._Element:
        """A rubric block only scorers see; returns the element to put content in."""
        if self.version == "2.2":
            return self.el(body, "rubricBlock", view="scorer", class_=css_class)
        block = self.el(body, "rubricBlock", use="scoring", view="scorer", class_=css_class)
        return self.el(block, "contentBody")


def _serialise(root: etree._Element) -> bytes:
    # Not pretty-printed: indentation would add whitespace inside the writer's rich text, and
    # the round trip must give back exactly what was exported.
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def _text_paragraph(w: _Writer, parent: etree._Element, text: str) -> None:
    w.el(parent, "p", text)


def item_xml(
    content: Mapping[str, Any],
    *,
    identifier: str,
    title: str,
    version: str,
    scenario: str | None = None,
    stimulus: tuple[str, str, str] | None = None,
) -> bytes:
    """One item as a QTI ``assessmentItem`` document.

    ``scenario`` (2.2) is repeated at the top of the body; ``stimulus`` (3.0) is
    ``(identifier, href, title)`` of the shared stimulus.
    """
    w = _Writer(version)
    kind = content["type"]
    root = w.root("assessmentItem", identifier=identifier, title=title, adaptive=False, timeDependent=False)

    cardinality, base_type = {
        "sba": ("single", "identifier"),
        "multiple_response": ("multiple", "identifier"),
        "extended_matching": ("multiple", "directedPair"),
        "ordering": ("ordered", "identifier"),
        "constructed_response": ("single", "string"),
    }[kind]
    declaration = w.el(root, "responseDeclaration", identifier="RESPONSE", cardinality=cardinality, baseType=base_type)
    options = content.get("options", [])
    option_ids = [c.encode_id(o["id"]) for o in options]
    template = "match_correct"
    if kind == "sba":
        correct = [c.encode_id(content["key"])]
    elif kind in ("multiple_response", "ordering"):
        correct = [c.encode_id(k) for k in content["key"]]
    elif kind == "extended_matching":
        correct = [f"{c.encode_id(s['id'])} {c.encode_id(s['key'])}" for s in content["stems"]]
    else:
        correct = []
    if correct:
        holder = w.el(declaration, "correctResponse")
        for value in correct:
            w.el(holder, "value", value)
    if kind == "multiple_response" and content["scoring"] == "partial":
        template = "map_response"
        keys = set(correct)
        mapping = w.el(declaration, "mapping", lowerBound=0, upperBound=len(keys), defaultValue=0)
        for oid in option_ids:
            w.el(mapping, "mapEntry", mapKey=oid, mappedValue=1 if oid in keys else -1)
    elif kind == "extended_matching":
        template = "map_response"
        mapping = w.el(declaration, "mapping", defaultValue=0)
        for pair in correct:
            w.el(mapping, "mapEntry", mapKey=pair, mappedValue=1)

    outcome = w.el(
        root, "outcomeDeclaration", identifier="SCORE", cardinality="single", baseType="float",
        normalMaximum=max_mark(content),
        externalScored="human" if kind == "constructed_response" else None,
    )
    w.el(w.el(outcome, "defaultValue"), "value", "0")

    if stimulus is not None:
        if version != "3.0":
            raise ValueError("a shared stimulus needs QTI 3.0")
        sid, href, stitle = stimulus
        w.el(root, "assessmentStimulusRef", identifier=sid, href=href, title=stitle)

    body = w.el(root, "itemBody")
    if scenario is not None:
        w.html_into(w.el(body, "div", class_=c.CLASS_SCENARIO), scenario)
    w.html_into(w.el(body, "div", class_=c.CLASS_STEM), content.get("stem", ""))

    if kind in ("sba", "multiple_response"):
        choose = 1 if kind == "sba" else content["choose"]
        interaction = w.el(body, "choiceInteraction", responseIdentifier="RESPONSE",
                           shuffle=bool(content.get("shuffle")), maxChoices=choose,
                           minChoices=0 if kind == "sba" else None)
        for oid, option in zip(option_ids, options):
            w.el(interaction, "simpleChoice", option["text"], identifier=oid)
    elif kind == "ordering":
        interaction = w.el(body, "orderInteraction", responseIdentifier="RESPONSE", shuffle=True)
        for oid, option in zip(option_ids, options):
            w.el(interaction, "simpleChoice", option["text"], identifier=oid)
    elif kind == "extended_matching":
        stems = content["stems"]
        interaction = w.el(body, "matchInteraction", responseIdentifier="RESPONSE",
                           shuffle=bool(content.get("shuffle")), maxAssociations=len(stems))
        stem_set = w.el(interaction, "simpleMatchSet")
        for stem in stems:
            # Stems keep their order: the item's shuffle applies to the option list only.
            w.el(stem_set, "simpleAssociableChoice", stem["text"], identifier=c.encode_id(stem["id"]),
                 matchMax=1, fixed=True)
        option_set = w.el(interaction, "simpleMatchSet")
        for oid, option in zip(option_ids, options):
            # An option may be the answer to several stems: matchMax 0 means "no limit".
            w.el(option_set, "simpleAssociableChoice", option["text"], identifier=oid, matchMax=0)
    else:
        w.el(body, "extendedTextInteraction", responseIdentifier="RESPONSE")
        table = w.el(w.scorer_block(body, c.CLASS_RUBRIC), "table")
        w.el(table, "caption", "Marking rubric")
        head = w.el(w.el(table, "thead"), "tr")
        w.el(head, "th", "Criterion", scope="col")
        w.el(head, "th", "Marks", scope="col")
        rows = w.el(table, "tbody")
        for row in content["rubric"]:
            tr = w.el(rows, "tr")
            w.el(tr, "td", row["criterion"])
            w.el(tr, "td", str(row["marks"]))
        _text_paragraph(w, w.scorer_block(body, c.CLASS_MODEL_ANSWER), content["model_answer"])

    if content.get("rationale"):
        _text_paragraph(w, w.scorer_block(body, c.CLASS_RATIONALE), content["rationale"])
    if content.get("reference"):
        _text_paragraph(w, w.scorer_block(body, c.CLASS_REFERENCE), content["reference"])

    if kind != "constructed_response":
        w.el(root, "responseProcessing", template=c.RP_TEMPLATE[version].format(template))
    return _serialise(root)


def _stimulus_xml(identifier: str, title: str, scenario: str) -> bytes:
    w = _Writer("3.0")
    root = w.root("assessmentStimulus", identifier=identifier, title=title)
    w.html_into(w.el(w.el(root, "stimulusBody"), "div", class_=c.CLASS_SCENARIO), scenario)
    return _serialise(root)


def _test_xml(version: str, identifier: str, title: str, sections: list[tuple[str, str, list[tuple[str, str]]]]) -> bytes:
    w = _Writer(version)
    root = w.root("assessmentTest", identifier=identifier, title=title)
    outcome = w.el(root, "outcomeDeclaration", identifier="SCORE", cardinality="single", baseType="float")
    w.el(w.el(outcome, "defaultValue"), "value", "0")
    part = w.el(root, "testPart", identifier="part-1", navigationMode="nonlinear", submissionMode="simultaneous")
    for section_id, section_title, refs in sections:
        section = w.el(part, "assessmentSection", identifier=section_id, title=section_title, visible=True)
        for ref_id, href in refs:
            w.el(section, "assessmentItemRef", identifier=ref_id, href=href)
    total = w.el(w.el(root, "outcomeProcessing"), "setOutcomeValue", identifier="SCORE")
    w.el(w.el(total, "sum"), "testVariables", variableIdentifier="SCORE")
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _check(case: Mapping[str, Any], position: int) -> None:
    problems = [f"item {i + 1} {e.field}: {e.message}"
                for i, item in enumerate(case.get("items") or []) for e in validate_content(item)]
    if not case.get("items"):
        problems.append("it has no items")
    if problems:
        raise ValueError(f"case study {position} ({case.get('title')!r}) cannot be exported: " + "; ".join(problems))


def _add_case_study(package: _Package, case: Mapping[str, Any], position: int) -> list[tuple[str, str]]:
    """Write one case study's files and resources; returns its ``(identifier, href)`` item refs."""
    _check(case, position)
    version = package.version
    cs_id = f"cs-{position}"
    title = str(case.get("title") or "")
    scenario = sanitise_html(case.get("scenario") or "")
    stimulus = None
    dependencies: list[str] = []
    if version == "3.0":
        stimulus = (f"{cs_id}-scenario", f"{cs_id}-scenario.xml", title)
        package.files.append(PackageFile(stimulus[1], _stimulus_xml(stimulus[0], title, scenario)))
        package.resources.append(ManifestResource(stimulus[0], c.RESOURCE_TYPE[(version, "stimulus")], stimulus[1]))
        dependencies.append(stimulus[0])
    refs = []
    for index, content in enumerate(case["items"], start=1):
        item_id = f"{cs_id}-item-{index}"
        href = f"{item_id}.xml"
        data = item_xml(
            content, identifier=item_id, title=f"{title} — item {index}", version=version,
            scenario=scenario if version == "2.2" else None, stimulus=stimulus,
        )
        package.files.append(PackageFile(href, data))
        package.resources.append(ManifestResource(
            item_id, c.RESOURCE_TYPE[(version, "item")], href, dependencies=list(dependencies),
            content=content, case_study=(cs_id, title),
            framework_version=case.get("framework_version"),
        ))
        refs.append((item_id, href))
    return refs


def _zip(package: _Package, title: str) -> bytes:
    manifest = build_manifest(package.version, title, package.resources)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("imsmanifest.xml", manifest)
        for item in package.files:
            archive.writestr(item.href, item.data)
    return buffer.getvalue()


def export_case_study(case: Mapping[str, Any], version: str = "2.2") -> bytes:
    """A QTI content package (zip bytes) of one case study. ``ValueError`` if an item is invalid."""
    package = _Package(_Writer(version).version)
    _add_case_study(package, case, 1)
    return _zip(package, str(case.get("title") or "Case study"))


def export_paper(paper: Mapping[str, Any] | Sequence[Mapping[str, Any]], version: str = "2.2") -> bytes:
    """A QTI content package of an exam paper: ``{"title", "case_studies": [...]}`` or just the
    ordered list of case studies. The test has one section per case study, in order."""
    if isinstance(paper, Mapping):
        title, cases = str(paper.get("title") or "Exam paper"), list(paper.get("case_studies") or [])
    else:
        title, cases = "Exam paper", list(paper)
    if not cases:
        raise ValueError("an exam paper needs at least one case study")
    package = _Package(_Writer(version).version)
    sections = []
    for position, case in enumerate(cases, start=1):
        refs = _add_case_study(package, case, position)
        sections.append((f"cs-{position}", str(case.get("title") or f"Case study {position}"), refs))
    test_href = "assessment.xml"
    package.files.append(PackageFile(test_href, _test_xml(version, "paper", title, sections)))
    package.resources.insert(0, ManifestResource(
        "paper", c.RESOURCE_TYPE[(version, "test")], test_href,
        dependencies=[r.identifier for r in package.resources if r.content is not None],
    ))
    return _zip(package, title)
