"""Demo applicants and their applications: one draft, the rest submitted with realistic facts, for
the decisions part's demo to move into each state. Loading twice changes nothing."""
from __future__ import annotations

import datetime as dt
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from assessment.accounts import services as accounts
from assessment.eligibility.applications import rules, services
from assessment.eligibility.applications.models import ApplicationDocument
from assessment.eligibility.models import Application, ApplicationStatus
from core.roles import SYSTEM, Role
from core.uploads import plain_pdf
from core.sealed import Sealer

DEMO_PDF = plain_pdf("Demo supporting document: not a real record")  # a real PDF: uploads are parsed
# Outside an app (a script, a test without one): the shipped configuration's dates.
DEMO_SETTINGS = services.Settings(certificate_available_from=dt.date(2027, 9, 1),
                                  bands=rules.parse_bands("15:2026-11-01,10:2027-01-04,5:2027-03-01,0:2027-05-04"))


def _role(kind: str, start: str, *, end: str = "", fte: str = "1", country: str = "UK", **extra) -> dict:
    role = rules.empty_role()
    role.update(role=kind, start=start, end=end, current=not end, fte=fte, country=country, **extra)
    return role


def _draft(roles_: list[dict], *, current: str = "cm", member: str = "BABICM", uk_share: str = "100") -> dict:
    return {"roles": roles_, "current_role": current, "uk_share": uk_share, "member": member,
            "membership_number": "M-" + member if member else "", "competent": True, "standards": True,
            "uk_practice": True}


# (e-mail, name, draft, documents by kind, submitted?). Everyone has 15 or more years as a case
# manager or in training (the first band is open from 1 November 2026), except the one still drafting.
APPLICANTS = [
    ("applicant1@example.org", "Alex Applicant",
     _draft([_role("cm", "2008-09-01")]), ["membership_evidence"], True),
    ("applicant2@example.org", "Bea Bridges",
     _draft([_role("regulated_profession", "1998-01-05", end="2010-03-31", profession="occupational therapist",
                   regulator="HCPC", registration_number="OT12345"),
             _role("cm", "2010-04-01", fte="0.6")], member="CMSUK"), ["membership_evidence"], True),
    ("applicant3@example.org", "Cal Chen",
     _draft([_role("cm_training", "2009-01-05", end="2011-01-04"), _role("cm", "2011-01-05", fte="0.8")],
            member="VRA"), ["membership_evidence"], True),
    ("applicant4@example.org", "Dee Dlamini",
     _draft([_role("cm", "2005-02-01", end="2012-12-31", country="South Africa"),
             _role("cm", "2013-01-07")], uk_share="90"), ["membership_evidence", "overseas_experience"], True),
    ("applicant5@example.org", "Eli Evans",
     _draft([_role("cm", "2009-06-01", fte="0.6", job="Evans Rehab", job_fte="1",
                   split_note="Three days a week case management, two days physiotherapy for other clients"),
             _role("treatment", "2009-06-01", fte="0.4", job="Evans Rehab", job_fte="1", profession="physiotherapist",
                   regulator="HCPC", registration_number="PH55555",
                   split_note="Three days a week case management, two days physiotherapy for other clients")]),
     ["membership_evidence", "dual_role_split"], True),
    ("applicant6@example.org", "Fran Foster",
     _draft([_role("cm", "2001-01-08", end="2016-12-31"), _role("supervisor", "2017-01-02")],
            current="supervision", member="CMSUK"), ["membership_evidence"], True),
    ("applicant7@example.org", "Gus Grant",
     _draft([_role("cm", "2010-10-04", fte="0.5"), _role("assistant", "2007-01-08", end="2010-10-01")],
            member=""), [], True),
    ("applicant8@example.org", "Hana Hughes",
     _draft([_role("cm_training", "2022-03-01")]), [], False),
]


def load_demo(session: Session, *, now: dt.datetime, password: str | None, hash_profile: str,
              settings: services.Settings | None = None, upload_folder: str | None = None,
              sealer: Sealer | None = None) -> dict:
    """Eight applicant accounts (applicant1@example.org …): seven applications submitted, one draft.
    Returns {"submitted": [application ids], "draft": [ids], "created": [e-mails], "password": the
    password given to new accounts (generated when none was given)}. ``settings`` defaults to the
    shipped configuration's certificate date and bands; ``upload_folder`` (config UPLOAD_FOLDER), when
    given, stores the demo documents as files too."""
    if settings is None:
        from flask import current_app, has_app_context

        settings = services.Settings.from_config(current_app.config) if has_app_context() else DEMO_SETTINGS
    outcome: dict = {"submitted": [], "draft": [], "created": [], "password": None}
    missing = [a for a in APPLICANTS if accounts.find_user_by_email(session, a[0]) is None]
    if missing and not password:
        password = secrets.token_urlsafe(12)
    outcome["password"] = password if missing else None
    for email, name, draft, kinds, submit in APPLICANTS:
        person = accounts.find_user_by_email(session, email)
        if person is None:
            person = accounts.create_user(session, actor=SYSTEM, email=email, full_name=name, password=password,
                                          roles={Role.CANDIDATE}, now=now, hash_profile=hash_profile)
            outcome["created"].append(email)
        existing = session.scalar(select(Application).where(Application.applicant_id == person.id)
                                  .order_by(Application.id).limit(1))
        if existing is not None:  # loaded before: report it where it started
            (outcome["draft"] if existing.status == ApplicationStatus.DRAFT and not submit
             else outcome["submitted"]).append(existing.id)
            continue
        actor = person.actor
        application = services.start_application(session, actor=actor, now=now)
        services.save_draft(session, actor=actor, application_id=application.id, draft=draft, now=now)
        for kind in kinds:
            if upload_folder and sealer:
                services.add_document(session, actor=actor, application_id=application.id, kind=kind, now=now,
                                      upload=services.UploadedFile(f"{kind}.pdf", DEMO_PDF),
                                      upload_folder=upload_folder, sealer=sealer, scan_command=None)
            else:  # the record only (tests, or no upload folder): the download says the file is missing
                import hashlib

                session.add(ApplicationDocument(application_id=application.id, kind=kind, filename=f"{kind}.pdf",
                                                content_type="application/pdf", size_bytes=len(DEMO_PDF),
                                                sha256=hashlib.sha256(DEMO_PDF).hexdigest(),
                                                uploaded_by_id=person.id, uploaded_at=now))
                session.flush()
        if submit:
            services.submit(session, actor=actor, application_id=application.id, settings=settings, now=now)
            outcome["submitted"].append(application.id)
        else:
            outcome["draft"].append(application.id)
    return outcome
