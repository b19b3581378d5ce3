"""The fairness report of invigilation flags in a real browser: an examiner chooses a sitting and a
monitoring question (links and buttons from the keyboard) and reads the rates and the group comparison (a small
group suppressed), at 1280 and 320 px wide, axe-core on every page."""
from __future__ import annotations

import datetime as dt
import itertools

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import DEMO_PASSWORD
from tests.browser.test_foundation_journeys import sign_in

pytestmark = pytest.mark.browser
_ids = itertools.count(1)
T0 = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.timezone.utc)


def _press(page, locator, key: str = "Enter"):
    locator.focus()
    page.keyboard.press(key)


def _sitting_with_flags(live) -> tuple[str, str]:
    """A sitting of eight invigilated candidates (Alpha 3, Beta 3, Gamma 2) with flags, and a
    monitoring question with a key of its own; returns the sitting's and the question's titles."""
    from assessment.accounts import services as accounts
    from assessment.accounts.monitoring import services as monitoring
    from assessment.delivery.models import Sitting
    from core import db
    from core.roles import SYSTEM, Role
    from proctoring import log
    from proctoring.models import FlagReview, InvigilationFlag
    from proctoring.rules import FlagDecision, FlagKind, Severity

    n = next(_ids)
    title, text = f"Fairness sitting {n}", f"Which fairness group are you in ({n})?"
    with live.app.app_context():
        session = db.session()
        admin = accounts.find_user_by_email(session, "admin@example.org")
        question = monitoring.add_question(session, actor=admin.actor, now=T0, text=text,
                                           options_text="Alpha\nBeta\nGamma", key=f"fairness-{n}")
        option = {o.value: o.id for o in question.options}
        sitting = Sitting(title=title, is_practice=False, booking_opens_at=T0 - dt.timedelta(days=30),
                          booking_closes_at=T0 - dt.timedelta(days=1), opens_at=T0, closes_at=T0 + dt.timedelta(hours=8),
                          duration_s=3600, capacity=20, requires_invigilation=True, created_at=T0 - dt.timedelta(days=31))
        session.add(sitting)
        session.flush()
        invigilator = accounts.find_user_by_email(session, "invigilator@example.org") or admin
        for m, (group, flags) in enumerate([("alpha", [FlagDecision.DISMISSED]), ("alpha", [None]), ("alpha", []),
                                            ("beta", [FlagDecision.CONFIRMED]), ("beta", []), ("beta", []),
                                            ("gamma", []), ("gamma", [])]):
            person = accounts.create_user(session, actor=SYSTEM, email=f"fair{n}.{m}@example.org",
                                          full_name=f"Fair Candidate {m}", password=DEMO_PASSWORD,
                                          roles={Role.CANDIDATE}, now=T0, hash_profile="fast")
            monitoring.give_consent(session, actor=person.actor, now=T0)
            monitoring.save_answers(session, actor=person.actor, now=T0, answers={question.id: option[group]})
            invigilation = log.invigilation_for(session, sitting_id=sitting.id, candidate_id=person.id, now=T0)
            for decision in flags:
                flag = InvigilationFlag(invigilation_id=invigilation.id, kind=FlagKind.NO_FACE, severity=Severity.MEDIUM,
                                        starts_at=T0, evidence_event_ids=[], policy_version="1", raised_at=T0)
                session.add(flag)
                session.flush()
                if decision is not None:
                    session.add(FlagReview(flag_id=flag.id, decision=decision, note="Looked", reviewer_id=invigilator.id,
                                           reviewed_at=T0 + dt.timedelta(hours=1)))
        session.commit()
    return title, text


def test_an_examiner_reads_the_fairness_report(page, live):
    title, question = _sitting_with_flags(live)
    live.app.config["DIF_MIN_GROUP"] = 3
    try:
        sign_in(page, "examiner@example.org")
        _press(page, page.get_by_role("link", name="Flag fairness"))
        expect(page.get_by_role("heading", name="Fairness of invigilation flags")).to_be_visible()
        page.checked("fairness-every-sitting")
        sitting = page.get_by_label("Sitting", exact=True)
        sitting.focus()
        sitting.select_option(label=title)
        page.get_by_label("Compare the groups of").select_option(label=question)
        _press(page, page.get_by_role("button", name="Show the report"))
        expect(page.get_by_role("heading", name=f"Flag rates: {title}")).to_be_visible()
        every = page.get_by_role("table", name=f"Flags of every kind, {title}: 8 candidates")
        expect(every).to_be_visible()
        expect(every.get_by_role("row", name="No face seen")).to_contain_text("3 of 8 (37.5%)")
        compared = page.get_by_role("table", name="Flagged at least once: each group against the rest")
        expect(compared.get_by_role("row", name="Alpha")).to_contain_text("2 (66.7%)")
        expect(compared.get_by_role("row", name="Gamma")).to_contain_text(
            "Fewer than 3 candidates in this group or in the rest: not reported.")
        expect(page.get_by_role("heading", name="Reading many comparisons at once")).to_be_visible()
        page.checked("fairness-groups")
        page.set_viewport_size({"width": 320, "height": 800})
        expect(compared).to_be_visible()
        page.checked("fairness-groups-320")
        page.set_viewport_size({"width": 1280, "height": 900})
        # A scrollable table is a focusable region, so a keyboard user can scroll it.
        region = page.get_by_role("region", name="Flagged at least once: each group against the rest")
        region.focus()
        expect(region).to_be_focused()
        page.goto("/invigilation/fairness?sitting=999999")
        expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
        page.checked("fairness-error")
    finally:
        live.app.config["DIF_MIN_GROUP"] = 30
