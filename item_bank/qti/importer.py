"""Import of QTI 2.2 / 3.0 content packages and single item files into draft case studies.

The result is an :class:`ImportReport`: the case-study dicts (in the exchange shape of
``item_types``) and, for every item found, what happened to it. Items are grouped into case studies
by what they share: our own exports say which case study each item belongs to (manifest
metadata); otherwise items that share a QTI 3.0 stimulus, or our repeated QTI 2.2 scenario, form
one case study; any remaining items of a package form one case study named after the package.
Storing them as drafts, and validating them, is the caller's job.

Packages are read, never extracted: a path in a manifest that points outside the package is
treated as missing, XML is parsed without network access or entity expansion (and libxml2's
default depth limit), and a package over the size or member limits is refused whole
(:class:`PackageRefused`).
"""

from __future__ import annotations

import io
import os
import posixpath
import zipfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from lxml import etree

from item_bank.qti import common as c
from item_bank.qti.item_reader import read_item, read_stimulus
from item_bank.qti.manifest import ParsedResource, parse_manifest
from item_bank.qti.reading import Problem, ReadItem

__all__ = ["ImportReport", "ItemReport", "PackageRefused", "Problem", "import_package", "import_item_xml"]

# A package is read whole into memory and every XML file in it parsed, so a small zip that expands
# to gigabytes (a "zip bomb": a 30 KB upload once took 47 s and 1.3 GB) must be refused from its
# directory, before anything is decompressed. Real items are a few kilobytes and packages hold no
# media we keep, so these limits are generous.
MAX_MEMBER_BYTES = 2 * 1024 * 1024  # one XML file
MAX_PACKAGE_BYTES = 25 * 1024 * 1024  # all members together, uncompressed
MAX_PACKAGE_MEMBERS = 2000  # files in the package (and items in its manifest)


class PackageRefused(ValueError):
    """The package is over a size limit; nothing of it is imported. The message says which."""


def _megabytes(n: int) -> str:
    return f"{n / (1024 * 1024):.0f} MB"


@dataclass(frozen=True)
class ItemReport:
    source: str
    identifier: str | None
    title: str | None
    imported: bool
    item_type: str | None = None
    problems: tuple[Problem, ...] = ()
    notes: tuple[str, ...] = ()
    case_study: int | None = None  # index into ImportReport.case_studies
    position: int | None = None  # index of the item within that case study


@dataclass(frozen=True)
class ImportReport:
    version: str | None
    case_studies: list[dict[str, Any]] = field(default_factory=list)
    items: tuple[ItemReport, ...] = ()
    problems: tuple[Problem, ...] = ()  # about the package as a whole

    @property
    def imported(self) -> list[ItemReport]:
        return [i for i in self.items if i.imported]

    @property
    def skipped(self) -> list[ItemReport]:
        return [i for i in self.items if not i.imported]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready (for ``cop items import-qti --json``)."""
        return {
            "version": self.version,
            "case_studies": self.case_studies,
            "items": [asdict(i) for i in self.items],
            "problems": [asdict(p) for p in self.problems],
            "imported": len(self.imported),
            "skipped": len(self.skipped),
        }


def _parse(data: bytes) -> etree._Element:
    parser = etree.XMLParser(no_network=True, resolve_entities=False, huge_tree=False)
    return etree.fromstring(data, parser)


class _Source:
    """Files of a package, by normalised package path."""

    def read(self, path: str) -> bytes | None:
        raise NotImplementedError

    def exists(self, path: str) -> bool:
        raise NotImplementedError


class _ZipSource(_Source):
    def __init__(self, archive: zipfile.ZipFile):
        members = archive.infolist()
        if len(members) > MAX_PACKAGE_MEMBERS:
            raise PackageRefused(f"The package holds {len(members)} files; the limit is {MAX_PACKAGE_MEMBERS}.")
        total = sum(member.file_size for member in members)  # as the zip's directory declares them
        if total > MAX_PACKAGE_BYTES:
            raise PackageRefused(f"The package expands to {_megabytes(total)}; the limit is "
                                 f"{_megabytes(MAX_PACKAGE_BYTES)} uncompressed.")
        big = next((m for m in members if m.file_size > MAX_MEMBER_BYTES), None)
        if big is not None:
            raise PackageRefused(f"{big.filename} expands to {_megabytes(big.file_size)}; the limit for one file "
                                 f"is {_megabytes(MAX_MEMBER_BYTES)}.")
        self.archive = archive
        self.names = {posixpath.normpath(n): n for n in archive.namelist() if not n.endswith("/")}
        self.budget = MAX_PACKAGE_BYTES  # reading one file many times must not get round the limit

    def exists(self, path):
        return posixpath.normpath(path) in self.names

    def read(self, path):
        name = self.names.get(posixpath.normpath(path))
        if name is None:
            return None
        size = self.archive.getinfo(name).file_size
        if size > self.budget:
            raise PackageRefused(f"The package's manifest reads its files more than {_megabytes(MAX_PACKAGE_BYTES)} "
                                 "in all.")
        self.budget -= size
        # zipfile stops at the declared size and checks the CRC, so a member cannot expand past it.
        return self.archive.read(name)


class _DirSource(_Source):
    def __init__(self, root: Path):
        self.root = root.resolve()

    def _path(self, path: str) -> Path | None:
        candidate = (self.root / path).resolve()
        return candidate if candidate.is_relative_to(self.root) and candidate.is_file() else None

    def exists(self, path):
        return self._path(path) is not None

    def read(self, path):
        found = self._path(path)
        if found is None or found.stat().st_size > MAX_MEMBER_BYTES:
            return None
        return found.read_bytes()


def import_item_xml(data: bytes | str | os.PathLike) -> ImportReport:
    """Import one item file (bytes, or a path whose folder is searched for its media)."""
    if isinstance(data, (str, os.PathLike)):
        path = Path(data)
        source: _Source | None = _DirSource(path.parent)
        name, data = path.name, path.read_bytes()
    else:
        source, name = None, "item.xml"
    if len(data) > MAX_MEMBER_BYTES:
        raise PackageRefused(f"The item file is {_megabytes(len(data))}; the limit is {_megabytes(MAX_MEMBER_BYTES)}.")
    try:
        root = _parse(data)
    except etree.XMLSyntaxError as error:
        problem = Problem("invalid_xml", f"{name} is not well-formed XML: {error}")
        return ImportReport(None, items=(ItemReport(name, None, None, False, problems=(problem,)),))
    read = read_item(root, source=name, exists=source.exists if source else None)
    builder = _Builder(read.version, package_title=None)
    builder.add(name, read, None)
    return builder.report()


def import_package(data: bytes | str | os.PathLike) -> ImportReport:
    """Import a content package (zip bytes, a zip file, or an unpacked folder); a single item
    file or its bytes is passed on to :func:`import_item_xml`."""
    if isinstance(data, (str, os.PathLike)):
        path = Path(data)
        if path.is_dir():
            return _import_from(_DirSource(path))
        if not zipfile.is_zipfile(path):
            return import_item_xml(path)
        data = path.read_bytes()
    if not zipfile.is_zipfile(io.BytesIO(data)):
        return import_item_xml(data)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return _import_from(_ZipSource(archive))


def _import_from(source: _Source) -> ImportReport:
    raw = source.read("imsmanifest.xml")
    if raw is None:
        return ImportReport(None, problems=(Problem("missing_file", "the package has no imsmanifest.xml"),))
    try:
        manifest = parse_manifest(raw)
    except etree.XMLSyntaxError as error:
        return ImportReport(None, problems=(Problem("invalid_xml", f"imsmanifest.xml is not well-formed XML: {error}"),))
    if len(manifest.resources) > MAX_PACKAGE_MEMBERS:
        raise PackageRefused(f"The manifest lists {len(manifest.resources)} resources; the limit is "
                             f"{MAX_PACKAGE_MEMBERS}.")
    items = [r for r in manifest.resources if r.type.startswith("imsqti_item_xml")]
    version = "3.0" if any(r.type.endswith("v3p0") for r in items) else ("2.2" if items else None)
    builder = _Builder(version, package_title=manifest.title or _test_title(source, manifest))
    for resource in _in_test_order(source, manifest, items):
        href = resource.href or (resource.files[0] if resource.files else "")
        raw_item = source.read(href) if href else None
        if raw_item is None:
            problem = Problem("missing_file", f"the item file {href or '(none named)'} is not in the package")
            builder.items.append(ItemReport(href or resource.identifier, resource.identifier, None, False, problems=(problem,)))
            continue
        try:
            read = read_item(_parse(raw_item), source=href, exists=source.exists, resource=resource)
        except etree.XMLSyntaxError as error:
            problem = Problem("invalid_xml", f"{href} is not well-formed XML: {error}")
            builder.items.append(ItemReport(href, resource.identifier, None, False, problems=(problem,)))
            continue
        if read.stimulus and not read.problems:
            _attach_stimulus(source, read, builder)
        builder.add(href, read, resource)
    if not items:
        builder.problems.append(Problem("not_an_item", "the manifest lists no QTI items"))
    return builder.report()


def _test_title(source: _Source, manifest) -> str | None:
    for resource in manifest.resources:
        if resource.type.startswith("imsqti_test_xml") and resource.href:
            raw = source.read(resource.href)
            try:
                return _parse(raw).get("title") if raw else None
            except etree.XMLSyntaxError:
                return None
    return None


def _in_test_order(source: _Source, manifest, items: list[ParsedResource]) -> list[ParsedResource]:
    """Items in the order of the package's test, if it has one, then any others in manifest order."""
    by_href = {posixpath.normpath(r.href): r for r in items if r.href}
    ordered: list[ParsedResource] = []
    for test in (r for r in manifest.resources if r.type.startswith("imsqti_test_xml") and r.href):
        raw = source.read(test.href)
        try:
            root = _parse(raw) if raw else None
        except etree.XMLSyntaxError:
            root = None
        for ref in root.iter() if root is not None else []:
            if isinstance(ref.tag, str) and c.canonical(etree.QName(ref).localname) == "assessmentitemref":
                found = by_href.get(c.join_path(test.href, ref.get("href", "")))
                if found is not None and found not in ordered:
                    ordered.append(found)
    return ordered + [r for r in items if r not in ordered]


def _attach_stimulus(source: _Source, read: ReadItem, builder: "_Builder") -> None:
    href, title = read.stimulus
    if href not in builder.stimuli:
        raw = source.read(href)
        if raw is None:
            builder.stimuli[href] = ("", title, [Problem("missing_file", f"its shared stimulus {href} is not in the package")])
        else:
            try:
                builder.stimuli[href] = read_stimulus(_parse(raw), source=href, exists=source.exists)
            except etree.XMLSyntaxError as error:
                builder.stimuli[href] = ("", title, [Problem("invalid_xml", f"{href} is not well-formed XML: {error}")])
    read.problems += builder.stimuli[href][2]


class _Builder:
    """Collects item results and groups the imported ones into case studies."""

    def __init__(self, version: str | None, package_title: str | None):
        self.version = version
        self.package_title = package_title
        self.items: list[ItemReport] = []
        self.problems: list[Problem] = []
        self.case_studies: list[dict[str, Any]] = []
        self.groups: dict[tuple, int] = {}
        self.stimuli: dict[str, tuple[str, str | None, list[Problem]]] = {}

    def add(self, source: str, read: ReadItem, resource: ParsedResource | None) -> None:
        kind = read.content["type"] if read.content else None
        if read.problems or read.content is None:
            # Notes describe adaptations of an imported item; a skipped one only needs its problems.
            self.items.append(ItemReport(source, read.identifier, read.title, False, kind, tuple(read.problems)))
            return
        key, title, scenario = self._group(read, resource)
        if key not in self.groups:
            self.groups[key] = len(self.case_studies)
            case: dict[str, Any] = {"title": title, "scenario": scenario, "items": []}
            framework = resource.keywords.get("framework-version") if resource else None
            if framework:
                case["framework_version"] = framework
            self.case_studies.append(case)
        index = self.groups[key]
        items = self.case_studies[index]["items"]
        items.append(read.content)
        self.items.append(ItemReport(source, read.identifier, read.title, True, kind, (),
                                     tuple(read.notes), index, len(items) - 1))

    def _group(self, read: ReadItem, resource: ParsedResource | None) -> tuple[tuple, str, str]:
        scenario = read.scenario or ""
        if read.stimulus:
            text, stimulus_title, _ = self.stimuli.get(read.stimulus[0], ("", read.stimulus[1], []))
            scenario = text
        if resource is not None and resource.case_study:
            return ("ours", resource.case_study[0]), resource.case_study[1], scenario
        if read.stimulus:
            return ("stimulus", read.stimulus[0]), stimulus_title or self._fallback_title(read), scenario
        if read.scenario:
            return ("scenario", read.scenario), self._fallback_title(read), scenario
        return ("package",), self._fallback_title(read), ""

    def _fallback_title(self, read: ReadItem) -> str:
        return self.package_title or read.title or "Imported items"

    def report(self) -> ImportReport:
        return ImportReport(self.version, self.case_studies, tuple(self.items), tuple(self.problems))
