import datetime as dt
import sys

import pytest

from assessment.accounts.models import User
from core.errors import Conflict, ValidationFailed
from item_bank.authoring import attachments, services
from item_bank.workflow import Status
from tests import uploads_data

NOW = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.timezone.utc)
PDF = uploads_data.pdf("A tiny test document")
PNG = uploads_data.png()


def author_of(db, version):
    return db.get(User, version.case_study.author_id).actor


def add(db, version, tmp_path, data=PDF, name="letter.pdf", scan=None, description="Referral letter"):
    return attachments.add_attachment(db, actor=author_of(db, version), version_id=version.id, filename=name,
                                      data=data, description=description, upload_folder=str(tmp_path),
                                      scan_command=scan, now=NOW)


def test_a_pdf_is_stored_outside_the_web_root_under_its_hash(db, make_case_study, tmp_path):
    version = make_case_study()
    attachment = add(db, version, tmp_path, name="../../etc/letter.pdf")
    assert attachment.content_type == "application/pdf"
    assert attachment.filename == "etc_letter.pdf"
    assert attachments.storage_path(str(tmp_path), attachment.sha256).read_bytes() == PDF


@pytest.mark.parametrize(("data", "message"), [
    (b"", "Choose a file"), (b"MZ\x90\x00 an executable", "PDF, PNG or JPEG"),
    (b"%PDF-" + b"0" * attachments.MAX_BYTES, "smaller than 10 MB"),
    (uploads_data.pdf_with_javascript(), "contains JavaScript"),
    (uploads_data.png_with_zip(), "extra data after the end of the picture"),
    (b"%PDF-1.7\n% not really a PDF\n", "could not be read as a PDF"),
])
def test_wrong_or_oversized_files_are_refused(db, make_case_study, tmp_path, data, message):
    version = make_case_study()
    with pytest.raises(ValidationFailed, match=message):
        add(db, version, tmp_path, data=data, name="evil.pdf")
    assert not (tmp_path / "attachments").exists()


def test_the_virus_scan_hook_can_refuse_a_file(db, make_case_study, tmp_path):
    version = make_case_study()
    failing = f"{sys.executable} -c \"import sys; sys.exit(1)\" {{path}}"
    with pytest.raises(ValidationFailed, match="virus check"):
        add(db, version, tmp_path, data=PNG, name="scan.png", scan=failing)
    passing = f"{sys.executable} -c \"import sys, pathlib; sys.exit(0 if pathlib.Path(sys.argv[1]).exists() else 1)\" {{path}}"
    assert add(db, version, tmp_path, data=PNG, name="scan.png", scan=passing).content_type == "image/png"


def test_approved_versions_take_no_attachments_and_new_versions_keep_them(db, make_case_study, tmp_path):
    version = make_case_study()
    add(db, version, tmp_path)
    from item_bank.review import services as review
    from item_bank.workflow import Action
    for action in (Action.SUBMIT,):
        review.transition(db, actor=author_of(db, version), version_id=version.id, action=action, now=NOW)
    with pytest.raises(Conflict):
        add(db, version, tmp_path, data=PNG, name="late.png")


def test_a_new_version_points_at_the_same_files(db, make_case_study, tmp_path):
    version = make_case_study(Status.APPROVED)
    version.status = Status.DRAFT  # attach as if before approval, then restore
    db.flush()
    add(db, version, tmp_path)
    version.status = Status.APPROVED
    db.flush()
    v2 = services.start_new_version(db, actor=author_of(db, version), case_study_id=version.case_study_id,
                                    change_note="x", now=NOW)
    db.refresh(v2)
    assert [a.sha256 for a in v2.attachments] == [a.sha256 for a in version.attachments]


def test_upload_page_round_trip(client, db, make_case_study, tmp_path, app):
    import io

    app.config["UPLOAD_FOLDER"] = str(tmp_path)
    version = make_case_study()
    author = db.get(User, version.case_study.author_id)
    with client.session_transaction() as flask_session:
        flask_session["_user_id"] = author.get_id()
    url = f"/item-bank/case-studies/{version.case_study_id}/versions/1/attachments"
    response = client.post(url, data={"file": (io.BytesIO(PDF), "letter.pdf"), "description": "Referral letter"},
                           content_type="multipart/form-data")
    assert response.status_code == 302
    db.refresh(version)
    download = client.get(f"/item-bank/attachments/{version.attachments[0].id}")
    assert download.status_code == 200 and download.data == PDF
    assert download.headers["Content-Type"] == "application/pdf"
    assert download.headers["Content-Disposition"] == "attachment; filename=letter.pdf"
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    download.close()
    # A name that reached the table some other way is cleaned again before it is sent (RFC 6266).
    version.attachments[0].filename = "../Zoë\r\nSet-Cookie: x=1.pdf"
    db.flush()
    download = client.get(f"/item-bank/attachments/{version.attachments[0].id}")
    disposition = download.headers["Content-Disposition"]
    assert "\r" not in disposition and "\n" not in disposition and ".." not in disposition and "/" not in disposition
    assert "filename*=UTF-8''Zo%C3%ABSet-Cookie%20x%3D1.pdf" in disposition
    download.close()
    bad = client.post(url, data={"file": (io.BytesIO(b"not a pdf"), "x.pdf"), "description": "x"},
                      content_type="multipart/form-data", follow_redirects=True)
    assert "must be a PDF, PNG or JPEG" in bad.get_data(as_text=True)
    before = len(version.attachments)
    bad = client.post(url, data={"file": (io.BytesIO(uploads_data.pdf_with_javascript()), "x.pdf"),
                                 "description": "Referral letter"}, content_type="multipart/form-data")
    assert bad.status_code == 422
    assert "contains JavaScript" in uploads_data.error_beside(bad.get_data(as_text=True), "attachment-file")
    db.refresh(version)
    assert len(version.attachments) == before
