"""A candidate who passes the Certificate on this platform becomes eligible under the
post-certificate rules without anyone entering the result: the application reads the released
results. A correction that supersedes the release (a pass turned into a fail) is followed too.
The sitting is taken and scored through the real services and released by the results service."""
import datetime as dt

from assessment.eligibility.applications import queries, services
from assessment.results import services as results
from assessment.results.models import CandidateResult
from tests.assessment.eligibility.applications.builders import AFTER_CERTIFICATE, complete_draft, role
from tests.assessment.results.conftest import (RELEASED_AT, booked_candidate, examiner,  # noqa: F401 - fixtures
                                               issuer_for_tests, make_decision, make_published_paper, make_sitting,
                                               sat_sitting, scored)

LATER = RELEASED_AT + dt.timedelta(days=200)  # every band is open by then


def _release(db, scored, **kwargs):
    values = dict(actor=scored.examiner.actor, sitting_id=scored.sitting.id, run_id=scored.run.id,
                  decision_id=scored.decision.id, now=RELEASED_AT, issuer=issuer_for_tests())
    values.update(kwargs)
    return results.release_results(db, **values)


def _draft():
    """Three years full time as a case manager: enough hours once the Certificate is available, not
    before; no membership (no longer a condition)."""
    return complete_draft(member="", roles=[role(role="cm", start="2023-01-01", current=True, fte="1",
                                                 country="UK")])


def test_a_pass_released_on_this_platform_makes_the_applicant_eligible(db, scored, make_decision):
    outcomes = {}
    release = _release(db, scored)
    for result in db.query(CandidateResult).filter(CandidateResult.release_id == release.id):
        outcomes[result.candidate_id] = result.outcome
    passer = next(c for c, _a in scored.people if outcomes[c.id] == "pass")
    failer = next(c for c, _a in scored.people if outcomes[c.id] == "fail")
    assert queries.has_passed_certificate(db, passer.id) and not queries.has_passed_certificate(db, failer.id)

    application = services.start_application(db, actor=passer.actor, now=LATER)
    services.save_draft(db, actor=passer.actor, application_id=application.id, draft=_draft(), now=LATER)
    found = services.check_draft(db, application=application, settings=AFTER_CERTIFICATE, now=LATER)
    assert found.rules == "post_certificate" and found.certificate_passed
    assert found.decision["eligible"] is True and found.decision["route"] == "2500_cm_plus_certificate"
    submission = services.submit(db, actor=passer.actor, application_id=application.id, settings=AFTER_CERTIFICATE,
                                 now=LATER)
    assert submission.facts["certificate_passed"] is True and submission.decision["eligible"] is True

    other = services.start_application(db, actor=failer.actor, now=LATER)
    services.save_draft(db, actor=failer.actor, application_id=other.id, draft=_draft(), now=LATER)
    found = services.check_draft(db, application=other, settings=AFTER_CERTIFICATE, now=LATER)
    assert found.decision["eligible"] is False and "certificate" in found.decision["unmet"]


def test_a_superseding_release_is_the_one_that_counts(db, scored, make_decision):
    first = _release(db, scored)
    higher = make_decision(scored.sitting, scored.run, 5.0)
    second = _release(db, scored, decision_id=higher.id, reasons="The board corrected the pass mark",
                      now=RELEASED_AT + dt.timedelta(days=2))
    before = {r.candidate_id: r.outcome for r in db.query(CandidateResult).filter(CandidateResult.release_id == first.id)}
    after = {r.candidate_id: r.outcome for r in db.query(CandidateResult).filter(CandidateResult.release_id == second.id)}
    turned = next(c for c in before if before[c] == "pass" and after[c] == "fail")
    assert not queries.has_passed_certificate(db, turned)
