"""Routes of the foundation: home, accounts, admin, framework."""
from core.roles import Role
from tests.routes import PUBLIC, SIGNED_IN, Route, roles

ROUTES = {
    "static": Route("/static/css/app.css", PUBLIC),
    "home.index": Route("/", PUBLIC, ok_signed_in=302),
    "home.dashboard": Route("/dashboard", SIGNED_IN),
    "home.healthz": Route("/healthz", PUBLIC),
    "accounts.register": Route("/register", PUBLIC),
    "accounts.confirm_sign_up": Route("/register/confirm/not-a-token", PUBLIC, ok=410),
    "accounts.login": Route("/login", PUBLIC),
    "accounts.logout": Route("/logout", SIGNED_IN, method="POST", ok=302),
    "accounts.forgot_password": Route("/password/forgot", PUBLIC),
    "accounts.reset_password": Route("/password/reset/not-a-token", PUBLIC, ok=410),
    "accounts.admin_users": Route("/admin/users", roles(Role.ADMIN)),
    "accounts.admin_user": Route("/admin/users/{user_id}", roles(Role.ADMIN)),
    "accounts.admin_revoke_role": Route("/admin/users/{user_id}/roles/examiner/revoke", roles(Role.ADMIN),
                                        method="POST", ok=302),
    "admin.audit_log": Route("/admin/audit", roles(Role.ADMIN)),
    "framework.framework_page": Route("/framework", PUBLIC),
    "framework.framework_api": Route("/api/v1/framework", PUBLIC),
}


def build_context(db, make_user, framework):
    target = make_user(Role.CANDIDATE, Role.EXAMINER)
    return {"user_id": target.id}
