"""``core.web.KeptCsrfProtect``: a CSRF token already verified is not verified again, and every write
is still refused exactly when Flask-WTF's own check refuses it, for the same reason."""
from __future__ import annotations

import pytest
from flask import Flask, jsonify, session
from flask_wtf.csrf import CSRFError, CSRFProtect, generate_csrf
from itsdangerous import URLSafeTimedSerializer

from core import web
from core.web import KeptCsrfProtect

LIMIT_S = 3600


def make_app(protect_class) -> Flask:
    app = Flask(__name__)
    app.secret_key = "one-secret"
    app.config["WTF_CSRF_TIME_LIMIT"] = LIMIT_S
    protect = protect_class()
    protect.init_app(app)

    @app.get("/token")
    def token():
        return jsonify({"token": generate_csrf()})

    @app.post("/write")
    def write():
        return jsonify({"written": True})

    @app.post("/exempt")
    @protect.exempt
    def exempt():
        return jsonify({"written": True})

    @app.post("/forget")
    def forget():
        session.pop("csrf_token", None)
        return jsonify({"forgotten": True})

    @app.errorhandler(CSRFError)
    def refused(error):
        return jsonify({"reason": error.description}), 400

    app.protect = protect
    return app


@pytest.fixture
def kept():
    return make_app(KeptCsrfProtect)


def signed_in(app):
    client = app.test_client()
    return client, client.get("/token").get_json()["token"]


def counted_verifications(monkeypatch) -> list:
    calls = []
    real = URLSafeTimedSerializer.loads

    def counting(self, *args, **kwargs):
        if self.salt == b"wtf-csrf-token":  # not the session cookie's
            calls.append(1)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(URLSafeTimedSerializer, "loads", counting)
    return calls


def test_a_token_is_verified_once_and_then_read_from_what_was_kept(kept, monkeypatch):
    client, token = signed_in(kept)
    calls = counted_verifications(monkeypatch)
    for _ in range(3):
        assert client.post("/write", json={}, headers={"X-CSRFToken": token}).get_json() == {"written": True}
    assert len(calls) == 1 and len(kept.protect.verified) == 1


def test_a_kept_token_still_has_to_match_the_session_of_the_request_that_sends_it(kept):
    client, token = signed_in(kept)
    assert client.post("/write", json={}, headers={"X-CSRFToken": token}).status_code == 200
    stranger, _ = signed_in(kept)  # a session of its own, with a token of its own
    answer = stranger.post("/write", json={}, headers={"X-CSRFToken": token})
    assert answer.status_code == 400 and answer.get_json() == {"reason": "The CSRF tokens do not match."}
    client.post("/forget", json={}, headers={"X-CSRFToken": token})
    answer = client.post("/write", json={}, headers={"X-CSRFToken": token})
    assert answer.get_json() == {"reason": "The CSRF session token is missing."}


def test_a_kept_token_past_the_time_limit_or_signed_in_the_future_is_refused(kept, monkeypatch):
    client, token = signed_in(kept)
    assert client.post("/write", json={}, headers={"X-CSRFToken": token}).status_code == 200
    now = web.time.time()
    monkeypatch.setattr(web.time, "time", lambda: now + LIMIT_S + 2)
    answer = client.post("/write", json={}, headers={"X-CSRFToken": token})
    assert answer.get_json() == {"reason": "The CSRF token has expired."}
    assert len(kept.protect.verified) == 0  # dropped: the next write verifies it afresh
    monkeypatch.undo()
    client, token = signed_in(kept)
    assert client.post("/write", json={}, headers={"X-CSRFToken": token}).status_code == 200
    # The clock went back after it was kept: a fresh verification would call it signed in the future.
    monkeypatch.setattr(web, "signed_age_s", lambda signed_at: -1)
    answer = client.post("/write", json={}, headers={"X-CSRFToken": token})
    assert answer.get_json() == {"reason": "The CSRF token has expired."}


def test_a_token_signed_in_the_future_is_refused_and_not_kept(kept, monkeypatch):
    client, token = signed_in(kept)
    raw = URLSafeTimedSerializer("one-secret", salt="wtf-csrf-token").loads(token)
    now = web.time.time()
    monkeypatch.setattr(web.time, "time", lambda: now + 600)
    future = URLSafeTimedSerializer("one-secret", salt="wtf-csrf-token").dumps(raw)
    monkeypatch.undo()
    answer = client.post("/write", json={}, headers={"X-CSRFToken": future})
    assert answer.get_json() == {"reason": "The CSRF token has expired."}
    assert len(kept.protect.verified) == 0


def test_a_kept_token_is_not_trusted_under_another_secret_key(kept):
    client, token = signed_in(kept)
    assert client.post("/write", json={}, headers={"X-CSRFToken": token}).status_code == 200
    kept.secret_key = "another-secret"
    # The session cookie was signed under the old key too, so the session is empty: Flask-WTF's
    # reason for that comes first.
    assert client.post("/write", json={}, headers={"X-CSRFToken": token}).status_code == 400
    kept.config["WTF_CSRF_SECRET_KEY"] = "one-secret-for-tokens"
    kept.secret_key = "one-secret"
    answer = client.post("/write", json={}, headers={"X-CSRFToken": token})
    assert answer.get_json() == {"reason": "The CSRF token is invalid."}


def test_a_refused_token_is_never_kept(kept, monkeypatch):
    client, token = signed_in(kept)
    forged = token[:-2] + ("AA" if token[-2:] != "AA" else "BB")
    calls = counted_verifications(monkeypatch)
    for _ in range(2):
        assert client.post("/write", json={}, headers={"X-CSRFToken": forged}).get_json() == {
            "reason": "The CSRF token is invalid."}
    assert len(calls) == 2 and len(kept.protect.verified) == 0


def test_at_most_size_tokens_are_kept():
    app = make_app(lambda: KeptCsrfProtect(size=10))
    for _ in range(25):
        client, token = signed_in(app)
        assert client.post("/write", json={}, headers={"X-CSRFToken": token}).status_code == 200
    assert 0 < len(app.protect.verified) <= 10


def cases(app) -> dict[str, tuple]:
    """What each kind of write answers: (status, body)."""
    client, token = signed_in(app)
    other, other_token = signed_in(app)
    forged = token[:-2] + ("AA" if token[-2:] != "AA" else "BB")
    form = {"csrf_token": token, "name": "x"}
    prefixed = {"profile-csrf_token": token}

    def answer(response):
        return response.status_code, response.get_json()

    return {
        "json with the header": answer(client.post("/write", json={}, headers={"X-CSRFToken": token})),
        "json with the other header": answer(client.post("/write", json={}, headers={"X-CSRF-Token": token})),
        "json again": answer(client.post("/write", json={}, headers={"X-CSRFToken": token})),
        "json with the token in the body only": answer(client.post("/write", json={"csrf_token": token})),
        "form with the field": answer(client.post("/write", data=form)),
        "form with a prefixed field": answer(client.post("/write", data=prefixed)),
        "form with the header": answer(client.post("/write", data={"name": "x"}, headers={"X-CSRFToken": token})),
        "no token": answer(client.post("/write", json={})),
        "a forged token": answer(client.post("/write", json={}, headers={"X-CSRFToken": forged})),
        "another session's token": answer(other.post("/write", json={}, headers={"X-CSRFToken": token})),
        "its own token": answer(other.post("/write", json={}, headers={"X-CSRFToken": other_token})),
        "no session": answer(app.test_client().post("/write", json={}, headers={"X-CSRFToken": token})),
        "an exempt view": answer(app.test_client().post("/exempt", json={})),
        "a read": answer(client.get("/token"))[0:1],
        "over HTTPS with no referrer": answer(client.post("/write", json={}, headers={"X-CSRFToken": token},
                                                          base_url="https://localhost")),
        "over HTTPS from another site": answer(client.post(
            "/write", json={}, headers={"X-CSRFToken": token, "Referer": "https://elsewhere.example/"},
            base_url="https://localhost")),
        "over HTTPS from this site": answer(client.post(
            "/write", json={}, headers={"X-CSRFToken": token, "Referer": "https://localhost/page"},
            base_url="https://localhost")),
    }


def test_every_write_is_answered_as_flask_wtfs_own_check_answers_it():
    ours, theirs = cases(make_app(KeptCsrfProtect)), cases(make_app(CSRFProtect))
    assert ours == theirs
    assert ours["json with the header"][0] == 200 and ours["form with the field"][0] == 200
    assert ours["no token"] == (400, {"reason": "The CSRF token is missing."})


def test_a_json_write_is_not_parsed_as_a_form(kept, monkeypatch):
    from flask import Request

    client, token = signed_in(kept)
    monkeypatch.setattr(Request, "_load_form_data", lambda self: pytest.fail("the form was parsed"))
    assert client.post("/write", json={}, headers={"X-CSRFToken": token}).status_code == 200


def test_the_app_uses_it(app):
    assert isinstance(app.extensions["csrf"], KeptCsrfProtect)
