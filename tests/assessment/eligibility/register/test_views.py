"""The register's pages: the public search and entries (signed out, public fields only, escaped,
paged), the verification page showing the holder's live status, the registrant declaring CPD and
renewing in the browser's forms, and the administrators' page."""
from __future__ import annotations

import datetime as dt
import io
import re

from sqlalchemy import select

from assessment.eligibility.models import RegistrationEvent, RegistrationStatus
from assessment.eligibility.register import rules
from core.roles import Role
from tests.assessment.eligibility.register.conftest import DUE, noon
from tests import uploads_data

PDF = uploads_data.pdf("CPD certificate")


def test_the_public_search_signed_out_shows_only_public_fields(client, db, clock, enter):
    person, registration = enter("Siân O'Neill", email="sian.oneill@example.org")
    page = client.get("/register/search?q=si%C3%A2n")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and page.headers["X-Robots-Tag"] == "noindex"
    assert "Siân O&#39;Neill" in html and registration.number in html and "Registered" in html
    assert "23 November 2026" in html
    assert person.email not in html and "sian.oneill" not in html
    assert f"/users/{person.id}" not in html
    by_number = client.get(f"/register/search?q={registration.number.lower()}").get_data(as_text=True)
    assert "1 entry matches" in by_number


def test_a_search_that_matches_nothing_says_so(client, db, clock, enter):
    enter("Rhiannon Evans")
    html = client.get("/register/search?q=Zebedee").get_data(as_text=True)
    assert "No entries match “Zebedee”" in html
    html = client.get("/register/search?q=%25_").get_data(as_text=True)  # a wildcard matches only itself
    assert "No entries match" in html


def test_a_query_too_short_is_refused_beside_the_field(client, db):
    page = client.get("/register/search?q=a")
    assert page.status_code == 422 and "Enter at least 2 characters" in page.get_data(as_text=True)


def test_names_are_escaped(client, db, clock, enter):
    enter("<script>alert(1)</script> Smith")
    html = client.get("/register/search?q=Smith").get_data(as_text=True)
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)&lt;/script&gt; Smith" in html


def test_results_are_paged(client, db, clock, enter):
    for n in range(rules.PAGE_SIZE + 3):
        enter(f"Morgan Jones {n:02d}")
    first = client.get("/register/search?q=morgan").get_data(as_text=True)
    assert "23 entries match" in first and "Page 1 of 2" in first and "Morgan Jones 19" in first
    second = client.get("/register/search?q=morgan&page=2").get_data(as_text=True)
    assert "Morgan Jones 22" in second and "Morgan Jones 00" not in second


def test_one_entry_and_its_status(client, db, clock, enter, admin):
    from assessment.eligibility.register import services

    _person, registration = enter("Rhiannon Evans")
    assert "is a registered case manager" in client.get(f"/register/{registration.number}").get_data(as_text=True)
    services.change_status(db, actor=admin.actor, number=registration.number, action="suspend", reason="Concern",
                           resit_after_lapse_days=365, now=clock.now())
    html = client.get(f"/register/{registration.number}").get_data(as_text=True)
    assert "this entry is suspended" in html and "Concern" not in html  # reasons are not public
    assert client.get(f"/register/{registration.number.lower()}").status_code == 302
    assert client.get("/register/CM-999999").status_code == 404


def test_the_verification_page_shows_the_live_register_status(client, db, clock, app, tmp_path, enter, make_user):
    from assessment.results.certificates import services as certificates
    from tests.assessment.eligibility.register.conftest import release_for

    app.config["CERTIFICATE_KEY_FOLDER"] = str(tmp_path / "keys")
    issuer = certificates.issuer_from_config(app.config)
    person, registration = enter("Rhiannon Evans")
    release = release_for(db, make_user, person, "pass", clock.now())
    examiner = make_user(Role.EXAMINER)
    certificate = certificates.issue_for_release(db, release, examiner.actor, clock.now(), issuer=issuer)[0]
    db.commit()
    html = client.get(f"/verify/{certificate.code}").get_data(as_text=True)
    assert "On the register of case managers" in html and f'href="/register/{registration.number}"' in html
    assert "Registered since 23 November 2026" in html
    following = client.get(f"/register/certificate/{certificate.code}")
    assert following.status_code == 302 and following.headers["Location"].endswith(f"/register/{registration.number}")
    # A holder not on the register.
    other = make_user(Role.CANDIDATE, name="Una Registered")
    second = certificates.issue_for_release(db, release_for(db, make_user, other, "pass", clock.now()),
                                            examiner.actor, clock.now(), issuer=issuer)[0]
    db.commit()
    assert "Not on the register" in client.get(f"/verify/{second.code}").get_data(as_text=True)
    assert "has no entry on the register" in client.get(f"/register/certificate/{second.code}").get_data(as_text=True)


def _login(client, person):
    with client.session_transaction() as flask_session:
        flask_session.clear()
        flask_session["_user_id"] = person.get_id()
        flask_session["_fresh"] = True


def test_a_registrant_declares_cpd_and_renews(client, db, clock, enter):
    person, registration = enter("Rhiannon Evans")
    _login(client, person)
    page = client.get("/register/mine").get_data(as_text=True)
    assert registration.number in page and "Renewal opens on 24 September 2027" in page
    clock.set(noon(DUE - 30 * dt.timedelta(days=1)))
    _login(client, person)  # a new session: the old one timed out while the clock moved on
    wrong = client.post("/register/mine/cpd", data={"cpd-activity_on": "2030-01-01", "cpd-category": "",
                                                    "cpd-hours": "abc", "cpd-description": "",
                                                    "cpd-evidence": (io.BytesIO(b"MZ"), "tool.exe")},
                        content_type="multipart/form-data")
    html = wrong.get_data(as_text=True)
    assert wrong.status_code == 422
    assert "Enter the hours as a number" in html
    assert db.scalars(select(RegistrationEvent).where(RegistrationEvent.kind == "cpd_declared")).all() == []
    wrong = client.post("/register/mine/cpd", data={"cpd-activity_on": "2030-01-01", "cpd-category": "",
                                                    "cpd-hours": "2", "cpd-description": "",
                                                    "cpd-evidence": (io.BytesIO(b"MZ"), "tool.exe")},
                        content_type="multipart/form-data")
    html = wrong.get_data(as_text=True)
    assert wrong.status_code == 422 and "today or in the past" in html and "Choose the category" in html
    assert "tool.exe must be a PDF, PNG or JPEG" in html
    wrong = client.post("/register/mine/cpd", data={
        "cpd-activity_on": "2027-10-01", "cpd-category": "clinical", "cpd-hours": "2",
        "cpd-description": "Brain injury study day",
        "cpd-evidence": (io.BytesIO(uploads_data.pdf_with_embedded_file()), "attendance.pdf")},
        content_type="multipart/form-data")
    assert wrong.status_code == 422
    assert "attendance.pdf has other files attached inside it" in uploads_data.error_beside(wrong.text, "cpd-evidence")
    assert db.scalars(select(RegistrationEvent).where(RegistrationEvent.kind == "cpd_declared")).all() == []
    for hours, category in (("20", "clinical"), ("10.5", "other")):
        done = client.post("/register/mine/cpd", data={
            "cpd-activity_on": "2027-10-01", "cpd-category": category, "cpd-hours": hours,
            "cpd-description": "Brain injury study day", "cpd-evidence": (io.BytesIO(PDF), "attendance.pdf")},
            content_type="multipart/form-data")
        assert done.status_code == 302, done.get_data(as_text=True)
    page = client.get("/register/mine").get_data(as_text=True)
    assert "30.5 hours of 30 hours" in page and "attendance.pdf" in page
    declaration_id = int(re.search(r"/register/mine/cpd/(\d+)/evidence", page).group(1))
    download = client.get(f"/register/mine/cpd/{declaration_id}/evidence")
    assert download.status_code == 200 and download.data == PDF
    download.close()
    renewed = client.post("/register/mine/renew", data={})
    assert renewed.status_code == 302
    db.refresh(registration)
    assert registration.renewal_due_on == dt.date(2028, 11, 23)
    assert "23 November 2028" in client.get("/register/mine").get_data(as_text=True)
    # Another person's evidence is not found.
    other, _ = enter("Someone Else")
    _login(client, other)
    assert client.get(f"/register/mine/cpd/{declaration_id}/evidence").status_code == 404


def test_renewing_without_the_cpd_says_why(client, db, clock, enter):
    person, _registration = enter("Rhiannon Evans")
    clock.set(noon(DUE - 10 * dt.timedelta(days=1)))
    _login(client, person)
    page = client.post("/register/mine/renew", data={})
    assert page.status_code == 422 and "declare 30 hours more" in page.get_data(as_text=True)


def test_withdrawing_a_declaration(client, db, clock, enter):
    person, registration = enter("Rhiannon Evans")
    clock.set(noon(dt.date(2027, 2, 1)))
    _login(client, person)
    client.post("/register/mine/cpd", data={"cpd-activity_on": "2027-01-15", "cpd-category": "clinical",
                                            "cpd-hours": "3", "cpd-description": "Reading group"})
    page = client.get("/register/mine").get_data(as_text=True)
    declaration_id = int(re.search(r"/register/mine/cpd/(\d+)/withdraw", page).group(1))
    assert client.post(f"/register/mine/cpd/{declaration_id}/withdraw", data={}).status_code == 302
    page = client.get("/register/mine").get_data(as_text=True)
    assert "Withdrawn" in page and "0 hours of 30 hours" in page
    again = client.post(f"/register/mine/cpd/{declaration_id}/withdraw", data={})
    assert again.status_code == 422 and "already withdrawn" in again.get_data(as_text=True)


def test_a_person_not_on_the_register(client, db, login_as):
    login_as(Role.CANDIDATE)
    assert "You are not on the register" in client.get("/register/mine").get_data(as_text=True)


def test_the_administrator_suspends_and_records_an_outcome(client, db, clock, enter, login_as):
    person, registration = enter("Rhiannon Evans")
    login_as(Role.ADMIN)
    listing = client.get("/register/manage").get_data(as_text=True)
    assert registration.number in listing and "Rhiannon Evans" in listing
    page = client.post(f"/register/manage/{registration.number}/status", data={"status-action": "suspend",
                                                                              "status-reason": ""})
    assert page.status_code == 422 and "Give the reasons" in page.get_data(as_text=True)
    done = client.post(f"/register/manage/{registration.number}/status",
                       data={"status-action": "suspend", "status-reason": "A concern about records"})
    db.refresh(registration)
    assert done.status_code == 302 and registration.status == RegistrationStatus.SUSPENDED
    done = client.post(f"/register/manage/{registration.number}/fitness-to-practise",
                       data={"ftp-outcome": "Retraining required", "ftp-resit_required": "y",
                             "ftp-reason": "The panel's findings"})
    assert done.status_code == 302
    page = client.get(f"/register/manage/{registration.number}").get_data(as_text=True)
    assert "A resit is required" in page and "Retraining required; a resit is required" in page
    refused = client.post(f"/register/manage/{registration.number}/status",
                          data={"status-action": "restore", "status-reason": "Back"})
    assert refused.status_code == 422 and "A resit is required" in refused.get_data(as_text=True)
    db.refresh(registration)
    assert registration.status == RegistrationStatus.SUSPENDED
    _login(client, person)
    assert "A resit is required" in client.get("/register/mine").get_data(as_text=True)

