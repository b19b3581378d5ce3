"""The list of sign-ins and ending them (ASVS V3.3.4): the device name, the rows every sign-in makes,
the check every request makes against its row, the page, and retention."""
from __future__ import annotations

import datetime as dt

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from core.audit import AuditEntry
from core.mail import MailMessage
from core.roles import SYSTEM, Role
from core.web import SIGN_IN_KEY, sign_in_digest
from assessment.accounts import policy
from assessment.accounts.models import SignIn
from assessment.privacy.retention import RetentionPeriods, sweep
from tests.cop_testing import TEST_PASSWORD, mark_reauthenticated, record_sign_in

CHROME_WINDOWS = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
                  "Chrome/120.0.0.0 Safari/537.36")
FIREFOX_LINUX = "Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0"


# --- the device name (pure) ----------------------------------------------------------------------------

@pytest.mark.parametrize("user_agent, expected", [
    (CHROME_WINDOWS, "Chrome on Windows"),
    (FIREFOX_LINUX, "Firefox on Linux"),
    ("Mozilla/5.0 (Macintosh; Intel Mac OS X 14_2) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 "
     "Safari/605.1.15", "Safari on macOS"),
    ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
     "Version/17.2 Mobile/15E148 Safari/604.1", "Safari on iPhone"),
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 "
     "Safari/537.36 Edg/120.0.2210.91", "Edge on Windows"),
    ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.6099.144 "
     "Mobile Safari/537.36", "Chrome on Android"),
    ("Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 "
     "Safari/537.36", "Chrome on ChromeOS"),
    ("curl/8.5.0", "Unknown browser"),
    ("", "Unknown browser"),
    (None, "Unknown browser"),
    ("Something (Windows NT 10.0)", "Unknown browser on Windows"),
])
def test_the_device_is_named_from_the_user_agent(user_agent, expected):
    assert policy.device_description(user_agent) == expected


def test_a_sign_in_is_listed_while_it_could_still_be_in_use():
    now = dt.datetime(2026, 12, 8, 12, 0, tzinfo=dt.timezone.utc)
    assert policy.sign_in_listed(now - policy.IDLE_LIMIT, now)
    assert policy.sign_in_listed(now - policy.IDLE_LIMIT - policy.SIGN_IN_SEEN_EVERY, now)
    assert not policy.sign_in_listed(now - policy.IDLE_LIMIT - policy.SIGN_IN_SEEN_EVERY - dt.timedelta(seconds=1),
                                     now)


# --- helpers ----------------------------------------------------------------------------------------------

def _second_browser(app, person, user_agent=FIREFOX_LINUX):
    """Another browser signed in as ``person``, with its own sign-in row."""
    other = app.test_client()
    with other.session_transaction() as flask_session:
        flask_session["_user_id"] = person.get_id()
        flask_session[SIGN_IN_KEY] = record_sign_in(app, person.get_id(), user_agent=user_agent)
    return other


def _row_of(db, client) -> SignIn:
    with client.session_transaction() as flask_session:
        digest = sign_in_digest(flask_session[SIGN_IN_KEY])
    return db.scalar(select(SignIn).where(SignIn.token_hash == digest).execution_options(populate_existing=True))


def _end(client, sign_in, password=TEST_PASSWORD, confirming="yes"):
    return client.post("/account/sessions/end", data={"sign_in": str(sign_in), "password": password,
                                                       "confirming": confirming})


# --- rows made by signing in --------------------------------------------------------------------------

def test_signing_in_with_a_password_records_the_browser_and_keeps_only_the_tokens_hash(app, db, make_user):
    person = make_user(Role.CANDIDATE, email="sam@example.org")
    client = app.test_client()
    answer = client.post("/login", data={"email": "sam@example.org", "password": TEST_PASSWORD},
                         headers={"User-Agent": CHROME_WINDOWS}, environ_base={"REMOTE_ADDR": "192.0.2.7"})
    assert answer.status_code == 302
    with client.session_transaction() as flask_session:
        token = flask_session[SIGN_IN_KEY]
    row = db.scalar(select(SignIn).where(SignIn.user_id == person.id))
    assert row.device == "Chrome on Windows" and row.ip_address == "192.0.2.7" and row.ended_at is None
    assert row.token_hash == sign_in_digest(token) and token not in row.token_hash
    assert row.started_at == row.last_seen_at


def test_a_signed_in_cookie_without_a_sign_in_token_is_treated_as_ended(app, db, make_user):
    person = make_user(Role.CANDIDATE)
    old = FlaskClient(app, app.response_class, use_cookies=True)  # writes the session as it is, no row
    with old.session_transaction() as flask_session:
        flask_session["_user_id"] = person.get_id()
    page = old.get("/account/sessions")
    assert page.status_code == 302 and page.headers["Location"].startswith("/login")
    assert old.get("/api/v1/csrf-token").status_code == 401


# --- the page -------------------------------------------------------------------------------------------

def test_the_list_shows_only_ones_own_active_sign_ins_and_marks_this_device(app, client, db, login_as):
    me = login_as(Role.CANDIDATE)
    _second_browser(app, me, FIREFOX_LINUX)
    someone = login_as(Role.CANDIDATE)  # the same client now signs in as someone else...
    _second_browser(app, someone, "Mozilla/5.0 (iPad; CPU OS 17_2 like Mac OS X) Version/17.2 Safari/604.1")
    mine = app.test_client()
    with mine.session_transaction() as flask_session:
        flask_session["_user_id"] = me.get_id()
    page = mine.get("/account/sessions")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "Where you are signed in" in text
    assert "Firefox on Linux" in text and "iPad" not in text
    assert text.count("This device</strong>") == 1
    assert "Sign out of all other devices" in text
    assert 'href="/account/sessions"' in text  # the header's link


def test_ending_another_sign_in_stops_that_browser_at_its_next_request(app, client, db, login_as):
    me = login_as(Role.CANDIDATE)
    other = _second_browser(app, me)
    row = _row_of(db, other)
    assert other.get("/account/sessions").status_code == 200
    asked = client.post("/account/sessions/end", data={"sign_in": str(row.id)})
    assert asked.status_code == 200 and "Confirm it is you" in asked.get_data(as_text=True)
    assert _row_of(db, other).ended_at is None  # the button alone ends nothing: the password comes first
    done = _end(client, row.id)
    assert done.status_code == 302 and done.headers["Location"] == "/account/sessions"
    ended = _row_of(db, other)
    assert ended.ended_at is not None and ended.end_reason == "ended_from_list"
    page = other.get("/account/sessions")
    assert page.status_code == 302 and page.headers["Location"].startswith("/login")
    assert other.get("/api/v1/csrf-token").status_code == 401
    assert client.get("/account/sessions").status_code == 200  # this browser carries on
    entry = db.scalar(select(AuditEntry).where(AuditEntry.action == "sign_in.ended"))
    assert entry.actor_id == me.id and entry.target_id == str(row.id)
    assert db.scalar(select(MailMessage).where(MailMessage.user_id == me.id,
                                               MailMessage.subject.contains("signed out")))
    again = _end(client, row.id)  # already ended: harmless, and nothing more is recorded
    assert again.status_code == 302
    assert len(db.scalars(select(AuditEntry).where(AuditEntry.action == "sign_in.ended")).all()) == 1


def test_ending_an_autosaving_candidates_sign_in_refuses_the_fast_path(app, client, db, clock, login_as, framework):
    from tests.assessment.delivery.test_hot_path import _exam_for, _save

    candidate = login_as(Role.CANDIDATE)
    attempt = _exam_for(db, clock, candidate)
    phone = _second_browser(app, candidate)
    assert _save(client, attempt, step="c-1").status_code == 200
    assert _end(phone, _row_of(db, client).id).status_code == 302
    refused = _save(client, attempt, step="c-2")
    assert refused.status_code == 401


def test_a_wrong_or_missing_password_ends_nothing(app, client, db, login_as):
    me = login_as(Role.CANDIDATE)
    other = _second_browser(app, me)
    row = _row_of(db, other)
    wrong = _end(client, row.id, password="not my password")
    assert wrong.status_code == 401 and "Your password is not right" in wrong.get_data(as_text=True)
    missing = _end(client, row.id, password="")
    assert missing.status_code == 422 and "Enter your password" in missing.get_data(as_text=True)
    assert _row_of(db, other).ended_at is None
    assert db.scalar(select(AuditEntry).where(AuditEntry.action == "reauth.failed")) is not None


def test_ending_someone_elses_sign_in_is_not_found(app, client, db, login_as, make_user):
    login_as(Role.CANDIDATE)
    stranger = make_user(Role.CANDIDATE)
    theirs = _second_browser(app, stranger)
    row = _row_of(db, theirs)
    assert client.post("/account/sessions/end", data={"sign_in": str(row.id)}).status_code == 404
    assert _end(client, row.id).status_code == 404
    assert _end(client, 2**33).status_code == 404  # a number no id column holds
    assert _row_of(db, theirs).ended_at is None and theirs.get("/account/sessions").status_code == 200


def test_signing_out_of_all_other_devices_keeps_this_one(app, client, db, login_as):
    me = login_as(Role.CANDIDATE)
    first, second = _second_browser(app, me), _second_browser(app, me, CHROME_WINDOWS)
    assert _end(client, "others").status_code == 302
    assert first.get("/account/sessions").status_code == 302 and second.get("/account/sessions").status_code == 302
    assert client.get("/account/sessions").status_code == 200
    entry = db.scalar(select(AuditEntry).where(AuditEntry.action == "sign_in.others_ended"))
    assert "2" in entry.after_summary and entry.actor_id == me.id


def test_staff_re_authenticate_with_their_code_first(app, client, db, login_as):
    examiner = login_as(Role.EXAMINER, reauthenticated=False)
    other = _second_browser(app, examiner)
    row = _row_of(db, other)
    asked = client.post("/account/sessions/end", data={"sign_in": str(row.id)})
    assert asked.status_code == 302 and asked.headers["Location"].startswith("/reauthenticate")
    assert _row_of(db, other).ended_at is None
    with client.session_transaction() as flask_session:
        mark_reauthenticated(flask_session, examiner)
    done = client.post("/account/sessions/end", data={"sign_in": str(row.id)})
    assert done.status_code == 302 and _row_of(db, other).ended_at is not None


def test_the_sign_out_form_needs_its_csrf_token(app, client, db, login_as):
    me = login_as(Role.CANDIDATE)
    other = _second_browser(app, me)
    app.config["WTF_CSRF_ENABLED"] = True
    answer = _end(client, _row_of(db, other).id)
    assert answer.status_code == 400
    assert _row_of(db, other).ended_at is None


def test_ending_this_browsers_own_sign_in_signs_out_here(app, client, db, login_as):
    login_as(Role.CANDIDATE)
    row = _row_of(db, client)
    done = _end(client, row.id)
    assert done.status_code == 302 and done.headers["Location"] == "/"
    assert client.get("/account/sessions").status_code == 302


# --- what else ends sign-ins ---------------------------------------------------------------------------

def test_signing_out_ends_only_this_browsers_sign_in(app, client, db, login_as):
    me = login_as(Role.CANDIDATE)
    other = _second_browser(app, me)
    row = _row_of(db, client)
    assert client.post("/logout").status_code == 302
    assert db.get(SignIn, row.id, populate_existing=True).end_reason == "signed_out"
    assert other.get("/account/sessions").status_code == 200


def test_a_password_change_ends_every_other_sign_in_and_this_browser_carries_on(app, client, db, login_as):
    me = login_as(Role.CANDIDATE)
    other = _second_browser(app, me)
    changed = client.post("/account/password", data={"current_password": TEST_PASSWORD,
                                                      "new_password": "a whole new passphrase here",
                                                      "confirm_password": "a whole new passphrase here"})
    assert changed.status_code == 302
    assert _row_of(db, other).end_reason == "password_changed"
    assert other.get("/account/sessions").status_code == 302
    assert client.get("/account/sessions").status_code == 200
    assert _row_of(db, client).ended_at is None


def test_the_row_is_seen_at_most_every_ten_minutes(app, client, db, clock, login_as):
    login_as(Role.CANDIDATE)
    assert client.get("/account/sessions").status_code == 200
    first = _row_of(db, client).last_seen_at
    clock.advance(minutes=5)
    client.get("/account/sessions")
    assert _row_of(db, client).last_seen_at == first
    clock.advance(minutes=6)
    client.get("/account/sessions")
    assert _row_of(db, client).last_seen_at == clock.now()


def test_a_lapsed_session_ends_its_row(app, client, db, clock, login_as):
    login_as(Role.CANDIDATE)
    assert client.get("/account/sessions").status_code == 200
    row = _row_of(db, client)
    clock.advance(minutes=31)
    assert client.get("/account/sessions").status_code == 302
    assert db.get(SignIn, row.id, populate_existing=True).end_reason == "timed_out"


# --- retention -----------------------------------------------------------------------------------------

def test_the_sweep_deletes_sign_ins_ended_or_unseen_past_the_period(app, db, make_user):
    person = make_user(Role.CANDIDATE)
    now = dt.datetime(2026, 12, 8, 12, 0, tzinfo=dt.timezone.utc)
    day = dt.timedelta(days=1)
    db.add_all([
        SignIn(user_id=person.id, token_hash="a" * 64, started_at=now - 100 * day, last_seen_at=now - 100 * day,
               ended_at=now - 91 * day, end_reason="signed_out", device="Firefox", ip_address=None),
        SignIn(user_id=person.id, token_hash="b" * 64, started_at=now - 100 * day, last_seen_at=now - 91 * day,
               device="Firefox", ip_address=None),
        SignIn(user_id=person.id, token_hash="c" * 64, started_at=now - 100 * day, last_seen_at=now - 100 * day,
               ended_at=now - 10 * day, end_reason="signed_out", device="Firefox", ip_address=None),
        SignIn(user_id=person.id, token_hash="d" * 64, started_at=now, last_seen_at=now, device="Firefox",
               ip_address=None),
    ])
    db.flush()
    report = sweep(db, actor=SYSTEM, periods=RetentionPeriods.from_config(app.config), mail_folder=None, now=now)
    assert report.ended_sign_ins == 2
    assert sorted(row.token_hash[0] for row in db.scalars(select(SignIn))) == ["c", "d"]
