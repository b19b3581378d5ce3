"""Names and small conversions shared by QTI export and import.

QTI 2.2 and 3.0 describe the same model with different spellings: ``simpleChoice`` /
``qti-simple-choice``, ``maxChoices`` / ``max-choices``. Export writes the 2.2 spelling in code and
converts it for 3.0 (:func:`qti_name`, :func:`qti_attr`); import folds both spellings into one
(:func:`canonical`), so each direction has a single code path for both versions.
"""

from __future__ import annotations

import posixpath
import re

from lxml import etree

NS_2P2 = "http://www.imsglobal.org/xsd/imsqti_v2p2"
NS_3P0 = "http://www.imsglobal.org/xsd/imsqtiasi_v3p0"
NS_CP_2P2 = "http://www.imsglobal.org/xsd/imscp_v1p1"
NS_CP_3P0 = "http://www.imsglobal.org/xsd/qti/qtiv3p0/imscp_v1p1"
NS_LOM = "http://ltsc.ieee.org/xsd/LOM"
NS_XSI = "http://www.w3.org/2001/XMLSchema-instance"
NS_MATHML = "http://www.w3.org/1998/Math/MathML"

ITEM_NS = {"2.2": NS_2P2, "3.0": NS_3P0}
CP_NS = {"2.2": NS_CP_2P2, "3.0": NS_CP_3P0}
SCHEMA_LOCATION = {
    "2.2": f"{NS_2P2} http://www.imsglobal.org/xsd/qti/qtiv2p2/imsqti_v2p2p2.xsd",
    "3.0": f"{NS_3P0} https://purl.imsglobal.org/spec/qti/v3p0/schema/xsd/imsqti_asiv3p0_v1p0.xsd",
}
MANIFEST_SCHEMA_LOCATION = {
    "2.2": f"{NS_CP_2P2} http://www.imsglobal.org/xsd/qti/qtiv2p2/qtiv2p2_imscpv1p2_v1p0.xsd "
    f"{NS_LOM} https://purl.imsglobal.org/spec/md/v1p3/schema/xsd/imsmd_loose_v1p3p2.xsd",
    "3.0": f"{NS_CP_3P0} https://purl.imsglobal.org/spec/qti/v3p0/schema/xsd/imsqtiv3p0_imscpv1p2_v1p0.xsd "
    f"{NS_LOM} https://purl.imsglobal.org/spec/md/v1p3/schema/xsd/imsmd_loose_v1p3p2.xsd",
}
RP_TEMPLATE = {
    "2.2": "http://www.imsglobal.org/question/qti_v2p2/rptemplates/{}",
    "3.0": "https://purl.imsglobal.org/spec/qti/v3p0/rptemplates/{}",
}
RESOURCE_TYPE = {
    ("2.2", "item"): "imsqti_item_xmlv2p2",
    ("2.2", "test"): "imsqti_test_xmlv2p2",
    ("3.0", "item"): "imsqti_item_xmlv3p0",
    ("3.0", "test"): "imsqti_test_xmlv3p0",
    ("3.0", "stimulus"): "imsqti_stimulus_xmlv3p0",
}
VERSIONS = ("2.2", "3.0")

# The classes that mark our own parts of an item body, so an import of our export finds them again.
CLASS_SCENARIO = "cop-scenario"
CLASS_STEM = "cop-stem"
CLASS_RUBRIC = "cop-rubric"
CLASS_MODEL_ANSWER = "cop-model-answer"
CLASS_RATIONALE = "cop-rationale"
CLASS_REFERENCE = "cop-reference"

# Package metadata vocabulary (LOM keywords "cop:<name>=<value>", catalogues, taxon source).
KEYWORD_PREFIX = "cop:"
CATALOG_ITEM = "cop-item"
CATALOG_CASE_STUDY = "cop-case-study"
TAXON_SOURCE = "Standards of Proficiency"
PRIMARY, ADDITIONAL = "primary", "additional"

_CAMEL = re.compile(r"(?<=[a-z0-9])([A-Z])")
_HTML = frozenset(
    "p br div span h1 h2 h3 h4 h5 h6 ul ol li strong em b i table caption thead tbody tfoot tr th td "
    "col colgroup blockquote pre code sub sup".split()
)


def kebab(name: str) -> str:
    return _CAMEL.sub(r"-\1", name).lower()


def qti_name(name: str, version: str) -> str:
    """Element name in ``version`` from its 2.2 spelling (HTML names are shared by both)."""
    if version == "2.2" or name in _HTML:
        return name
    return "qti-" + kebab(name)


def qti_attr(name: str, version: str) -> str:
    return name if version == "2.2" else kebab(name)


def canonical(name: str) -> str:
    """One spelling for both versions: ``simpleChoice`` and ``qti-simple-choice`` → ``simplechoice``."""
    if name.startswith("qti-"):
        name = name[4:]
    return name.replace("-", "").lower()


def local(element: etree._Element) -> str:
    tag = element.tag
    return etree.QName(tag).localname if isinstance(tag, str) else ""


# Option and stem ids ("A", "1") must become QTI identifiers (NCNames, which cannot start with a
# digit). Ids that already are NCNames are kept, so the XML stays readable; the others get an
# underscore. Our ids never start with one (item_types.ID_PATTERN), so the mapping is reversible.
_NCNAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*")


def encode_id(value: str) -> str:
    encoded = value if _NCNAME.fullmatch(value) else "_" + value
    if not _NCNAME.fullmatch(encoded):
        raise ValueError(f"{value!r} cannot be written as a QTI identifier")
    return encoded


def decode_id(value: str) -> str:
    return value[1:] if value.startswith("_") and len(value) > 1 else value


def safe_identifier(text: str) -> str:
    """An NCName made from ``text`` (for item, section and resource identifiers)."""
    cleaned = re.sub(r"[^A-Za-z0-9_.-]+", "-", str(text)).strip("-") or "x"
    return cleaned if _NCNAME.fullmatch(cleaned) else "x-" + cleaned


def join_path(base: str, href: str) -> str:
    """``href`` (relative to the file ``base`` inside a package) as a package path."""
    href = href.split("#", 1)[0].split("?", 1)[0]
    return posixpath.normpath(posixpath.join(posixpath.dirname(base), href))
