"""Routes of invigilation review: the list for invigilators, examiners and administrators; the
timeline, a flag's decision and the outcome for them too (the table's ids name nothing, so they get
404); the incident report also for candidates (their own only: here 404 as well)."""
from core.roles import Role
from tests.routes import Route, roles

REVIEWERS = roles(Role.INVIGILATOR, Role.EXAMINER, Role.ADMIN)
REVIEWERS_AND_CANDIDATES = roles(Role.INVIGILATOR, Role.EXAMINER, Role.ADMIN, Role.CANDIDATE)

ROUTES = {
    "invigilation_review.index": Route("/invigilation/review", REVIEWERS),
    "invigilation_review.sitting": Route("/invigilation/review/sittings/999999", REVIEWERS, ok=404),
    "invigilation_review.timeline": Route("/invigilation/attempts/999999/timeline", REVIEWERS, ok=404),
    "invigilation_review.flag_decision": Route("/invigilation/flags/999999/decision", REVIEWERS, ok=404),
    "invigilation_review.outcome": Route("/invigilation/attempts/999999/outcome", REVIEWERS, ok=404),
    "invigilation_review.incident_report": Route("/invigilation/attempts/999999/incident-report",
                                                 REVIEWERS_AND_CANDIDATES, ok=404),
    "invigilation_review.incident_report_pdf": Route("/invigilation/attempts/999999/incident-report.pdf",
                                                     REVIEWERS_AND_CANDIDATES, ok=404),
}
