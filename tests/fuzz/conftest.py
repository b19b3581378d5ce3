"""The fuzz tests' app has CSRF protection switched on, as in production: the fuzzers send a real token
(fetched from ``GET /api/v1/csrf-token`` for the signed-in person), so that what they reach is what a
browser or script reaches, and the API's documented 400 for a missing token is a real answer."""
from __future__ import annotations

import pytest

from assessment.app import create_app


@pytest.fixture
def app(database_url):
    app = create_app({"TESTING": True, "DATABASE_URL": database_url, "WTF_CSRF_ENABLED": True,
                      "PASSWORD_HASH_PROFILE": "fast", "SECRET_KEY": "fuzz-secret"})
    yield app
    app.extensions["cop.db"].engine.dispose()


def signed_in_client(app, person):
    """A test client signed in as ``person`` (None: anonymous) and the CSRF token of its session."""
    client = app.test_client()
    if person is None:
        return client, None
    with client.session_transaction() as flask_session:
        flask_session["_user_id"] = person.get_id()
        flask_session["_fresh"] = True
    response = client.get("/api/v1/csrf-token")
    assert response.status_code == 200, response.status_code
    return client, response.json["csrf_token"]
