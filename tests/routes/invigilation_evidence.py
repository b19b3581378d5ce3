"""Routes of invigilation evidence: media for invigilators, examiners and administrators only; the
table's event id names nothing, so the roles allowed get 404."""
from core.roles import Role
from tests.routes import Route, roles

ROUTES = {
    "invigilation_evidence.media": Route("/invigilation/evidence/999999", roles(Role.INVIGILATOR, Role.EXAMINER,
                                                                                  Role.ADMIN), ok=404),
}


def build_context(db, make_user, framework) -> dict:
    return {}
