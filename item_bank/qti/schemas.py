"""Loading the official QTI schemas (from the shared reference folder) for validation.

The schemas are large — the QTI 3.0 one takes seconds to compile — so each is loaded once per
process (``functools.cache``). They are read offline: a resolver answers every import the schemas
make, and never lets lxml reach the network.

Three imports of the official files are not in the reference folder: the QTI 3.0 content-package
schema imports the Curriculum Standards Metadata and Access-for-All schemas (and XLink by URL), and
the IMS CP 1.1 schema imports IMS MD 1.2. Our manifests use none of those elements, so we answer
those imports with empty stand-ins that only declare the referenced element names; everything our
packages do contain (manifest, resources, LOM metadata, items, stimuli, tests) is checked against
the official definitions.

The location of the reference folder is passed in (the tests find it from the repository root); the
``COP_QTI_XSD_DIR`` environment variable is the fallback.
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

from lxml import etree

__all__ = ["SchemaSet", "schemas", "default_xsd_dir"]

_LOM_NS = "http://ltsc.ieee.org/xsd/LOM"
_CP11_NS = "http://www.imsglobal.org/xsd/imscp_v1p1"

_STUBS = {
    "imsqtiv3p0_csmv1p1_v1p0.xsd": (
        "http://www.imsglobal.org/xsd/qti/qtiv3p0/imscsmd_v1p1", ["curriculumStandardsMetadataSet"]
    ),
    "imsqtiv3p0_afa3p0drd_v1p0.xsd": (
        "http://www.imsglobal.org/xsd/qti/qtiv3p0/imsafa3p0drd_v1p0", ["accessForAllResource"]
    ),
    "xlink.xsd": ("http://www.w3.org/1999/xlink", []),
    "imsmd_v1p2p4.xsd": ("http://www.imsglobal.org/xsd/imsmd_v1p2", []),
}


def _stub(namespace: str, elements: list[str]) -> str:
    declarations = "".join(f'<xs:element name="{name}" type="xs:anyType"/>' for name in elements)
    return (
        '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" '
        f'targetNamespace="{namespace}" elementFormDefault="qualified">{declarations}</xs:schema>'
    )


class _OfflineResolver(etree.Resolver):
    def resolve(self, url, pubid, context):
        name = (url or "").rstrip("/").rsplit("/", 1)[-1]
        if name in _STUBS:
            return self.resolve_string(_stub(*_STUBS[name]), context)
        return None  # a local file: let lxml read it


def _load(path: Path, wrapper_imports: list[tuple[str, Path]] | None = None) -> etree.XMLSchema:
    parser = etree.XMLParser(no_network=True)
    parser.resolvers.add(_OfflineResolver())
    if wrapper_imports:
        # A wrapper schema lets one validator check a CP manifest *and* its LOM metadata, which
        # the CP 1.1 schema otherwise only checks laxly.
        imports = "".join(
            f'<xs:import namespace="{ns}" schemaLocation="{p.resolve().as_uri()}"/>'
            for ns, p in wrapper_imports
        )
        text = f'<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">{imports}</xs:schema>'
        return etree.XMLSchema(etree.fromstring(text.encode(), parser))
    return etree.XMLSchema(etree.parse(str(path), parser))


class SchemaSet:
    """The validators for one reference folder; each is compiled on first use."""

    def __init__(self, xsd_dir: Path):
        self.xsd_dir = Path(xsd_dir)

    @property
    def item_2p2(self) -> etree.XMLSchema:
        return _compiled(self.xsd_dir, "item_2p2")

    @property
    def item_3p0(self) -> etree.XMLSchema:
        return _compiled(self.xsd_dir, "item_3p0")

    @property
    def manifest_2p2(self) -> etree.XMLSchema:
        return _compiled(self.xsd_dir, "manifest_2p2")

    @property
    def manifest_3p0(self) -> etree.XMLSchema:
        return _compiled(self.xsd_dir, "manifest_3p0")

    def for_document(self, root: etree._Element) -> etree.XMLSchema:
        """The validator for a parsed QTI document (item, stimulus, test or manifest)."""
        ns = etree.QName(root).namespace or ""
        if ns == "http://www.imsglobal.org/xsd/imsqti_v2p2":
            return self.item_2p2
        if ns == "http://www.imsglobal.org/xsd/imsqtiasi_v3p0":
            return self.item_3p0
        if ns == _CP11_NS:
            return self.manifest_2p2
        if ns == "http://www.imsglobal.org/xsd/qti/qtiv3p0/imscp_v1p1":
            return self.manifest_3p0
        raise ValueError(f"no QTI schema for namespace {ns!r}")

    def errors(self, document: bytes | etree._Element) -> list[str]:
        """Schema errors of a document, as readable lines; empty when it validates."""
        root = etree.fromstring(document) if isinstance(document, bytes) else document
        schema = self.for_document(root)
        if schema.validate(root):
            return []
        return [f"line {e.line}: {e.message}" for e in schema.error_log]


@cache
def _compiled(xsd_dir: Path, which: str) -> etree.XMLSchema:
    if which == "item_2p2":
        return _load(xsd_dir / "qtiv2p2" / "imsqti_v2p2.xsd")
    if which == "item_3p0":
        return _load(xsd_dir / "qtiv3p0" / "imsqti_asiv3p0_sbacv1p0_v1p0.xsd")
    if which == "manifest_2p2":
        return _load(
            xsd_dir / "imscp_v1p1.xsd",
            [(_CP11_NS, xsd_dir / "imscp_v1p1.xsd"), (_LOM_NS, xsd_dir / "imsmd_loose_v1p3p2.xsd")],
        )
    if which == "manifest_3p0":
        return _load(xsd_dir / "qtiv3p0" / "imsqtiv3p0_imscpv1p2_v1p0.xsd")
    raise ValueError(which)


def default_xsd_dir() -> Path:
    value = os.environ.get("COP_QTI_XSD_DIR")
    if not value:
        raise LookupError("set COP_QTI_XSD_DIR to the folder holding the official QTI schemas")
    return Path(value)


@cache
def schemas(xsd_dir: Path | str | None = None) -> SchemaSet:
    """The (cached) validators for ``xsd_dir`` (default: ``$COP_QTI_XSD_DIR``)."""
    return SchemaSet(Path(xsd_dir) if xsd_dir is not None else default_xsd_dir())
