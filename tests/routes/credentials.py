"""The person's own password page."""
from tests.routes import SIGNED_IN, Route

ROUTES = {
    "credentials.change_password": Route("/account/password", SIGNED_IN),
}
