"""Demo data for ``make run`` and ``cop demo load``: loading twice changes nothing."""
from __future__ import annotations

import datetime as dt
import json
import secrets
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from core.roles import SYSTEM, Role
from assessment.accounts import services as accounts
from item_bank.framework import services as framework
from item_bank.framework.rules import BUNDLED_FRAMEWORK

DEMO_BANK = BUNDLED_FRAMEWORK.parent.parent / "demo_bank.json"

DEMO_ACCOUNTS: list[tuple[str, str, set[Role]]] = [
    ("candidate@example.org", "Casey Candidate", {Role.CANDIDATE}),
    # Remote invigilation: checked in for the sitting open now, waiting for a person to check their ID.
    ("second.candidate@example.org", "Jordan Second-Candidate", {Role.CANDIDATE}),
    ("writer@example.org", "Wren Writer", {Role.ITEM_WRITER}),
    ("reviewer@example.org", "Robin Reviewer", {Role.ITEM_REVIEWER}),
    # One person holds two roles, as senior examiners often review items too.
    ("examiner@example.org", "Emery Examiner", {Role.EXAMINER, Role.ITEM_REVIEWER}),
    # The first and second markers of the finished demo sitting (the demo examiner leads and third-marks).
    ("marker@example.org", "Morgan Marker", {Role.EXAMINER}),
    ("second.marker@example.org", "Sam Second-Marker", {Role.EXAMINER}),
    ("invigilator@example.org", "Indra Invigilator", {Role.INVIGILATOR}),
    ("admin@example.org", "Ada Administrator", {Role.ADMIN}),
    # Registration assessors: two decide each application independently in the initial period; a
    # third settles a disagreement.
    ("assessor@example.org", "Asha Assessor", {Role.ASSESSOR}),
    ("second.assessor@example.org", "Bryn Second-Assessor", {Role.ASSESSOR}),
    ("third.assessor@example.org", "Cass Third-Assessor", {Role.ASSESSOR}),
]


@dataclass
class DemoOutcome:
    created: list[str] = field(default_factory=list)
    existing: list[str] = field(default_factory=list)
    password: str | None = None
    password_generated: bool = False
    framework_created: bool = False
    case_studies_created: int = 0
    finished_sitting_created: bool = False


def load_demo(session: Session, *, now: dt.datetime, password: str | None, hash_profile: str,
              with_scored_sitting: bool = True, totp_secret: str | None = None,
              secret_key: str | None = None) -> DemoOutcome:
    """The demo data. ``with_scored_sitting=False`` leaves out the finished, marked and scored sitting
    of 300 simulated candidates (about 30 s), for tests that need only the bank, papers and sittings.

    ``totp_secret`` (with the app's ``secret_key``, which encrypts it) enrols every demo staff account
    created now in two-factor sign-in with that known secret, for tests that sign in through the
    pages. Without it (``cop demo load``) no one is enrolled: each staff account sets up its
    authenticator app at its first sign-in."""
    outcome = DemoOutcome()
    document = json.loads(BUNDLED_FRAMEWORK.read_text(encoding="utf-8"))
    outcome.framework_created = framework.import_framework(session, actor=SYSTEM, document=document,
                                                           now=now).created
    missing = [entry for entry in DEMO_ACCOUNTS if accounts.find_user_by_email(session, entry[0]) is None]
    if missing and not password:
        password = secrets.token_urlsafe(12)
        outcome.password_generated = True
    outcome.password = password if missing else None
    for email, name, roles in DEMO_ACCOUNTS:
        if accounts.find_user_by_email(session, email) is not None:
            outcome.existing.append(email)
            continue
        user = accounts.create_user(session, actor=SYSTEM, email=email, full_name=name, password=password,
                                    roles=roles, now=now, hash_profile=hash_profile)
        outcome.created.append(email)
        if totp_secret and secret_key and accounts.requires_second_factor(user):
            from assessment.accounts import two_factor_services

            two_factor_services.enrol_with_secret(session, actor=SYSTEM, user_id=user.id, secret=totp_secret,
                                                  now=now, secret_key=secret_key)
    outcome.case_studies_created = load_demo_bank(session, now=now)
    from assessment.accounts.monitoring.services import seed_default_questions

    seed_default_questions(session, now=now)  # equality monitoring: the default questions, all asked
    load_demo_papers_and_sittings(session, now=now)
    if with_scored_sitting:
        from assessment.demo_scoring import FINISHED_SITTING_TITLE, load_finished_sitting

        outcome.finished_sitting_created = load_finished_sitting(session, now=now, hash_profile=hash_profile)
        from scoring.standard_setting.demo import load_standard_setting_exercise

        load_standard_setting_exercise(session, now=now, sitting_title=FINISHED_SITTING_TITLE)
    return outcome


# The demo spec: three case studies, 40–50 marks, all four themes within wide bands. Two disjoint
# triples of the approved demo bank meet it, so automatic assembly can build two parallel papers.
DEMO_SPEC_TITLE = "Certificate of Proficiency – demo specification"
DEMO_PAPER_TITLE = "Certificate of Proficiency – demo paper A"
DEMO_PAPER_KEYS = ("capacity-best-interests", "rtc-brain-injury", "child-cerebral-palsy")
PRACTICE_SPEC_TITLE = "Practice exam specification"
PRACTICE_PAPER_TITLE = "Practice exam"
PRACTICE_PAPER_KEYS = ("supervision-caseload-leadership",)


def _spec_fields(title: str, total: int, tolerance: int, n_case_studies: int, duration_min: int,
                 themes: dict[str, tuple[int, int]]):
    from item_bank.papers.rules import SpecFields

    return SpecFields(title=title, total_marks=total, total_marks_tolerance=tolerance, duration_min=duration_min,
                      min_case_studies=n_case_studies, max_case_studies=n_case_studies, theme_marks=themes)


def _published_paper(session: Session, *, examiner, spec_title: str, fields, paper_title: str, keys, now, practice):
    from sqlalchemy import select

    from item_bank.models import CaseStudyVersion, ExamPaper, ExamSpec
    from item_bank.papers import services as papers

    paper = session.scalar(select(ExamPaper).where(ExamPaper.title == paper_title))
    if paper is not None:
        return paper
    spec = session.scalar(select(ExamSpec).where(ExamSpec.title == spec_title)) or \
        papers.create_spec(session, actor=examiner.actor, fields=fields, now=now)
    paper = papers.create_paper(session, actor=examiner.actor, spec_id=spec.id, title=paper_title, now=now)
    titles = {case["key"]: case["title"] for case in json.loads(DEMO_BANK.read_text(encoding="utf-8"))["case_studies"]}
    for key in keys:
        version = session.scalar(select(CaseStudyVersion).where(CaseStudyVersion.title == titles[key])
                                 .order_by(CaseStudyVersion.number))
        papers.add_case_study(session, actor=examiner.actor, paper_id=paper.id, case_study_id=version.case_study_id,
                              now=now)
    paper.is_practice = practice
    return papers.publish_paper(session, actor=examiner.actor, paper_id=paper.id, now=now)


def load_demo_papers_and_sittings(session: Session, *, now: dt.datetime) -> None:
    """The demo spec and a published paper that meets it; a practice paper; an always-open practice
    sitting, a sitting open now (the demo candidate is booked) and one taking bookings."""
    from sqlalchemy import select

    from assessment.delivery.models import Booking, Sitting, SittingPaper

    examiner = accounts.find_user_by_email(session, "examiner@example.org")
    candidate = accounts.find_user_by_email(session, "candidate@example.org")
    admin = accounts.find_user_by_email(session, "admin@example.org")
    if examiner is None or candidate is None:
        return
    paper = _published_paper(
        session, examiner=examiner, spec_title=DEMO_SPEC_TITLE, paper_title=DEMO_PAPER_TITLE, keys=DEMO_PAPER_KEYS,
        fields=_spec_fields(DEMO_SPEC_TITLE, 45, 5, 3, 90, {"A": (15, 10), "B": (25, 12), "C": (4, 4), "D": (1, 1)}),
        now=now, practice=False)
    practice = _published_paper(
        session, examiner=examiner, spec_title=PRACTICE_SPEC_TITLE, paper_title=PRACTICE_PAPER_TITLE,
        keys=PRACTICE_PAPER_KEYS,
        fields=_spec_fields(PRACTICE_SPEC_TITLE, 14, 4, 1, 20, {"A": (2, 2), "B": (2, 2), "C": (10, 4), "D": (2, 2)}),
        now=now, practice=True)
    day = dt.timedelta(days=1)
    sittings = [
        ("Practice exam (always open)", practice, True, now - 30 * day, now - 30 * day, now - day, now + 3650 * day,
         20 * 60, False),
        ("Winter 2026 sitting (open now)", paper, False, now - 14 * day, now - dt.timedelta(minutes=1),
         now - dt.timedelta(hours=1), now + 7 * day, 90 * 60, True),
        ("Spring 2027 sitting", paper, False, now - day, now + 60 * day, now + 75 * day, now + 76 * day, 90 * 60, True),
    ]
    for title, exam_paper, is_practice, b_open, b_close, opens, closes, duration_s, invigilated in sittings:
        if session.scalar(select(Sitting.id).where(Sitting.title == title)) is not None:
            continue
        sitting = Sitting(title=title, is_practice=is_practice, booking_opens_at=b_open, booking_closes_at=b_close,
                          opens_at=opens, closes_at=closes, duration_s=duration_s, capacity=500,
                          requires_invigilation=invigilated, created_by_id=admin.id if admin else None, created_at=now)
        session.add(sitting)
        session.flush()
        session.add(SittingPaper(sitting_id=sitting.id, exam_paper_id=exam_paper.id))
        if title.startswith("Winter"):
            session.add(Booking(sitting_id=sitting.id, candidate_id=candidate.id, booked_at=now - 7 * day))
            session.flush()
            _approved_checkin(session, sitting_id=sitting.id, candidate_id=candidate.id, now=now)
    session.flush()


def _approved_checkin(session: Session, *, sitting_id: int, candidate_id: int, now: dt.datetime) -> None:
    """The demo candidate consented when booking the invigilated Winter sitting and the demo
    invigilator approved their check-in this morning, so `make run`'s demo lets them start."""
    from proctoring import log
    from proctoring.rules import LogKind

    invigilator = accounts.find_user_by_email(session, "invigilator@example.org")
    invigilation = log.invigilation_for(session, sitting_id=sitting_id, candidate_id=candidate_id,
                                        now=now - dt.timedelta(days=7))
    log.append(session, invigilation_id=invigilation.id, kind=LogKind.CONSENT_GIVEN, now=now - dt.timedelta(days=7),
               actor_id=candidate_id, payload={"notice_version": "2026-12"})
    log.append(session, invigilation_id=invigilation.id, kind=LogKind.CHECKIN_APPROVED,
               now=now - dt.timedelta(minutes=30), actor_id=invigilator.id if invigilator else None,
               reason="Demo: photo and ID compared by the demo invigilator")


def load_demo_bank(session: Session, *, now: dt.datetime) -> int:
    """Write the demo case studies as the demo writer and take each through review as the demo
    reviewer, so the data has the same history real data would. Skips titles already present."""
    from sqlalchemy import select

    from item_bank.authoring import services as authoring
    from item_bank.models import CaseStudy, CaseStudyVersion
    from item_bank.review import services as review
    from item_bank.workflow import Action

    writer = accounts.find_user_by_email(session, "writer@example.org")
    reviewer = accounts.find_user_by_email(session, "reviewer@example.org")
    if writer is None or reviewer is None:
        return 0
    existing = set(session.scalars(select(CaseStudyVersion.title).join(CaseStudy).where(
        CaseStudy.author_id == writer.id)))
    paths = {
        "draft": [], "submitted": [Action.SUBMIT], "in_review": [Action.SUBMIT, Action.START_REVIEW],
        "approved": [Action.SUBMIT, Action.START_REVIEW, Action.APPROVE],
        "changes_requested": [Action.SUBMIT, Action.START_REVIEW, Action.REQUEST_CHANGES],
    }
    created = 0
    for case in json.loads(DEMO_BANK.read_text(encoding="utf-8"))["case_studies"]:
        if case["title"] in existing:
            continue
        version = authoring.create_case_study(session, actor=writer.actor, title=case["title"],
                                              scenario_html=case["scenario"], now=now)
        for content in case["items"]:
            authoring.save_item(session, actor=writer.actor, version_id=version.id, content=content, now=now)
        for action in paths[case["status"]]:
            actor = writer.actor if action == Action.SUBMIT else reviewer.actor
            comment = "Please make the distractors in item 2 more plausible." \
                if action == Action.REQUEST_CHANGES else ""
            review.transition(session, actor=actor, version_id=version.id, action=action, comment=comment, now=now)
        second = case.get("second_version")
        if second:
            revised = authoring.start_new_version(session, actor=writer.actor, case_study_id=version.case_study_id,
                                                  change_note=second["scenario_change"], now=now)
            authoring.update_case_study(session, actor=writer.actor, version_id=revised.id, title=case["title"],
                                        scenario_html=second["scenario"], now=now)
        created += 1
    return created
