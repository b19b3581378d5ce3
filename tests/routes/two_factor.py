"""Routes of two-factor sign-in and re-authentication. The code pages answer anyone (without a
half-finished sign-in they send the visitor back to sign in); the sensitive POSTs, without a recent
re-authentication, send a signed-in person to confirm it first (302)."""
from core.roles import Role
from tests.routes import PUBLIC, SIGNED_IN, Route, roles

ROUTES = {
    "accounts.second_factor": Route("/login/two-factor", PUBLIC, ok=302),
    "accounts.enrol_second_factor": Route("/login/two-factor/set-up", PUBLIC, ok=302),
    "accounts.reauthenticate": Route("/reauthenticate?next=/dashboard", SIGNED_IN),
    "accounts.two_factor_settings": Route("/account/two-factor", SIGNED_IN),
    "accounts.regenerate_recovery_codes": Route("/account/two-factor/recovery-codes", SIGNED_IN, method="POST",
                                                ok=302),
    "accounts.admin_reset_two_factor": Route("/admin/users/{user_id}/two-factor/reset", roles(Role.ADMIN),
                                             method="POST", ok=302),
}
