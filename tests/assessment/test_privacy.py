"""Subject access export and erasure: nothing about a person forgotten (every column referring to users
is exported or excluded with a reason), nobody else's data in an export, erasure that anonymises and
keeps the evidence, refusal while a decision is open, both audited; the CLI and the admin pages."""
from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import select

from assessment.accounts.models import LoginAttempt, PasswordResetToken, User
from assessment.delivery.adjustments.services import evidence_path
from assessment.delivery.models import AdjustmentRequest, Booking, Sitting
from assessment.eligibility.models import Application, ApplicationStatus
from assessment.privacy import coverage, services
from core.audit import AuditEntry
from core.mail import MailMessage
from core.notifications import Notification
from core.roles import SYSTEM, Role
from proctoring import log
from proctoring.media import store_media
from core.sealed import sealer_of

NOW = dt.datetime(2026, 12, 6, 12, 0, tzinfo=dt.timezone.utc)
PHOTO = b"\x89PNG\r\n\x1a\n" + b"check-in photo" * 20
EVIDENCE = b"%PDF-1.4\n" + b"a letter from a doctor" * 20


def test_every_column_referring_to_users_is_exported_or_excluded_with_a_reason():
    columns = set(services.user_columns())
    listed = coverage.SUBJECT | coverage.ACTOR | set(coverage.EXCLUDED)
    assert columns - listed == set(), "add these to assessment/privacy/coverage.py (SUBJECT, ACTOR or EXCLUDED)"
    assert listed - columns == set(), "these are listed in coverage.py but no longer refer to users"
    assert not coverage.SUBJECT & coverage.ACTOR and not (coverage.SUBJECT | coverage.ACTOR) & set(coverage.EXCLUDED)
    assert all(len(reason) > 20 for reason in coverage.EXCLUDED.values())


@pytest.fixture
def person(app, db, make_user):
    """A candidate with a booking, an adjustment with evidence, an invigilation with a photo, mail, a
    notification, a sign-in attempt and a draft application; and another candidate with a booking."""
    candidate = make_user(Role.CANDIDATE, email="ann@example.org", name="Ann Example")
    other = make_user(Role.CANDIDATE, email="bob@example.org", name="Bob Other")
    sitting = Sitting(title="December sitting", booking_opens_at=NOW, booking_closes_at=NOW, opens_at=NOW,
                      closes_at=NOW + dt.timedelta(hours=3), duration_s=7200, capacity=10, created_at=NOW)
    db.add(sitting)
    db.flush()
    db.add_all([Booking(sitting_id=sitting.id, candidate_id=candidate.id, booked_at=NOW),
                Booking(sitting_id=sitting.id, candidate_id=other.id, booked_at=NOW)])
    digest = hashlib.sha256(EVIDENCE).hexdigest()
    path = evidence_path(app.config["UPLOAD_FOLDER"], digest)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(EVIDENCE)
    db.add(AdjustmentRequest(candidate_id=candidate.id, extra_time_pct=25, evidence_filename="letter.pdf",
                             evidence_sha256=digest, requested_at=NOW))
    invigilation = log.invigilation_for(db, sitting_id=sitting.id, candidate_id=candidate.id, now=NOW)
    stored = store_media(app.extensions["cop.media"], invigilation_id=invigilation.id, data=PHOTO,
                         content_type="image/png", extension="png")
    log.append(db, invigilation_id=invigilation.id, kind="checkin_photo", now=NOW, media_key=stored.key,
               media_sha256=stored.sha256, media_type=stored.content_type, media_size=stored.size)
    db.add_all([
        MailMessage(user_id=candidate.id, to_address=candidate.email, subject="Your booking", body="Dear Ann",
                    created_at=NOW),
        Notification(user_id=candidate.id, message="Your result is ready", created_at=NOW),
        LoginAttempt(email=candidate.email, client_address="192.0.2.1", is_success=True, attempted_at=NOW),
        Application(reference="APP-2026-000001", applicant_id=candidate.id, status=ApplicationStatus.DRAFT,
                    draft={"employer": "Ann's employer"}, created_at=NOW, updated_at=NOW),
    ])
    db.flush()
    return candidate


def _export(app, db, user):
    with app.app_context():
        return services.export_person(db, actor=SYSTEM, user=user, requested_by="Ann, by email of 1 December",
                                      upload_folder=app.config["UPLOAD_FOLDER"], sealer=sealer_of(app.config),
                                      media_store=app.extensions["cop.media"], now=NOW)


def test_the_export_holds_everything_about_the_person_and_nothing_about_anyone_else(app, db, person):
    export = _export(app, db, person)
    archive = zipfile.ZipFile(io.BytesIO(export.data))
    names = set(archive.namelist())
    assert {"README.txt", "account.json", "delivery.json", "invigilation.json", "mail.json", "notifications.json",
            "eligibility.json", "audit.json"} <= names
    account = json.loads(archive.read("account.json"))
    assert account["users"] == [pytest.approx(account["users"][0])] and account["users"][0]["email"] == "ann@example.org"
    assert account["users"][0]["password_hash"] == "(not included)"
    assert [row["email"] for row in account["login_attempts"]] == ["ann@example.org"]
    assert [grant["role"] for grant in account["role_grants"]] == ["candidate"]
    delivery = json.loads(archive.read("delivery.json"))
    assert [booking["candidate_id"] for booking in delivery["bookings"]] == [person.id]  # not Bob's
    assert delivery["adjustment_requests"][0]["extra_time_pct"] == 25
    invigilation = json.loads(archive.read("invigilation.json"))
    assert [event["kind"] for event in invigilation["invigilation_events"]] == ["checkin_photo"]
    assert json.loads(archive.read("eligibility.json"))["applications"][0]["draft"] == {"employer": "Ann's employer"}
    audit_rows = json.loads(archive.read("audit.json"))["audit_entries"]
    assert {row["action"] for row in audit_rows} == {"account.created"}
    files = {name: archive.read(name) for name in names if name.startswith("files/")}
    assert files == {f"files/adjustments/{delivery['adjustment_requests'][0]['id']}-letter.pdf": EVIDENCE,
                     f"files/invigilation/{invigilation['invigilation_events'][0]['media_key']}": PHOTO}
    assert "bob@example.org" not in export.data.decode("latin-1") and b"Bob Other" not in export.data
    readme = archive.read("README.txt").decode("utf-8")
    assert "Everything the Certificate of Proficiency platform holds about you" in readme
    assert "Your password is not included" in readme
    recorded = db.scalar(select(AuditEntry).where(AuditEntry.action == "privacy.subject_access_export"))
    assert recorded.target_id == str(person.id)
    assert json.loads(recorded.after_summary)["requested_by"] == "Ann, by email of 1 December"


def test_erasure_anonymises_the_account_deletes_what_may_go_keeps_the_evidence_and_is_audited(app, db, person,
                                                                                            make_user):
    admin = make_user(Role.ADMIN)
    version_before = person.session_version
    db.add(PasswordResetToken(user_id=person.id, token_hash="a" * 64, created_at=NOW,
                              expires_at=NOW + dt.timedelta(hours=1)))
    db.flush()
    with app.app_context():
        erasure = services.erase_person(db, actor=admin.actor, user=person, requested_by="Ann, by letter",
                                        upload_folder=app.config["UPLOAD_FOLDER"],
                                        media_store=app.extensions["cop.media"], retention_config=app.config, now=NOW)
    db.expire_all()
    erased = db.get(User, person.id)
    assert erased.email == f"erased-{person.id}@erased.invalid" and erased.full_name == f"Erased person {person.id}"
    assert not erased.is_enabled and erased.session_version == version_before + 1
    assert erased.password_hash == "!erased"
    assert db.scalar(select(MailMessage).where(MailMessage.user_id == person.id)) is None
    assert db.scalar(select(Notification).where(Notification.user_id == person.id)) is None
    assert db.scalar(select(PasswordResetToken).where(PasswordResetToken.user_id == person.id)) is None
    assert db.scalar(select(Application).where(Application.applicant_id == person.id)).draft == {}
    # The evidence stays, pointing to the anonymised account.
    assert db.scalar(select(Booking).where(Booking.candidate_id == person.id)) is not None
    assert db.scalar(select(AdjustmentRequest).where(AdjustmentRequest.candidate_id == person.id)) is not None
    areas = {outcome.area: outcome for outcome in erasure.outcomes}
    assert "name, email address, password and two-factor sign-in" in areas["account"].erased
    assert "keeps for 6 years (legal obligation" in areas["exam evidence, results, certificates, appeals, adjustments and register "
                                      "decisions"].kept
    assert "within their retention period" in areas["invigilation"].kept  # no result released yet: held
    recorded = db.scalar(select(AuditEntry).where(AuditEntry.action == "privacy.erasure"))
    assert recorded.actor_id == admin.id and json.loads(recorded.before_summary) == {"email": "ann@example.org"}
    assert json.loads(recorded.after_summary)["requested_by"] == "Ann, by letter"
    with pytest.raises(services.Conflict, match="already been erased"):
        services.erase_person(db, actor=admin.actor, user=erased, requested_by="again", upload_folder="",
                              media_store=None, retention_config=app.config, now=NOW)


def test_erasure_is_refused_while_an_application_is_being_decided(app, db, person, make_user):
    db.scalar(select(Application).where(Application.applicant_id == person.id)).status = ApplicationStatus.SUBMITTED
    db.flush()
    with pytest.raises(services.Conflict, match="Erasure is refused for now: their application APP-2026-000001 is "
                                                "being decided or appealed."):
        services.erase_person(db, actor=make_user(Role.ADMIN).actor, user=person, requested_by="Ann",
                              upload_folder=app.config["UPLOAD_FOLDER"], media_store=None,
                              retention_config=app.config, now=NOW)
    assert db.get(User, person.id).email == "ann@example.org"


def test_the_cli_exports_and_erases_with_clear_messages(app, runner, db, person, tmp_path):
    output = tmp_path / "ann.zip"
    result = runner.invoke(args=["privacy", "export", "--email", "ann@example.org", "--output", str(output),
                                 "--requested-by", "Ann, by email"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"Export written to {output}:")
    assert "README.txt" in zipfile.ZipFile(output).namelist() and output.stat().st_mode & 0o077 == 0
    result = runner.invoke(args=["privacy", "export", "--email", "nobody@example.org", "--output",
                                 str(tmp_path / "x.zip"), "--requested-by", "x"])
    assert result.exit_code == 1 and result.output == "Error: There is no account for nobody@example.org.\n"
    result = runner.invoke(args=["privacy", "erase", "--email", "ann@example.org", "--requested-by", "Ann"])
    assert result.exit_code == 0 and "Nothing was changed: give --yes to erase." in result.output
    result = runner.invoke(args=["privacy", "erase", "--email", "ann@example.org", "--requested-by", "Ann", "--yes"])
    assert result.exit_code == 0, result.output
    assert f"Account {person.id} erased." in result.output and "kept" in result.output
    recorded = db.scalar(select(AuditEntry).where(AuditEntry.action == "privacy.erasure"))
    assert recorded.actor_label.startswith("command line (")  # who ran it, on this host
    result = runner.invoke(args=["privacy", "erase", "--email", "ann@example.org", "--requested-by", "Ann", "--yes"])
    assert result.exit_code == 1 and "There is no account for ann@example.org." in result.output


def test_the_admin_pages_download_an_export_and_erase_after_confirming(client, db, login_as, person):
    login_as(Role.ADMIN)
    page = client.get(f"/admin/users/{person.id}/privacy")
    assert page.status_code == 200 and "Subject access: export everything held" in page.get_data(as_text=True)
    missing = client.post(f"/admin/users/{person.id}/privacy/export", data={})
    assert missing.status_code == 422 and "Say who asked and how" in missing.get_data(as_text=True)
    download = client.post(f"/admin/users/{person.id}/privacy/export", data={"export-requested_by": "Ann"})
    assert download.status_code == 200 and download.mimetype == "application/zip"
    assert "README.txt" in zipfile.ZipFile(io.BytesIO(download.data)).namelist()
    confirm = client.post(f"/admin/users/{person.id}/privacy/erase", data={"erase-requested_by": "Ann"})
    assert confirm.status_code == 200 and "This cannot be undone." in confirm.get_data(as_text=True)
    assert db.get(User, person.id).email == "ann@example.org"  # nothing changed yet
    done = client.post(f"/admin/users/{person.id}/privacy/erase", data={"erase-requested_by": "Ann",
                                                                          "confirm": "yes"})
    assert done.status_code == 200 and "Personal data erased" in done.get_data(as_text=True)
    db.expire_all()
    assert db.get(User, person.id).email.endswith("@erased.invalid")
