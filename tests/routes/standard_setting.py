"""Routes of standard-setting exercises. The context holds an exercise (no sitting, Modified Angoff)
led by an examiner of its own, with one judge. The route test's fresh examiner is not the lead (lead
actions: 403) and may read the dashboard and the record; the judge's pages go by the judge list, not
a role, so every fresh signed-in person is refused them (403)."""
import datetime as dt

from core.roles import Role
from tests.routes import SIGNED_IN, Route, roles

EXAMINER = roles(Role.EXAMINER)

ROUTES = {
    "standard_setting.index": Route("/standard-setting", SIGNED_IN),
    "standard_setting.new": Route("/standard-setting/new", EXAMINER),
    "standard_setting.dashboard": Route("/standard-setting/{exercise_id}", EXAMINER),
    "standard_setting.add_judge": Route("/standard-setting/{exercise_id}/judges", EXAMINER, method="POST", ok=403,
                                        data={"email": "someone@example.org"}),
    "standard_setting.close_round": Route("/standard-setting/{exercise_id}/close", EXAMINER, method="POST", ok=403),
    "standard_setting.release_performance": Route("/standard-setting/{exercise_id}/release", EXAMINER, method="POST",
                                                  ok=403),
    "standard_setting.open_round": Route("/standard-setting/{exercise_id}/open", EXAMINER, method="POST", ok=403),
    # An empty form: the dashboard comes back with the message beside the field.
    "standard_setting.record_grades": Route("/standard-setting/{exercise_id}/grades", EXAMINER, method="POST", ok=422),
    "standard_setting.record_csv": Route("/standard-setting/{exercise_id}/record.csv", EXAMINER),
    "standard_setting.report_pdf": Route("/standard-setting/{exercise_id}/report.pdf", EXAMINER),
    "standard_setting.judge_home": Route("/standard-setting/{exercise_id}/judge", SIGNED_IN, ok=403),
    "standard_setting.rate_item": Route("/standard-setting/{exercise_id}/angoff/1", SIGNED_IN, ok=403),
    "standard_setting.ebel": Route("/standard-setting/{exercise_id}/ebel", SIGNED_IN, ok=403),
    "standard_setting.hofstee": Route("/standard-setting/{exercise_id}/hofstee", SIGNED_IN, ok=403),
    "standard_setting.beuk": Route("/standard-setting/{exercise_id}/beuk", SIGNED_IN, ok=403),
    "standard_setting.attachment": Route("/standard-setting/{exercise_id}/attachments/1", SIGNED_IN, ok=403),
}


def build_context(db, make_user, framework) -> dict:
    from scoring.standard_setting import services
    from tests.routes.sittings import published_paper

    now = dt.datetime.now(dt.timezone.utc)
    paper = published_paper(db, make_user, now)
    lead, judge = make_user(Role.EXAMINER), make_user()
    exercise = services.create_exercise(db, actor=lead.actor, now=now, title="Route panel", exam_paper_id=paper.id,
                                        sitting_id=None, methods=["angoff"], n_rounds=2, shows_spread=True,
                                        shows_performance=False, judge_emails=[judge.email])
    return {"exercise_id": exercise.id}
