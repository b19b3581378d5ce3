"""A sign-in ends on the server: replayed cookies after sign-out, a password reset or a lost role are
refused; staff sessions end after 30 minutes idle or 12 hours; a candidate is never signed out
mid-exam. Times come from the app's settable clock."""
from __future__ import annotations

import re

from core.roles import Role
from assessment.delivery import services as delivery
from tests.assessment.delivery.player_data import make_exam
from tests.cop_testing import TEST_PASSWORD, enrol_through_the_pages


def sign_in(app, email, password=TEST_PASSWORD):
    client = app.test_client()
    response = client.post("/login", data={"email": email, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)
    if response.headers["Location"] == "/login/two-factor/set-up":  # staff: their first sign-in enrols
        _, done = enrol_through_the_pages(client, app.extensions["cop.clock"].now())
        assert done.status_code == 200, done.get_data(as_text=True)
    return client


def cookie(client) -> str:
    return client.get_cookie("session").value


def replay(app, value: str):
    """A second browser presenting a copy of an earlier session cookie."""
    other = app.test_client()
    other.set_cookie("session", value)
    return other


def is_signed_out(response) -> bool:
    return response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_a_cookie_copied_before_sign_out_is_refused_after_it(app, db, make_user):
    person = make_user(Role.ITEM_WRITER)
    client = sign_in(app, person.email)
    copied = cookie(client)
    assert client.get("/dashboard").status_code == 200
    assert client.post("/logout").status_code == 302
    assert is_signed_out(replay(app, copied).get("/dashboard"))


def test_a_cookie_copied_before_a_password_reset_is_refused_after_it(app, db, make_user, caplog):
    person = make_user(Role.CANDIDATE)
    client = sign_in(app, person.email)
    copied = cookie(client)
    with caplog.at_level("WARNING"):
        app.test_client().post("/password/forgot", data={"email": person.email})
    token = re.search(r"/password/reset/(\S+)", caplog.text).group(1)
    new_password = "a brand new passphrase here"
    reset = app.test_client().post(f"/password/reset/{token}",
                                   data={"password": new_password, "confirm_password": new_password})
    assert reset.status_code == 302
    assert is_signed_out(replay(app, copied).get("/dashboard"))


def test_a_cookie_copied_before_a_role_is_revoked_is_refused_after_it(app, db, make_user, login_as, client):
    examiner = make_user(Role.EXAMINER)
    examiner_client = sign_in(app, examiner.email)
    copied = cookie(examiner_client)
    login_as(Role.ADMIN)
    revoked = client.post(f"/admin/users/{examiner.id}/roles/examiner/revoke")
    assert revoked.status_code == 302
    assert is_signed_out(replay(app, copied).get("/dashboard"))


def test_a_staff_session_ends_after_thirty_minutes_idle(app, db, make_user, clock):
    person = make_user(Role.EXAMINER)
    client = sign_in(app, person.email)
    clock.advance(minutes=29)
    assert client.get("/dashboard").status_code == 200  # activity keeps it going
    clock.advance(minutes=29)
    assert client.get("/dashboard").status_code == 200
    copied = cookie(client)
    clock.advance(minutes=31)
    response = client.get("/dashboard")
    assert is_signed_out(response)
    assert is_signed_out(replay(app, copied).get("/dashboard"))
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Your session has ended" in page


def test_a_staff_session_ends_after_twelve_hours_however_active(app, db, make_user, clock):
    person = make_user(Role.ADMIN)
    client = sign_in(app, person.email)
    for _ in range(11 * 3):  # every 20 minutes for 11 hours
        clock.advance(minutes=20)
        assert client.get("/dashboard").status_code == 200
    for minutes in (20, 20, 19):  # 11 h 59 min
        clock.advance(minutes=minutes)
        assert client.get("/dashboard").status_code == 200
    clock.advance(minutes=2)
    assert is_signed_out(client.get("/dashboard"))


def test_an_api_call_after_the_session_ended_gets_401_json(app, db, make_user, clock):
    person = make_user(Role.ITEM_WRITER)
    client = sign_in(app, person.email)
    clock.advance(minutes=31)
    response = client.get("/api/v1/case-studies")
    assert response.status_code == 401 and "error" in response.get_json()


def test_a_candidate_is_never_signed_out_mid_exam(app, db, framework, clock, make_user):
    # A three-hour exam with 50 % extra time, started eleven hours into the sign-in, with no request
    # for two hours at a time: the session lasts to the deadline and an hour beyond, then ends.
    candidate = make_user(Role.CANDIDATE)
    client = sign_in(app, candidate.email)
    for _ in range(11 * 3):
        clock.advance(minutes=20)
        assert client.get("/dashboard").status_code == 200
    sitting, _ = make_exam(db, duration_s=3 * 3600, extra_time_pct=50, candidate=candidate, now=clock.now())
    attempt = delivery.start_attempt(db, actor=candidate.actor, sitting_id=sitting.id, device_id="tab",
                                     now=clock.now())
    deadline = delivery.view_of(db, attempt, clock.now()).deadline
    for _ in range(2):
        clock.advance(hours=2)
        assert client.get(f"/api/v1/attempts/{attempt.id}/state").status_code == 200
    clock.set(deadline)
    clock.advance(minutes=59)
    assert client.get("/dashboard").status_code == 200
    clock.advance(minutes=61)
    assert is_signed_out(client.get("/dashboard"))


def test_signing_out_at_one_app_instance_ends_the_session_at_another(backend, tmp_path):
    """Two instances (two processes in production) share only the database and the secret key."""
    from sqlalchemy import create_engine

    from assessment.app import create_app
    from assessment.models import metadata
    from core import db
    from core.roles import SYSTEM
    from assessment.accounts import services
    from tests.cop_testing import own_database_url

    url = own_database_url(backend, tmp_path, "instances")
    engine = create_engine(url)
    metadata.create_all(engine)
    engine.dispose()
    settings = {"TESTING": True, "DATABASE_URL": url, "WTF_CSRF_ENABLED": False, "PASSWORD_HASH_PROFILE": "fast",
                "SECRET_KEY": "shared-secret"}
    first, second = create_app(settings), create_app(settings)
    try:
        with first.app_context():
            services.create_user(db.session(), actor=SYSTEM, email="both@example.org", full_name="Both",
                                 password=TEST_PASSWORD, roles={Role.EXAMINER}, now=first.extensions["cop.clock"].now(),
                                 hash_profile="fast")
            db.session().commit()
        client = sign_in(first, "both@example.org")
        copied = cookie(client)
        assert replay(second, copied).get("/dashboard").status_code == 200
        assert replay(second, copied).post("/logout").status_code == 302
        assert is_signed_out(replay(first, copied).get("/dashboard"))
    finally:
        for app in (first, second):
            app.extensions["cop.db"].engine.dispose()
