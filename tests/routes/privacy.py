"""Routes of personal data: an administrator's subject access export and erasure."""
from core.roles import Role
from tests.routes import Route, roles

ROUTES = {
    "admin.privacy": Route("/admin/users/{privacy_user_id}/privacy", roles(Role.ADMIN)),
    # An export needs a fresh re-authentication: the table's sessions have none, so it is the redirect there.
    "admin.privacy_export": Route("/admin/users/{privacy_user_id}/privacy/export", roles(Role.ADMIN), method="POST",
                                  ok=302, data={"export-requested_by": "the candidate, by email"}),
    # Without confirm=yes: the confirmation page (nothing changes).
    "admin.privacy_erase": Route("/admin/users/{privacy_user_id}/privacy/erase", roles(Role.ADMIN), method="POST",
                                 data={"erase-requested_by": "the candidate, by email"}),
}


def build_context(db, make_user, framework):
    return {"privacy_user_id": make_user(Role.CANDIDATE).id}
