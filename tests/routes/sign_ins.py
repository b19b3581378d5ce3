"""Where the person is signed in (/account/sessions), for everyone signed in. Ending "others" with the
right password redirects back to the list for those who sign in with a password alone; staff, not yet
re-authenticated, are redirected to re-authenticate: a 302 either way."""
from tests.cop_testing import TEST_PASSWORD
from tests.routes import SIGNED_IN, Route

ROUTES = {
    "sign_ins.index": Route("/account/sessions", SIGNED_IN),
    "sign_ins.end": Route("/account/sessions/end", SIGNED_IN, method="POST", ok=302,
                          data={"sign_in": "others", "confirming": "yes", "password": TEST_PASSWORD}),
}
