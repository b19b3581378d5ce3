"""A scored sitting (candidates sat the paper through the real delivery services, one final run)
and cut-score decisions inserted as rows (the cut-score services are another package's)."""
import datetime as dt
from types import SimpleNamespace

import pytest

from core.roles import Role
from tests.scoring.runs.conftest import AFTER, answers_for, examiner, sat_sitting  # noqa: F401 - fixtures
from tests.assessment.delivery.conftest import (T0, booked_candidate, make_published_paper,  # noqa: F401
                                                make_sitting)

RELEASED_AT = AFTER + dt.timedelta(days=20)


@pytest.fixture
def make_decision(db, make_user):
    """``make(sitting, run, pass_mark, approved=True)`` → a cut-score decision (and its approval by a
    second examiner), as the cut-score package would record them."""
    from scoring.cut_scores.models import CutScoreApproval, CutScoreDecision

    def make(sitting, run, pass_mark, *, approved=True, decided_by=None):
        decided_by = decided_by or make_user(Role.EXAMINER)
        decision = CutScoreDecision(sitting_id=sitting.id, scoring_run_id=run.id, method="angoff",
                                    raw_cut=pass_mark - 0.4, standard_error=0.5, policy={"rounding": "up"},
                                    pass_mark=pass_mark, reasons="The panel's Angoff cut, rounded up",
                                    decided_by_id=decided_by.id, decided_at=AFTER + dt.timedelta(days=10))
        db.add(decision)
        db.flush()
        if approved:
            db.add(CutScoreApproval(decision_id=decision.id, approved_by_id=make_user(Role.EXAMINER).id,
                                    approved_at=AFTER + dt.timedelta(days=11), comment="Agreed"))
            db.flush()
        return decision

    return make


@pytest.fixture
def scored(db, sat_sitting, examiner, make_decision):
    """Twelve candidates on a paper of six single best answers (themes A, B and C), one final run, and
    an approved decision with a pass mark of 3."""
    from scoring.runs import services as runs

    sitting, people = sat_sitting(12)
    run = runs.run_scoring(db, actor=examiner.actor, sitting_id=sitting.id, now=AFTER)
    decision = make_decision(sitting, run, 3.0)
    return SimpleNamespace(sitting=sitting, people=people, run=run, decision=decision, examiner=examiner)


def issuer_for_tests():
    """The certificate issuer a release needs: this test process's own key folder (tests/conftest.py
    sets COP_CERTIFICATE_KEY_FOLDER per process) and the register's address."""
    import os

    from assessment.results.certificates.services import issuer_from_config

    return issuer_from_config({"BASE_URL": "https://register.example.org",
                               "CERTIFICATE_KEY_FOLDER": os.environ["COP_CERTIFICATE_KEY_FOLDER"]})
