"""Routes of equality monitoring: the candidate's page (consent, answers, withdrawal) and the
administrator's questions. The context holds one monitoring question."""
import datetime as dt

from core.roles import Role
from tests.routes import Route, roles

CANDIDATE, ADMIN = roles(Role.CANDIDATE), roles(Role.ADMIN)

ROUTES = {
    "monitoring.my_monitoring": Route("/account/monitoring", CANDIDATE),
    "monitoring.consent": Route("/account/monitoring/consent", CANDIDATE, method="POST", ok=302,
                                data={"agree": "y"}),
    # Nothing to withdraw for a new candidate: said in a message on the page it redirects to.
    "monitoring.withdraw": Route("/account/monitoring/withdraw", CANDIDATE, method="POST", ok=302),
    "monitoring.admin_questions": Route("/admin/monitoring", ADMIN),
    "monitoring.admin_set_asked": Route("/admin/monitoring/{monitoring_question_id}/asked", ADMIN, method="POST",
                                        ok=302, data={"is_asked": "1"}),
    "monitoring.admin_new_question": Route("/admin/monitoring/new", ADMIN),
}


def build_context(db, make_user, framework) -> dict:
    from sqlalchemy import select

    from assessment.accounts.monitoring.models import MonitoringQuestion
    from assessment.accounts.monitoring.services import seed_default_questions

    seed_default_questions(db, now=dt.datetime.now(dt.timezone.utc))
    return {"monitoring_question_id": db.scalar(select(MonitoringQuestion.id).order_by(MonitoringQuestion.id))}
