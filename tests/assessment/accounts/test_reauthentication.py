"""Granting and removing roles and resetting someone's second factor need a recent
re-authentication; the /reauthenticate page checks password and code, counts failures towards the
sign-in limits, follows only a safe next, and audits each outcome."""
from __future__ import annotations

from sqlalchemy import select

from core.audit import AuditEntry
from core.roles import Role
from assessment.accounts import policy
from assessment.accounts.models import TwoFactorCredential
from tests.cop_testing import TEST_TOTP_SECRET, enrol, reauthenticate_through_the_page, totp


def actions(db):
    return [e.action for e in db.scalars(select(AuditEntry).order_by(AuditEntry.id))]


def test_granting_a_role_needs_a_recent_reauthentication(client, db, login_as, make_user, clock):
    admin = login_as(Role.ADMIN, reauthenticated=False)
    enrol(db, admin)
    target = make_user(Role.CANDIDATE)
    url = f"/admin/users/{target.id}"
    assert client.get(url).status_code == 200
    stale = client.post(url, data={"role": "examiner"})
    assert stale.status_code == 302 and stale.headers["Location"] == f"/reauthenticate?next={url}"
    db.refresh(target)
    assert Role.EXAMINER not in target.roles and "role.granted" not in actions(db)
    assert reauthenticate_through_the_page(client, clock.now(), url).headers["Location"] == url
    assert client.post(url, data={"role": "examiner"}).status_code == 302
    db.refresh(target)
    assert Role.EXAMINER in target.roles
    assert actions(db)[-2:] == ["reauth.succeeded", "role.granted"]


def test_removing_a_role_needs_a_recent_reauthentication(client, db, login_as, make_user, clock):
    admin = login_as(Role.ADMIN, reauthenticated=False)
    enrol(db, admin)
    target = make_user(Role.EXAMINER)
    revoke = f"/admin/users/{target.id}/roles/examiner/revoke"
    stale = client.post(revoke)
    # Back to the person's page afterwards, where the button is.
    assert stale.status_code == 302 and stale.headers["Location"] == f"/reauthenticate?next=/admin/users/{target.id}"
    db.refresh(target)
    assert Role.EXAMINER in target.roles
    reauthenticate_through_the_page(client, clock.now(), f"/admin/users/{target.id}")
    assert client.post(revoke).status_code == 302
    db.refresh(target)
    assert Role.EXAMINER not in target.roles and "role.revoked" in actions(db)


def test_resetting_a_second_factor_needs_a_recent_reauthentication(client, db, login_as, make_user, clock):
    admin = login_as(Role.ADMIN, reauthenticated=False)
    enrol(db, admin)
    target = make_user(Role.INVIGILATOR)
    enrol(db, target)
    stale = client.post(f"/admin/users/{target.id}/two-factor/reset")
    assert stale.headers["Location"].startswith("/reauthenticate?next=")
    assert db.scalar(select(TwoFactorCredential).where(TwoFactorCredential.user_id == target.id)) is not None
    reauthenticate_through_the_page(client, clock.now(), f"/admin/users/{target.id}")
    assert client.post(f"/admin/users/{target.id}/two-factor/reset").status_code == 302
    assert db.scalar(select(TwoFactorCredential).where(TwoFactorCredential.user_id == target.id)) is None
    assert "two_factor.reset" in actions(db)


def test_a_wrong_password_or_code_is_refused_audited_and_counted(client, db, login_as, clock):
    admin = login_as(Role.ADMIN, reauthenticated=False)
    enrol(db, admin)
    right = totp(TEST_TOTP_SECRET, clock.now())
    wrong_code = "000000" if right != "000000" else "111111"
    bad_password = client.post("/reauthenticate", data={"password": "not my password", "code": right,
                                                        "next": "/admin/users"})
    assert bad_password.status_code == 401 and "The password or the code is not right" in \
        bad_password.get_data(as_text=True)
    bad_code = client.post("/reauthenticate", data={"password": "correct horse battery staple", "code": wrong_code,
                                                    "next": "/admin/users"})
    assert bad_code.status_code == 401
    assert actions(db).count("reauth.failed") == 2
    for _ in range(policy.SLOW_AFTER - 2):
        client.post("/reauthenticate", data={"password": "nope nope nope", "code": right, "next": ""})
    slowed = reauthenticate_through_the_page(client, clock.now(), "/admin/users")
    assert slowed.status_code == 429  # the failures count towards the account's sign-in limits
    clock.advance(seconds=policy.FIRST_DELAY_S + 1)
    assert reauthenticate_through_the_page(client, clock.now(), "/admin/users").status_code == 302


def test_the_reauthentication_page_follows_only_a_safe_next(client, db, login_as, clock):
    admin = login_as(Role.ADMIN, reauthenticated=False)
    enrol(db, admin)
    response = reauthenticate_through_the_page(client, clock.now(), "https://evil.example/phish")
    assert response.status_code == 302 and response.headers["Location"] == "/dashboard"


def test_a_code_used_to_reauthenticate_cannot_be_used_again(client, db, login_as, clock):
    admin = login_as(Role.ADMIN, reauthenticated=False)
    enrol(db, admin)
    assert reauthenticate_through_the_page(client, clock.now(), "/admin/users").status_code == 302
    assert reauthenticate_through_the_page(client, clock.now(), "/admin/users").status_code == 401


def test_the_sign_in_with_both_factors_counts_as_a_reauthentication(app, db, make_user, clock):
    from tests.cop_testing import sign_in_with_code

    admin = make_user(Role.ADMIN)
    enrol(db, admin)
    target = make_user(Role.CANDIDATE)
    client = app.test_client()
    assert sign_in_with_code(client, admin.email, clock.now()).status_code == 302
    assert client.post(f"/admin/users/{target.id}", data={"role": "examiner"}).headers["Location"] \
        == f"/admin/users/{target.id}"
    clock.advance(minutes=11)
    stale = client.post(f"/admin/users/{target.id}", data={"role": "invigilator"})
    assert stale.headers["Location"].startswith("/reauthenticate")
