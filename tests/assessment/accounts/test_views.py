import datetime as dt
import re

from sqlalchemy import select

from core.audit import AuditEntry
from core.roles import Role
from assessment.accounts import policy
from assessment.accounts.models import LoginAttempt, PasswordResetToken, User
from tests.cop_testing import TEST_PASSWORD


def sign_in(client, email, password=TEST_PASSWORD, next_url=""):
    return client.post("/login", data={"email": email, "password": password, "next": next_url})


def actions(db):
    return [e.action for e in db.scalars(select(AuditEntry).order_by(AuditEntry.id))]


def test_candidate_registers_and_lands_on_the_dashboard(client, db):
    response = client.post("/register", data={"full_name": "Sam Candidate", "email": " Sam@Example.org ",
                                              "password": TEST_PASSWORD, "confirm_password": TEST_PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == "/dashboard"
    user = db.scalar(select(User).where(User.email == "sam@example.org"))
    assert user.roles == {Role.CANDIDATE}
    assert user.password_hash.startswith("$argon2id$")
    page = client.get("/dashboard").get_data(as_text=True)
    assert "Candidate: what to do next" in page


def test_registration_errors_are_shown_beside_fields_and_in_a_summary(client, db):
    response = client.post("/register", data={"full_name": "", "email": "not-an-email",
                                              "password": "short", "confirm_password": "other"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "There is a problem" in page
    assert 'href="#full_name"' in page and "Enter your full name" in page
    assert "Password must be 12 characters or more" in page
    assert 'aria-invalid="true"' in page
    assert db.scalar(select(User)) is None


def test_registering_an_existing_email_creates_nothing(client, db, make_user):
    make_user(Role.CANDIDATE, email="taken@example.org")
    response = client.post("/register", data={"full_name": "X", "email": "taken@example.org",
                                              "password": TEST_PASSWORD, "confirm_password": TEST_PASSWORD})
    assert response.status_code == 422
    assert len(db.scalars(select(User)).all()) == 1


def test_wrong_password_and_unknown_email_get_the_same_answer(client, db, make_user):
    make_user(Role.CANDIDATE, email="known@example.org")
    wrong = sign_in(client, "known@example.org", "wrong password here")
    unknown = sign_in(client, "nobody@example.org", "wrong password here")
    assert wrong.status_code == unknown.status_code == 401
    message = "Email address or password is incorrect"
    assert message in wrong.get_data(as_text=True) and message in unknown.get_data(as_text=True)
    assert actions(db).count("login.failed") == 2


def test_successful_sign_in_is_audited_and_follows_a_safe_next(client, db, make_user):
    make_user(Role.ADMIN, email="admin1@example.org")
    response = sign_in(client, "admin1@example.org", next_url="/admin/users")
    assert response.headers["Location"] == "/admin/users"
    assert "login.succeeded" in actions(db)


def test_an_offsite_next_is_ignored(client, make_user):
    make_user(Role.CANDIDATE, email="c1@example.org")
    response = sign_in(client, "c1@example.org", next_url="https://evil.example/phish")
    assert response.headers["Location"] == "/dashboard"


def test_repeated_failures_slow_down_then_lock_the_account(app, client, db, make_user, clock):
    make_user(Role.CANDIDATE, email="target@example.org")
    for _ in range(policy.SLOW_AFTER):
        assert sign_in(client, "target@example.org", "bad password!!").status_code == 401
    slowed = sign_in(client, "target@example.org")  # even the right password waits
    assert slowed.status_code == 429
    assert "Wait 5 seconds" in slowed.get_data(as_text=True)
    for _ in range(policy.LOCK_AFTER - policy.SLOW_AFTER):
        clock.advance(minutes=2)  # longer than the growing wait, so each failure counts
        assert sign_in(client, "target@example.org", "bad password!!").status_code == 401
    clock.advance(seconds=30)
    locked = sign_in(client, "target@example.org")
    assert locked.status_code == 429 and "Sign-in is paused" in locked.get_data(as_text=True)
    assert "account.locked" in actions(db)
    clock.advance(minutes=16)
    assert sign_in(client, "target@example.org").status_code == 302


def test_session_cookie_is_httponly_and_lax(client, make_user):
    make_user(Role.CANDIDATE, email="cookie@example.org")
    response = sign_in(client, "cookie@example.org")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_forms_need_a_csrf_token(app, db):
    app.config["WTF_CSRF_ENABLED"] = True
    client = app.test_client()
    response = client.post("/login", data={"email": "a@example.org", "password": "x"})
    assert response.status_code == 400
    assert "This form has expired" in response.get_data(as_text=True)
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post("/login", data={"email": "a@example.org", "password": "x", "csrf_token": token})
    assert response.status_code == 401


def test_sign_out_ends_the_session(client, login_as):
    login_as(Role.CANDIDATE)
    assert client.get("/dashboard").status_code == 200
    assert client.post("/logout").status_code == 302
    assert client.get("/dashboard").status_code == 302


def reset_link_from_log(caplog):
    record = next(r for r in caplog.records if "Password reset link" in r.getMessage())
    return re.search(r"(/password/reset/[\w-]+)", record.getMessage()).group(1)


def test_password_reset_link_is_logged_single_use_and_ends_old_sessions(client, db, make_user, caplog):
    make_user(Role.CANDIDATE, email="forgetful@example.org")
    unknown = client.post("/password/forgot", data={"email": "nobody@example.org"})
    known = client.post("/password/forgot", data={"email": "forgetful@example.org"})
    assert unknown.get_data(as_text=True) == known.get_data(as_text=True)  # no enumeration
    link = reset_link_from_log(caplog)
    assert db.scalar(select(PasswordResetToken)).token_hash not in link  # only the hash is stored
    other_device = client.application.test_client()
    sign_in(other_device, "forgetful@example.org")
    assert other_device.get("/dashboard").status_code == 200
    new_password = "a brand new long password"
    response = client.post(link, data={"password": new_password, "confirm_password": new_password})
    assert response.status_code == 302
    assert client.post(link, data={"password": new_password, "confirm_password": new_password}).status_code == 410
    assert other_device.get("/dashboard").status_code == 302  # the old session has ended
    assert sign_in(client, "forgetful@example.org", new_password).status_code == 302
    assert "password.reset" in actions(db)


def test_reset_link_expires(client, db, make_user, clock, caplog):
    make_user(Role.CANDIDATE, email="late@example.org")
    client.post("/password/forgot", data={"email": "late@example.org"})
    link = reset_link_from_log(caplog)
    clock.advance(hours=1, seconds=1)
    assert client.get(link).status_code == 410


def test_admin_grants_and_revokes_a_role(client, db, login_as, make_user):
    login_as(Role.ADMIN)
    person = make_user(Role.CANDIDATE, email="grow@example.org")
    response = client.post(f"/admin/users/{person.id}", data={"role": "item_writer"})
    assert response.status_code == 302
    db.expire_all()
    assert Role.ITEM_WRITER in db.get(User, person.id).roles
    entry = db.scalars(select(AuditEntry).where(AuditEntry.action == "role.granted")).one()
    assert entry.before_summary == '{"roles": ["candidate"]}'
    assert entry.after_summary == '{"roles": ["candidate", "item_writer"]}'
    assert client.post(f"/admin/users/{person.id}/roles/item_writer/revoke").status_code == 302
    db.expire_all()
    assert db.get(User, person.id).roles == {Role.CANDIDATE}
    assert "role.revoked" in actions(db)


def test_granting_without_choosing_a_role_shows_an_error(client, login_as, make_user):
    login_as(Role.ADMIN)
    person = make_user(Role.CANDIDATE)
    response = client.post(f"/admin/users/{person.id}", data={"role": ""})
    assert response.status_code == 422
    assert "Choose a role" in response.get_data(as_text=True)


def test_audit_log_can_be_filtered(client, db, login_as, make_user):
    login_as(Role.ADMIN)
    make_user(Role.CANDIDATE, email="audited@example.org")
    page = client.get("/admin/audit?action=account.created&actor=system").get_data(as_text=True)
    assert "audited@example.org" in page
    bad = client.get("/admin/audit?from=yesterday").get_data(as_text=True)
    assert "must be a real date" in bad
