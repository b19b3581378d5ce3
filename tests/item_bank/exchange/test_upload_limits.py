"""A QTI upload that expands far beyond its size (a zip bomb), holds too many files or reads one
file over and over is refused whole, at once, with a clear message, and writes nothing."""
from __future__ import annotations

import io
import zipfile

import pytest
from sqlalchemy import func, select

from core.audit import AuditEntry
from core.roles import Role
from item_bank.models import CaseStudy, ItemVersion
from item_bank.qti import importer

MANIFEST = b"""<?xml version="1.0"?>
<manifest xmlns="http://www.imsglobal.org/xsd/qti/qtiv3p0/imscp_v1p1" identifier="m">
<organizations/><resources>%s</resources></manifest>"""


def zip_of(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def bomb() -> bytes:
    """About 30 KB that expands to some 30 MB of zeros spread over manifest-listed files."""
    resources = b"".join(b'<resource identifier="r%d" type="imsqti_item_xmlv3p0" href="item%d.xml"/>' % (n, n)
                         for n in range(15))
    members = {"imsmanifest.xml": MANIFEST % resources}
    members.update({f"item{n}.xml": b"<a>" + b"0" * (2 * 1024 * 1024 - 10) + b"</a>" for n in range(15)})
    return zip_of(members)


def many_members() -> bytes:
    empty_files = {f"f{n}.txt": b"" for n in range(importer.MAX_PACKAGE_MEMBERS)}
    return zip_of({"imsmanifest.xml": MANIFEST % b"", **empty_files})


def rereading() -> bytes:
    """A small file that the manifest names again and again."""
    resources = b"".join(b'<resource identifier="r%d" type="imsqti_item_xmlv3p0" href="item.xml"/>' % n
                         for n in range(1500))
    return zip_of({"imsmanifest.xml": MANIFEST % resources, "item.xml": b"<a>" + b" " * (1024 * 1024) + b"</a>"})


def counts(db):
    return tuple(db.scalar(select(func.count()).select_from(model)) for model in (CaseStudy, ItemVersion, AuditEntry))


@pytest.mark.parametrize(("package", "says"), [(bomb, "uncompressed"), (many_members, "files"),
                                               (rereading, "in all")])
def test_an_oversized_package_is_refused_with_a_message_and_writes_nothing(client, db, login_as, package, says):
    login_as(Role.ITEM_WRITER)
    data = package()
    assert len(data) < 400 * 1024
    before = counts(db)
    response = client.post("/item-bank/import", data={"file": (io.BytesIO(data), "bank.zip")},
                           content_type="multipart/form-data")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "There is a problem" in page and "too large to import" in page and says in page
    assert counts(db) == before


def test_the_limits_are_checked_from_the_zip_directory_before_anything_is_decompressed():
    with pytest.raises(importer.PackageRefused, match="expands to"):
        importer.import_package(bomb())
    with pytest.raises(importer.PackageRefused, match="files"):
        importer.import_package(many_members())


def test_a_package_within_the_limits_still_imports(db, writer):
    from core.roles import SYSTEM
    from item_bank.exchange import services
    from tests.item_bank.exchange.helpers import NOW, full_case_study

    case = full_case_study(db, writer)
    data = services.export_case_study(db, actor=SYSTEM, case_study_id=case.case_study_id, qti_version="3.0",
                                      now=NOW).data
    outcome = services.import_qti(db, actor=writer.actor, data=data, now=NOW)
    assert len(outcome.imported) == 5
