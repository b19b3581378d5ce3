"""The demo's open appeal: the demo candidate appeals their released result of the finished demo
sitting, and the administrator appoints a panel (two registered case managers among the three, none
with a part in the attempt) that has not yet answered or decided, so a person can try the panel's
side: accept at ``/panel``, then record the outcome. An upheld re-mark then appears in the marking
queue of the demo examiner, who leads the sitting's marking and gave none of the candidate's marks.

Run after the results demo. Skipped when the demo candidate already has an appeal in that sitting.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session
from core.sealed import Sealer

DEMO_CANDIDATE = "candidate@example.org"
DEMO_ADMIN = "admin@example.org"
# The writer and the first assessor are registered case managers in the demo; the second assessor is not.
DEMO_PANEL = ("writer@example.org", "assessor@example.org", "second.assessor@example.org")
DEMO_CASE_MANAGERS = DEMO_PANEL[:2]
DEMO_GROUNDS = ["technical_failure"]
DEMO_STATEMENT = ("The questions of the third case study would not load for about twenty minutes, so I could not "
                  "answer them and my feedback shows that theme below the standard. I reported it to the "
                  "invigilator in the chat at the time.")


def load_demo_appeal(session: Session, *, sitting_title: str, now: dt.datetime, window_days: int = 28) -> bool:
    """Lodge the demo appeal and appoint its panel (see the module's docstring). Returns whether it was made."""
    from assessment.accounts.services import find_user_by_email
    from assessment.delivery.models import Sitting
    from assessment.results.appeals import services
    from assessment.results.appeals.models import Appeal
    from assessment.results.models import CandidateResult
    from assessment.results.services import current_release

    sitting = session.scalar(select(Sitting).where(Sitting.title == sitting_title))
    candidate, admin = find_user_by_email(session, DEMO_CANDIDATE), find_user_by_email(session, DEMO_ADMIN)
    members = [find_user_by_email(session, email) for email in DEMO_PANEL]
    if sitting is None or candidate is None or admin is None or None in members:
        return False
    if session.scalar(select(Appeal.id).where(Appeal.sitting_id == sitting.id,
                                              Appeal.candidate_id == candidate.id)) is not None:
        return False
    release = current_release(session, sitting.id)
    result = release and session.scalar(select(CandidateResult).where(CandidateResult.release_id == release.id,
                                                                      CandidateResult.candidate_id == candidate.id))
    if result is None:
        return False
    lodged_at = min(now, release.released_at + dt.timedelta(days=2))
    for member in members:
        if member.email in DEMO_CASE_MANAGERS:
            member.is_registered_case_manager = True
    session.flush()
    appeal = services.lodge_appeal(session, actor=candidate.actor, candidate_result_id=result.id,
                                   grounds=DEMO_GROUNDS, statement=DEMO_STATEMENT, files=[], upload_folder="", sealer=Sealer(""),
                                   scan_command=None, window_days=window_days,
                                   now=lodged_at)
    services.appoint_panel(session, actor=admin.actor, appeal_id=appeal.id, member_ids=[m.id for m in members],
                           reasons="Two registered case managers and a lay member, none with a part in the exam.",
                           now=min(now, lodged_at + dt.timedelta(days=1)))
    return True
