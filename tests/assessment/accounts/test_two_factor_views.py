"""Two-factor sign-in through the pages: staff give a password, then a code (or a recovery code) and
only then are signed in; first-time staff enrol with a QR code and get recovery codes once;
candidates are never asked; wrong codes count towards the lock-out; every step is audited."""
from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import select

from core.audit import AuditEntry
from core.roles import Role
from assessment.accounts import policy, reauth
from assessment.accounts.models import RecoveryCode, TwoFactorCredential
from tests.cop_testing import TEST_PASSWORD, TEST_TOTP_SECRET, enrol, sign_in_with_code, totp


def actions(db):
    return [e.action for e in db.scalars(select(AuditEntry).order_by(AuditEntry.id))]


def password(client, email, password=TEST_PASSWORD, next_url=""):
    return client.post("/login", data={"email": email, "password": password, "next": next_url})


def is_signed_in(client) -> bool:
    with client.session_transaction() as flask_session:
        return "_user_id" in flask_session


def test_staff_are_signed_in_only_after_the_code(client, db, make_user, clock):
    person = make_user(Role.EXAMINER)
    enrol(db, person)
    first = password(client, person.email, next_url="/results/board")
    assert first.status_code == 302 and first.headers["Location"] == "/login/two-factor"
    assert not is_signed_in(client)
    with client.session_transaction() as flask_session:
        assert flask_session[reauth.PENDING_KEY]["user_id"] == person.id
    assert client.get("/dashboard").status_code == 302  # half signed in is not signed in
    page = client.get("/login/two-factor").get_data(as_text=True)
    assert "Enter your code" in page and 'autocomplete="one-time-code"' in page
    done = client.post("/login/two-factor", data={"code": totp(TEST_TOTP_SECRET, clock.now())})
    assert done.status_code == 302 and done.headers["Location"] == "/results/board"
    assert is_signed_in(client) and client.get("/dashboard").status_code == 200
    with client.session_transaction() as flask_session:
        assert reauth.PENDING_KEY not in flask_session
    assert actions(db)[-3:] == ["login.password_accepted", "two_factor.succeeded", "login.succeeded"]


def test_a_wrong_code_is_refused_and_audited(client, db, make_user, clock):
    person = make_user(Role.ADMIN)
    enrol(db, person)
    password(client, person.email)
    wrong = client.post("/login/two-factor", data={"code": "000000" if totp(TEST_TOTP_SECRET, clock.now()) != "000000"
                                                   else "111111"})
    assert wrong.status_code == 401
    assert "The code is not right" in wrong.get_data(as_text=True)
    assert not is_signed_in(client)
    assert actions(db)[-1] == "two_factor.failed"
    empty = client.post("/login/two-factor", data={"code": ""})
    assert empty.status_code == 422 and "Enter the 6-digit code" in empty.get_data(as_text=True)


def test_a_code_cannot_be_used_twice(app, db, make_user, clock):
    person = make_user(Role.INVIGILATOR)
    enrol(db, person)
    first = app.test_client()
    assert sign_in_with_code(first, person.email, clock.now()).status_code == 302
    clock.advance(seconds=5)
    second = app.test_client()
    replayed = sign_in_with_code(second, person.email, clock.now())
    assert replayed.status_code == 401 and not is_signed_in(second)
    entry = db.scalars(select(AuditEntry).where(AuditEntry.action == "two_factor.failed")).one()
    assert '"replayed": true' in entry.after_summary
    clock.advance(seconds=30)  # the next step's code works
    assert sign_in_with_code(second, person.email, clock.now()).status_code == 302


def test_a_recovery_code_works_once(app, db, make_user, clock):
    person = make_user(Role.ITEM_WRITER)
    codes = enrol(db, person)
    client = app.test_client()
    password(client, person.email)
    used = client.post("/login/two-factor", data={"code": codes[0].upper()})
    assert used.status_code == 302 and is_signed_in(client)
    assert "two_factor.recovery_code_used" in actions(db)
    assert db.scalar(select(RecoveryCode).where(RecoveryCode.used_at.is_not(None))).user_id == person.id
    other = app.test_client()
    password(other, person.email)
    again = other.post("/login/two-factor", data={"code": codes[0]})
    assert again.status_code == 401 and not is_signed_in(other)
    assert other.post("/login/two-factor", data={"code": codes[1]}).status_code == 302


def test_first_sign_in_enrols_with_a_qr_code_and_shows_recovery_codes_once(client, db, make_user, clock):
    person = make_user(Role.EXAMINER)
    first = password(client, person.email, next_url="/certificates")
    assert first.status_code == 302 and first.headers["Location"] == "/login/two-factor/set-up"
    page = client.get("/login/two-factor/set-up").get_data(as_text=True)
    assert 'src="data:image/svg+xml' in page and "otpauth://totp/" in page
    assert "<script" not in page.split("</main>")[0].split("<main")[-1] and " style=" not in page
    secret = re.search(r'id="two-factor-key"><strong>([A-Z2-7 ]+)</strong>', page).group(1).replace(" ", "")
    assert client.get("/login/two-factor/set-up").get_data(as_text=True).count(secret[:4]) >= 1  # same key on reload
    stored = db.scalar(select(TwoFactorCredential).where(TwoFactorCredential.user_id == person.id))
    assert secret not in stored.secret_encrypted and stored.confirmed_at is None
    assert not is_signed_in(client)
    wrong = client.post("/login/two-factor/set-up", data={"code": "12345x"})
    assert wrong.status_code == 401 and not is_signed_in(client)
    done = client.post("/login/two-factor/set-up", data={"code": totp(secret, clock.now())})
    assert done.status_code == 200 and is_signed_in(client)
    shown = done.get_data(as_text=True)
    codes = re.findall(r"<li>([a-z2-9]{5}-[a-z2-9]{5})</li>", shown)
    assert len(codes) == 10 and 'href="/certificates"' in shown
    db.expire_all()
    assert stored.confirmed_at is not None
    assert {r.code_digest for r in db.scalars(select(RecoveryCode).where(RecoveryCode.user_id == person.id))} \
        .isdisjoint(codes)
    assert "two_factor.enrolled" in actions(db)
    # Enrolled now: the set-up page is gone and the secret is never shown again.
    assert client.get("/account/two-factor").get_data(as_text=True).count(secret[:8]) == 0


def test_candidates_are_never_asked_for_a_code(client, db, make_user):
    person = make_user(Role.CANDIDATE)
    response = password(client, person.email)
    assert response.status_code == 302 and response.headers["Location"] == "/dashboard"
    assert is_signed_in(client)
    assert "login.password_accepted" not in actions(db)


def test_a_half_finished_sign_in_expires_after_five_minutes(client, db, make_user, clock):
    person = make_user(Role.ADMIN)
    enrol(db, person)
    password(client, person.email)
    clock.advance(minutes=5, seconds=1)
    late = client.post("/login/two-factor", data={"code": totp(TEST_TOTP_SECRET, clock.now())})
    assert late.status_code == 302 and late.headers["Location"] == "/login"
    assert not is_signed_in(client)
    assert client.get("/login/two-factor").headers["Location"] == "/login"


def test_the_code_page_without_a_password_first_goes_back_to_sign_in(client, db):
    assert client.get("/login/two-factor").headers["Location"] == "/login"
    assert client.post("/login/two-factor/set-up", data={"code": "123456"}).headers["Location"] == "/login"


def test_wrong_codes_count_towards_the_lock_out(client, db, make_user, clock):
    person = make_user(Role.EXAMINER)
    enrol(db, person)
    right = totp(TEST_TOTP_SECRET, clock.now())
    wrong = "000000" if right != "000000" else "111111"
    statuses = []
    for _ in range(policy.LOCK_AFTER):
        password(client, person.email)
        statuses.append(client.post("/login/two-factor", data={"code": wrong}).status_code)
        clock.advance(minutes=1, seconds=30)  # past each growing delay, so that every failure counts
    assert statuses == [401] * policy.LOCK_AFTER
    assert "account.locked" in actions(db)
    # Locked: the right password no longer even reaches the code page.
    assert password(client, person.email).status_code == 429


def test_the_password_step_does_not_clear_the_failure_count(client, db, make_user, clock):
    """Right password + wrong code, again and again, must not reset the count as a success would."""
    person = make_user(Role.EXAMINER)
    enrol(db, person)
    for _ in range(policy.SLOW_AFTER):
        password(client, person.email)
        client.post("/login/two-factor", data={"code": "999999" if totp(TEST_TOTP_SECRET, clock.now()) != "999999"
                                               else "888888"})
    assert password(client, person.email).status_code == 429  # slowed down: the password step counts them


def test_a_password_reset_during_a_half_sign_in_ends_it(client, db, make_user, clock):
    person = make_user(Role.EXAMINER)
    enrol(db, person)
    password(client, person.email)
    person.session_version += 1  # as a password reset does
    db.flush()
    response = client.post("/login/two-factor", data={"code": totp(TEST_TOTP_SECRET, clock.now())})
    assert response.headers["Location"] == "/login" and not is_signed_in(client)


def test_recovery_codes_can_be_regenerated_after_reauthentication(client, db, login_as, clock):
    person = login_as(Role.EXAMINER)
    old = enrol(db, person)
    page = client.get("/account/two-factor").get_data(as_text=True)
    assert "You have 10 unused recovery codes" in page
    made = client.post("/account/two-factor/recovery-codes")
    assert made.status_code == 200
    new = re.findall(r"<li>([a-z2-9]{5}-[a-z2-9]{5})</li>", made.get_data(as_text=True))
    assert len(new) == 10 and not set(new) & set(old)
    assert "two_factor.recovery_codes_regenerated" in actions(db)


def test_an_admin_resets_someones_second_factor_and_their_sessions_end(app, db, login_as, make_user, clock):
    staff = make_user(Role.INVIGILATOR)
    enrol(db, staff)
    theirs = app.test_client()
    assert sign_in_with_code(theirs, staff.email, clock.now()).status_code == 302
    admin_client = app.test_client()
    admin = make_user(Role.ADMIN)
    with admin_client.session_transaction() as flask_session:
        flask_session["_user_id"] = admin.get_id()
        flask_session[reauth.REAUTH_KEY] = {"user_id": admin.id, "at": reauth.ALWAYS_FRESH_STAMP}
    assert "Reset two-factor sign-in" in admin_client.get(f"/admin/users/{staff.id}").get_data(as_text=True)
    response = admin_client.post(f"/admin/users/{staff.id}/two-factor/reset")
    assert response.status_code == 302
    assert db.scalar(select(TwoFactorCredential).where(TwoFactorCredential.user_id == staff.id)) is None
    entry = db.scalars(select(AuditEntry).where(AuditEntry.action == "two_factor.reset")).one()
    assert entry.actor_id == admin.id and entry.target_id == str(staff.id)
    assert theirs.get("/dashboard").status_code == 302  # signed out everywhere
    again = app.test_client()
    assert password(again, staff.email).headers["Location"] == "/login/two-factor/set-up"
