"""Routes of the fairness report of invigilation flags: examiners and administrators."""
from core.roles import Role
from tests.routes import Route, roles

ROUTES = {
    "invigilation_fairness.report": Route("/invigilation/fairness", roles(Role.EXAMINER, Role.ADMIN)),
}


def build_context(db, make_user, framework) -> dict:
    return {}
