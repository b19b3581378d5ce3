"""A sitting of twelve invigilated candidates with consented monitoring answers and flags:
Alpha 4 (three flagged: no face, one of them dismissed), Beta 4 (one flagged: tab hidden, confirmed),
Gamma 2 (too few to report with a minimum of 3), one "Prefer not to say" (flagged) and one who never
consented. A second sitting holds two more candidates, one of them flagged."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest

from core.roles import Role
from assessment.accounts.monitoring import services as monitoring
from proctoring import log
from proctoring.models import FlagReview, InvigilationFlag
from proctoring.rules import FlagDecision, FlagKind, Severity

T0 = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.timezone.utc)


@dataclass
class FairnessData:
    sitting: object
    other_sitting: object
    question: object
    units: dict  # name → invigilation


@pytest.fixture
def fairness_data(db, make_user, make_sitting, invigilated_sitting):
    admin = make_user(Role.ADMIN)
    question = monitoring.add_question(db, actor=admin.actor, now=T0, text="Which group are you in?",
                                       options_text="Alpha\nBeta\nGamma", key="group")
    option = {o.value: o.id for o in question.options}
    other = make_sitting()
    other.title = "Another sitting"
    other.requires_invigilation = True
    db.flush()
    reviewer = make_user(Role.INVIGILATOR)
    units = {}

    def candidate(name, answer, sitting=invigilated_sitting, consent=True):
        person = make_user(Role.CANDIDATE, name=name)
        if consent:
            monitoring.give_consent(db, actor=person.actor, now=T0)
            monitoring.save_answers(db, actor=person.actor, now=T0, answers={question.id: option[answer]})
        units[name] = log.invigilation_for(db, sitting_id=sitting.id, candidate_id=person.id, now=T0)
        return person

    for n in range(1, 5):
        candidate(f"a{n}", "alpha")
        candidate(f"b{n}", "beta")
    candidate("g1", "gamma")
    candidate("g2", "gamma")
    candidate("pnts", "prefer_not_to_say")
    candidate("none", None, consent=False)
    candidate("x1", "alpha", sitting=other)
    candidate("x2", "beta", sitting=other)

    def flag(name, kind, decision=None, minute=0):
        row = InvigilationFlag(invigilation_id=units[name].id, kind=kind, severity=Severity.MEDIUM,
                               starts_at=T0 + dt.timedelta(minutes=minute), evidence_event_ids=[],
                               policy_version="1", raised_at=T0)
        db.add(row)
        db.flush()
        if decision is not None:
            db.add(FlagReview(flag_id=row.id, decision=decision, note="Looked at it", reviewer_id=reviewer.id,
                              reviewed_at=T0 + dt.timedelta(hours=1)))
            db.flush()

    flag("a1", FlagKind.NO_FACE, FlagDecision.DISMISSED)
    flag("a2", FlagKind.NO_FACE)
    flag("a3", FlagKind.NO_FACE, FlagDecision.CONFIRMED)
    flag("b1", FlagKind.TAB_HIDDEN, FlagDecision.CONFIRMED)
    flag("pnts", FlagKind.NO_FACE, FlagDecision.DISMISSED)
    flag("x1", FlagKind.TAB_HIDDEN, FlagDecision.DISMISSED)
    return FairnessData(invigilated_sitting, other, question, units)
