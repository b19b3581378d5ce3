"""Changing one's own password: the current one is checked like a sign-in, the rules apply, every
other sign-in ends, and a notice goes to the account's address (ASVS V2.1.5–6, V2.2.3, V2.5.5, V3.3.3)."""
from __future__ import annotations

from sqlalchemy import select

from core.audit import AuditEntry
from core.mail import MailMessage
from core.roles import Role
from assessment.accounts.models import LoginAttempt, User
from tests.cop_testing import TEST_PASSWORD

NEW_PASSWORD = "a brand new passphrase"


def change(client, current=TEST_PASSWORD, new=NEW_PASSWORD, confirm=None):
    return client.post("/account/password", data={"current_password": current, "new_password": new,
                                                  "confirm_password": new if confirm is None else confirm})


def sign_in(app, email, password):
    other = app.test_client()
    other.post("/login", data={"email": email, "password": password})
    return other


def test_changing_the_password_needs_the_current_one_and_ends_every_other_sign_in(app, client, db):
    person = _person(db)
    me = sign_in(app, person.email, TEST_PASSWORD)
    elsewhere = sign_in(app, person.email, TEST_PASSWORD)
    assert elsewhere.get("/dashboard").status_code == 200

    response = change(me)
    assert response.status_code == 302 and response.headers["Location"].endswith("/dashboard")
    assert me.get("/dashboard").status_code == 200  # this browser carries on
    assert elsewhere.get("/dashboard").status_code == 302  # every other one is signed out
    assert sign_in(app, person.email, NEW_PASSWORD).get("/dashboard").status_code == 200
    assert sign_in(app, person.email, TEST_PASSWORD).get("/dashboard").status_code == 302

    entries = [e.action for e in db.scalars(select(AuditEntry).where(AuditEntry.target_id == str(person.id)))]
    assert "password.changed" in entries
    notice = db.scalars(select(MailMessage).where(MailMessage.user_id == person.id)).one()
    assert notice.to_address == person.email and "password was changed" in notice.subject
    assert NEW_PASSWORD not in notice.body and TEST_PASSWORD not in notice.body and "http" not in notice.body


def test_a_wrong_current_password_changes_nothing_and_counts_as_a_failed_sign_in(app, client, db):
    person = _person(db)
    me = sign_in(app, person.email, TEST_PASSWORD)
    hash_before = db.scalar(select(User.password_hash).where(User.id == person.id))
    response = me.post("/account/password", data={"current_password": "not my password at all",
                                                    "new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Your current password is not right" in page and 'href="#current_password"' in page
    db.expire_all()
    assert db.scalar(select(User.password_hash).where(User.id == person.id)) == hash_before
    failures = db.scalars(select(LoginAttempt).where(LoginAttempt.email == person.email,
                                                     LoginAttempt.is_success.is_(False))).all()
    assert len(failures) == 1
    assert db.scalar(select(MailMessage).where(MailMessage.user_id == person.id)) is None


def test_the_new_password_follows_the_rules(app, client, db):
    person = _person(db)
    me = sign_in(app, person.email, TEST_PASSWORD)
    for new, message in (("short", "between 12 and 128"), ("qazwsxedcrfv", "breaches"),
                         (TEST_PASSWORD, "different from your current one")):
        response = change(me, new=new)
        assert response.status_code == 422 and message in response.get_data(as_text=True), new
    assert change(me, confirm="something else entirely").status_code == 422
    assert me.get("/dashboard").status_code == 200


def test_guessing_the_current_password_here_meets_the_sign_in_lock_out(app, db):
    app.config["LOGIN_THROTTLE"] = True
    person = _person(db)
    me = sign_in(app, person.email, TEST_PASSWORD)
    statuses = [me.post("/account/password", data={"current_password": f"guess number {n:02d}",
                                                    "new_password": NEW_PASSWORD,
                                                    "confirm_password": NEW_PASSWORD}).status_code
                for n in range(12)]
    assert statuses[0] == 422 and 429 in statuses


def test_a_password_reset_sends_a_notice_too(client, db, caplog):
    import re

    person = _person(db)
    with caplog.at_level("WARNING"):
        client.post("/password/forgot", data={"email": person.email})
    path = re.findall(r"https?://\S+?(/password/reset/[\w.-]+)", caplog.text)[0]
    response = client.post(path, data={"password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD})
    assert response.status_code == 302
    notice = db.scalars(select(MailMessage).where(MailMessage.user_id == person.id)).one()
    assert "password was reset" in notice.subject and NEW_PASSWORD not in notice.body


def test_signed_out_visitors_are_sent_to_sign_in(client):
    assert client.get("/account/password").status_code == 302


def _person(db):
    import datetime as dt

    from assessment.accounts import services
    from core.roles import SYSTEM

    return services.create_user(db, actor=SYSTEM, email=f"changer{id(db)}@example.org", full_name="Sam Changer",
                                password=TEST_PASSWORD, roles={Role.CANDIDATE}, now=dt.datetime.now(dt.timezone.utc),
                                hash_profile="fast")


def test_setting_up_using_a_recovery_code_and_a_reset_of_two_factor_each_send_a_notice(app, db, clock, make_user):
    """ASVS V2.5.5: the holder hears of every change to their second factor, and of a recovery code
    being spent; no notice carries the secret or a code."""
    import re

    from assessment.accounts import two_factor_services
    from tests.cop_testing import enrol_through_the_pages

    staff = make_user(Role.EXAMINER)
    browser = app.test_client()
    browser.post("/login", data={"email": staff.email, "password": TEST_PASSWORD})
    secret, shown = enrol_through_the_pages(browser, clock.now())
    codes = re.findall(r"<li>([a-z2-9]{5}-[a-z2-9]{5})</li>", shown.get_data(as_text=True))
    browser.post("/logout")
    clock.advance(seconds=60)
    browser.post("/login", data={"email": staff.email, "password": TEST_PASSWORD})
    assert browser.post("/login/two-factor", data={"code": codes[0]}).status_code == 302
    admin = make_user(Role.ADMIN)
    two_factor_services.reset_two_factor(db, actor=admin.actor, user_id=staff.id, now=clock.now())
    subjects = [m.subject for m in db.scalars(select(MailMessage).where(MailMessage.user_id == staff.id)
                                              .order_by(MailMessage.id))]
    assert subjects == ["Your Certificate of Proficiency account: two-factor sign-in was set up on your account",
                        "Your Certificate of Proficiency account: a recovery code was used to sign in to your account",
                        "Your Certificate of Proficiency account: two-factor sign-in was reset on your account by an "
                        "administrator"]
    for body in db.scalars(select(MailMessage.body).where(MailMessage.user_id == staff.id)):
        assert secret not in body and codes[0] not in body
