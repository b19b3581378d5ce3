"""``core.web.VerifiedSessionCookies``: a session cookie already verified is not verified again, and
is trusted exactly as Flask would trust it — only under the app's current keys, only within the
session's lifetime, never shared between requests."""
from __future__ import annotations

import datetime as dt

import pytest
from flask import Flask, jsonify, session

from core import web
from core.web import VerifiedSessionCookies


@pytest.fixture
def bare():
    app = Flask(__name__)
    app.secret_key = "one-secret"
    app.config["PERMANENT_SESSION_LIFETIME"] = dt.timedelta(hours=1)
    app.session_interface = interface = VerifiedSessionCookies(size=10)

    @app.get("/read")
    def read():
        return jsonify(dict(session))

    @app.post("/append")
    def append():
        session["seen"] = [*session.get("seen", []), "more"]
        return jsonify(dict(session))

    app.interface = interface
    return app


def cookie_for(app, data: dict) -> str:
    return app.session_interface.get_signing_serializer(app).dumps(data)


def read(app, value: str) -> dict:
    client = app.test_client()
    client.set_cookie("session", value)
    return client.get("/read").get_json()


def counted_verifications(app, monkeypatch) -> list:
    calls = []
    real = VerifiedSessionCookies.get_signing_serializer

    def counting(self, flask_app):
        calls.append(1)
        return real(self, flask_app)

    monkeypatch.setattr(VerifiedSessionCookies, "get_signing_serializer", counting)
    return calls


def test_a_cookie_is_verified_once_and_then_read_from_what_was_kept(bare, monkeypatch):
    value = cookie_for(bare, {"_user_id": "7:1", "_fresh": True})
    calls = counted_verifications(bare, monkeypatch)
    assert read(bare, value) == {"_user_id": "7:1", "_fresh": True}
    assert read(bare, value) == {"_user_id": "7:1", "_fresh": True}
    assert len(calls) == 1


def test_a_tampered_cookie_is_an_empty_session_every_time(bare, monkeypatch):
    value = cookie_for(bare, {"_user_id": "7:1"})
    forged = value[:-2] + ("AA" if value[-2:] != "AA" else "BB")
    calls = counted_verifications(bare, monkeypatch)
    assert read(bare, forged) == {} and read(bare, forged) == {}
    assert len(calls) == 2  # never kept: each time it is checked, and refused


def test_a_kept_cookie_past_the_sessions_lifetime_is_refused(bare, monkeypatch):
    value = cookie_for(bare, {"_user_id": "7:1"})
    assert read(bare, value) == {"_user_id": "7:1"}
    now = web.time.time()
    monkeypatch.setattr(web.time, "time", lambda: now + 3600 + 2)
    assert read(bare, value) == {}
    monkeypatch.setattr(web.time, "time", lambda: now - 120)  # signed "in the future": refused too
    assert read(bare, value) == {}


def test_a_kept_cookie_is_not_trusted_under_another_secret_key(bare):
    value = cookie_for(bare, {"_user_id": "7:1"})
    assert read(bare, value) == {"_user_id": "7:1"}
    bare.secret_key = "another-secret"
    assert read(bare, value) == {}


def test_a_session_holding_more_than_plain_values_is_verified_afresh_and_never_shared(bare, monkeypatch):
    value = cookie_for(bare, {"seen": ["first"]})
    calls = counted_verifications(bare, monkeypatch)
    client = bare.test_client()
    client.set_cookie("session", value)
    assert client.post("/append").get_json() == {"seen": ["first", "more"]}
    assert read(bare, value) == {"seen": ["first"]}  # the first request's change reached nobody else
    assert len(calls) == 3  # both requests verified it; the first also signed its new cookie


def test_at_most_size_cookies_are_kept(bare):
    for n in range(25):
        assert read(bare, cookie_for(bare, {"_user_id": f"{n}:1"})) == {"_user_id": f"{n}:1"}
    assert 0 < len(bare.interface.verified) <= 10


def test_the_app_uses_it_and_still_keeps_static_answers_free_of_cookies(app):
    assert isinstance(app.session_interface, VerifiedSessionCookies)
