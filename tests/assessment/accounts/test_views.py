import datetime as dt
import json
import re

from itsdangerous import URLSafeSerializer

from sqlalchemy import select

from core.audit import AuditEntry
from core.roles import Role
from assessment.accounts import policy
from assessment.accounts.models import LoginAttempt, PasswordResetToken, User
from tests.cop_testing import TEST_PASSWORD, enrol_through_the_pages


def sign_in(client, email, password=TEST_PASSWORD, next_url=""):
    return client.post("/login", data={"email": email, "password": password, "next": next_url})


def actions(db):
    return [e.action for e in db.scalars(select(AuditEntry).order_by(AuditEntry.id))]


def sign_up(client, email, full_name="Sam Candidate", password=TEST_PASSWORD, **kwargs):
    return client.post("/register", data={"full_name": full_name, "email": email, "password": password,
                                          "confirm_password": password, **kwargs})


def sign_up_link_from_log(caplog) -> str:
    found = re.findall(r"https?://\S+?(/register/confirm/[\w.-]+)", caplog.text)
    assert len(found) == 1, caplog.text
    return found[0]


def test_signing_up_sends_a_link_that_creates_the_account_and_signs_in(client, db, caplog):
    with caplog.at_level("WARNING"):
        response = sign_up(client, " Sam@Example.org ")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Check your email" in page and "We have sent a link to <strong>sam@example.org</strong>" in page
    assert db.scalar(select(User)) is None  # nothing until the address is confirmed
    assert sign_in(client, "sam@example.org").status_code == 401
    link = sign_up_link_from_log(caplog)
    carried = link_contents(link)
    assert TEST_PASSWORD not in caplog.text and TEST_PASSWORD not in json.dumps(carried)
    assert carried["password_hash"].startswith("$argon2id$")  # only the hash travels
    confirm_page = client.get(link)
    assert confirm_page.status_code == 200 and "sam@example.org" in confirm_page.get_data(as_text=True)
    assert db.scalar(select(User)) is None  # a mail scanner opening the link creates nothing
    response = client.post(link)
    assert response.status_code == 302 and response.headers["Location"] == "/dashboard"
    user = db.scalar(select(User).where(User.email == "sam@example.org"))
    assert user.roles == {Role.CANDIDATE} and user.full_name == "Sam Candidate"
    assert user.password_hash.startswith("$argon2id$")
    assert "Candidate: what to do next" in client.get("/dashboard").get_data(as_text=True)
    assert "account.created" in actions(db)
    other_device = client.application.test_client()
    assert sign_in(other_device, "sam@example.org").status_code == 302  # the password chosen at sign-up


def link_contents(link: str) -> dict:
    """What a sign-up link carries, read with the test app's secret (anyone can read it: it is signed,
    not encrypted)."""
    return URLSafeSerializer("test-secret", salt="cop.accounts.sign-up").loads(link.rsplit("/", 1)[1])


def test_a_sign_up_link_works_once(client, db, caplog):
    with caplog.at_level("WARNING"):
        sign_up(client, "once@example.org")
    link = sign_up_link_from_log(caplog)
    assert client.post(link).status_code == 302
    for again in (client.get(link), client.post(link), client.application.test_client().post(link)):
        assert again.status_code == 410
        page = again.get_data(as_text=True)
        assert "This link has already been used" in page and 'href="/login"' in page
    assert len(db.scalars(select(User)).all()) == 1


def test_two_sign_ups_for_one_address_make_one_account(client, db, caplog):
    with caplog.at_level("WARNING"):
        sign_up(client, "twice@example.org", password="the first long password")
        sign_up(client, "twice@example.org", password="the second long password")
    first, second = re.findall(r"https?://\S+?(/register/confirm/[\w.-]+)", caplog.text)
    assert client.post(second).status_code == 302
    assert client.post(first).status_code == 410
    assert len(db.scalars(select(User)).all()) == 1
    assert sign_in(client.application.test_client(), "twice@example.org", "the second long password").status_code == 302


def test_a_sign_up_link_expires_after_a_day(client, db, clock, caplog):
    with caplog.at_level("WARNING"):
        sign_up(client, "late@example.org")
    link = sign_up_link_from_log(caplog)
    clock.advance(hours=23, minutes=59)
    assert client.get(link).status_code == 200
    clock.advance(minutes=1)
    for late in (client.get(link), client.post(link)):
        assert late.status_code == 410 and "This link has expired" in late.get_data(as_text=True)
    assert db.scalar(select(User)) is None


def test_a_sign_up_link_cannot_be_forged(client, db, caplog):
    with caplog.at_level("WARNING"):
        sign_up(client, "real@example.org")
    link = sign_up_link_from_log(caplog)
    token = link.rsplit("/", 1)[1]
    assert link_contents(link)["email"] == "real@example.org"
    claims = {"email": "forged@example.org", "full_name": "Forger", "password_hash": "$argon2id$v=19$x",
              "requested_at": "2026-12-06T00:00:00+00:00"}
    forgeries = [
        "not-a-token",
        token[:-2] + ("AA" if not token.endswith("AA") else "BB"),  # the signature altered
        URLSafeSerializer("a guessed secret", salt="cop.accounts.sign-up").dumps(claims),
        URLSafeSerializer("test-secret").dumps(claims),  # the app's key but another purpose
        URLSafeSerializer("test-secret", salt="cop.accounts.sign-up").dumps(claims)[::-1],
    ]
    data_part, signature = token.rsplit(".", 1)
    forgeries.append(f"{data_part[:-4]}AAAA.{signature}")  # the payload altered
    for forged in forgeries:
        for response in (client.get(f"/register/confirm/{forged}"), client.post(f"/register/confirm/{forged}")):
            assert response.status_code == 410, forged
            assert "This link has expired or is not valid" in response.get_data(as_text=True)
    assert db.scalar(select(User)) is None


def _without_csrf(text: str) -> str:
    return re.sub(r'name="csrf_token" type="hidden" value="[^"]*"', "", text)


def _csrf_client(app):
    client = app.test_client()
    page = client.get("/register").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    return client, token


def _cookie_shape(headers) -> list[str]:
    """Each cookie set, without its value (which differs per request: the session carries the CSRF token)."""
    return sorted(re.sub(r"^([^=]+)=[^;]*", r"\1=…", cookie) for cookie in headers.getlist("Set-Cookie"))


def test_signing_up_with_a_taken_address_answers_exactly_as_with_a_new_one(app, db, make_user, caplog):
    app.config["WTF_CSRF_ENABLED"] = True
    make_user(Role.CANDIDATE, email="taken@example.org")
    answers = []
    for email in ("taken@example.org", "fresh@example.org"):
        client, token = _csrf_client(app)
        answers.append(sign_up(client, email, full_name="Sam", csrf_token=token))
    taken, fresh = answers
    assert taken.status_code == fresh.status_code == 200
    assert _without_csrf(taken.get_data(as_text=True)).replace("taken@", "fresh@") == \
        _without_csrf(fresh.get_data(as_text=True))
    same = lambda response: sorted((k, v) for k, v in response.headers.items() if k != "Set-Cookie")  # noqa: E731
    assert same(taken) == same(fresh)
    assert _cookie_shape(taken.headers) == _cookie_shape(fresh.headers)


def test_a_taken_address_creates_nothing_and_its_holder_gets_a_notice_not_a_link(client, db, make_user, caplog):
    holder = make_user(Role.CANDIDATE, email="taken@example.org")
    hash_before = holder.password_hash
    created_before = actions(db).count("account.created")
    with caplog.at_level("WARNING"):
        response = sign_up(client, "Taken@Example.org", full_name="Intruder", password="an intruder's password")
    assert response.status_code == 200 and "Check your email" in response.get_data(as_text=True)
    assert "/register/confirm/" not in caplog.text
    notice = next(r.getMessage() for r in caplog.records if "Sign-up notice for taken@example.org" in r.getMessage())
    assert "someone tried to create an account with your email address" in notice
    assert "/login" in notice and "/password/forgot" in notice
    assert len(db.scalars(select(User)).all()) == 1
    db.refresh(holder)
    assert holder.password_hash == hash_before and holder.full_name != "Intruder"
    assert actions(db).count("account.created") == created_before


def test_registration_errors_are_shown_beside_fields_and_in_a_summary(client, db, caplog):
    response = client.post("/register", data={"full_name": "", "email": "not-an-email",
                                              "password": "short", "confirm_password": "other"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "There is a problem" in page
    assert 'href="#full_name"' in page and "Enter your full name" in page
    assert "Password must be between 12 and 128 characters" in page
    assert 'aria-invalid="true"' in page
    assert db.scalar(select(User)) is None
    assert "/register/confirm/" not in caplog.text


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
    assert response.headers["Location"] == "/login/two-factor/set-up"  # staff: the second factor first
    _, done = enrol_through_the_pages(client, dt.datetime.now(dt.timezone.utc))
    assert 'href="/admin/users"' in done.get_data(as_text=True)
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
