"""The content-package manifest (``imsmanifest.xml``): writing ours, reading anyone's.

What QTI items cannot say themselves travels in each item resource's IEEE LOM record, using only
standard LOM elements so the manifest validates and other systems can show it:

- ``classification`` with purpose ``competency``: one ``taxonPath`` (source "Standards of
  Proficiency") per mapped sub-standard, the taxon ``id`` being its code and the taxon ``entry``
  ``primary`` or ``additional``;
- ``relation`` of kind ``ispartof``: the case study (catalogue ``cop-case-study``) and its title;
- ``general/keyword`` entries ``cop:type=…``, ``cop:scoring=…``, ``cop:estimated-facility=…``,
  ``cop:word-limit=…`` and ``cop:framework-version=…`` for the rest.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from lxml import etree

from item_bank.qti import common as c

__all__ = ["ManifestResource", "ParsedResource", "ParsedManifest", "build_manifest", "parse_manifest"]

_LANG = "en"


@dataclass
class ManifestResource:
    identifier: str
    type: str
    href: str
    dependencies: list[str] = field(default_factory=list)
    content: Mapping[str, Any] | None = None  # an item's content, for its metadata
    case_study: tuple[str, str] | None = None  # (identifier, title)
    framework_version: str | None = None


def _lom(parent: etree._Element, tag: str, text: str | None = None) -> etree._Element:
    element = etree.SubElement(parent, f"{{{c.NS_LOM}}}{tag}")
    if text is not None:
        element.text = text
    return element


def _lang_string(parent: etree._Element, tag: str, text: str) -> None:
    string = _lom(_lom(parent, tag), "string", text)
    string.set("language", _LANG)


def _vocabulary(parent: etree._Element, tag: str, value: str) -> None:
    holder = _lom(parent, tag)
    _lom(holder, "source", "LOMv1.0")
    _lom(holder, "value", value)


def _item_keywords(resource: ManifestResource) -> list[str]:
    content = resource.content or {}
    words = {"type": content.get("type")}
    if content.get("type") in ("multiple_response", "ordering"):
        words["scoring"] = content.get("scoring")
    if content.get("estimated_facility") is not None:
        words["estimated-facility"] = repr(float(content["estimated_facility"]))
    if content.get("word_limit") is not None:
        words["word-limit"] = str(content["word_limit"])
    if resource.framework_version:
        words["framework-version"] = str(resource.framework_version)
    return [f"{c.KEYWORD_PREFIX}{k}={v}" for k, v in words.items() if v is not None]


def _item_lom(parent: etree._Element, resource: ManifestResource) -> None:
    lom = _lom(parent, "lom")
    general = _lom(lom, "general")
    identifier = _lom(general, "identifier")
    _lom(identifier, "catalog", c.CATALOG_ITEM)
    _lom(identifier, "entry", resource.identifier)
    for word in _item_keywords(resource):
        _lang_string(general, "keyword", word)
    if resource.case_study:
        relation = _lom(lom, "relation")
        _vocabulary(relation, "kind", "ispartof")
        target = _lom(relation, "resource")
        ident = _lom(target, "identifier")
        _lom(ident, "catalog", c.CATALOG_CASE_STUDY)
        _lom(ident, "entry", resource.case_study[0])
        _lang_string(target, "description", resource.case_study[1])
    substandards = (resource.content or {}).get("substandards") or {}
    codes = [(substandards.get("primary"), c.PRIMARY)] + [(o, c.ADDITIONAL) for o in substandards.get("others") or []]
    codes = [(code, role) for code, role in codes if code]
    if codes:
        classification = _lom(lom, "classification")
        _vocabulary(classification, "purpose", "competency")
        for code, role in codes:
            path = _lom(classification, "taxonPath")
            _lang_string(path, "source", c.TAXON_SOURCE)
            taxon = _lom(path, "taxon")
            _lom(taxon, "id", code)
            _lang_string(taxon, "entry", role)


def build_manifest(version: str, title: str, resources: list[ManifestResource]) -> bytes:
    ns = c.CP_NS[version]
    root = etree.Element(f"{{{ns}}}manifest", nsmap={None: ns, "imsmd": c.NS_LOM, "xsi": c.NS_XSI})
    root.set("identifier", "manifest-" + c.safe_identifier(title)[:60])
    root.set(f"{{{c.NS_XSI}}}schemaLocation", c.MANIFEST_SCHEMA_LOCATION[version])
    metadata = etree.SubElement(root, f"{{{ns}}}metadata")
    schema, schema_version = ("QTIv2.2 Package", "1.0.0") if version == "2.2" else ("QTI Package", "3.0.0")
    etree.SubElement(metadata, f"{{{ns}}}schema").text = schema
    etree.SubElement(metadata, f"{{{ns}}}schemaversion").text = schema_version
    _lang_string(_lom(_lom(metadata, "lom"), "general"), "title", title)
    etree.SubElement(root, f"{{{ns}}}organizations")
    holder = etree.SubElement(root, f"{{{ns}}}resources")
    for resource in resources:
        element = etree.SubElement(holder, f"{{{ns}}}resource", identifier=resource.identifier,
                                   type=resource.type, href=resource.href)
        if resource.content is not None:
            _item_lom(etree.SubElement(element, f"{{{ns}}}metadata"), resource)
        etree.SubElement(element, f"{{{ns}}}file", href=resource.href)
        for dependency in resource.dependencies:
            etree.SubElement(element, f"{{{ns}}}dependency", identifierref=dependency)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


# --- reading -------------------------------------------------------------------------------


@dataclass
class ParsedResource:
    identifier: str
    type: str
    href: str | None
    files: list[str]
    dependencies: list[str]
    keywords: dict[str, str] = field(default_factory=dict)  # our cop:* keywords, prefix removed
    substandards: dict[str, Any] | None = None  # {"primary", "others"} when mapped
    case_study: tuple[str, str] | None = None


@dataclass
class ParsedManifest:
    title: str | None
    resources: list[ParsedResource]

    def by_identifier(self) -> dict[str, ParsedResource]:
        return {r.identifier: r for r in self.resources}


def _children(element: etree._Element, name: str) -> list[etree._Element]:
    return [e for e in element if c.local(e) == name]


def _first(element: etree._Element | None, *path: str) -> etree._Element | None:
    for name in path:
        if element is None:
            return None
        found = _children(element, name)
        element = found[0] if found else None
    return element


def _strings(element: etree._Element | None) -> list[str]:
    if element is None:
        return []
    return [" ".join("".join(s.itertext()).split()) for s in element.iter() if c.local(s) == "string"]


def _read_lom(lom: etree._Element, resource: ParsedResource) -> None:
    for keyword in [k for general in _children(lom, "general") for k in _children(general, "keyword")]:
        for word in _strings(keyword):
            if word.startswith(c.KEYWORD_PREFIX) and "=" in word:
                name, _, value = word[len(c.KEYWORD_PREFIX):].partition("=")
                resource.keywords[name.strip()] = value.strip()
    for relation in _children(lom, "relation"):
        kind = _first(relation, "kind", "value")
        target = _first(relation, "resource")
        if kind is None or (kind.text or "").strip() != "ispartof" or target is None:
            continue
        for ident in _children(target, "identifier"):
            catalog, entry = _first(ident, "catalog"), _first(ident, "entry")
            if catalog is not None and (catalog.text or "").strip() == c.CATALOG_CASE_STUDY and entry is not None:
                titles = _strings(_first(target, "description"))
                resource.case_study = ((entry.text or "").strip(), titles[0] if titles else "")
    primary, others = None, []
    for classification in _children(lom, "classification"):
        purpose = _first(classification, "purpose", "value")
        if purpose is None or (purpose.text or "").strip() != "competency":
            continue
        for path in _children(classification, "taxonPath"):
            if c.TAXON_SOURCE not in _strings(_first(path, "source")):
                continue
            for taxon in _children(path, "taxon"):
                code = (_first(taxon, "id").text or "").strip() if _first(taxon, "id") is not None else ""
                role = _strings(_first(taxon, "entry"))
                if not code:
                    continue
                if role[:1] == [c.PRIMARY] and primary is None:
                    primary = code
                else:
                    others.append(code)
    if primary or others:
        resource.substandards = {"primary": primary, "others": others}


def parse_manifest(data: bytes) -> ParsedManifest:
    """Read any IMS CP manifest (namespace-agnostic). ``etree.XMLSyntaxError`` if not XML."""
    root = etree.fromstring(data, etree.XMLParser(no_network=True, resolve_entities=False))
    title = None
    meta = _first(root, "metadata")
    if meta is not None:
        titles = _strings(_first(meta, "lom", "general", "title"))
        title = titles[0] if titles else None
    resources = []
    holder = _first(root, "resources")
    for element in _children(holder, "resource") if holder is not None else []:
        resource = ParsedResource(
            identifier=element.get("identifier", ""),
            type=element.get("type", ""),
            href=element.get("href"),
            files=[f.get("href") for f in _children(element, "file") if f.get("href")],
            dependencies=[d.get("identifierref") for d in _children(element, "dependency") if d.get("identifierref")],
        )
        lom = _first(element, "metadata", "lom")
        if lom is not None:
            _read_lom(lom, resource)
        resources.append(resource)
    return ParsedManifest(title, resources)
