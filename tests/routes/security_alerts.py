"""The administrators' list of security alerts."""
from core.roles import Role
from tests.routes import Route, roles

ROUTES = {
    "admin.security_alerts": Route("/admin/security-alerts", roles(Role.ADMIN)),
}
