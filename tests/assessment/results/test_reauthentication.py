"""Releasing results, voiding a result and revoking a certificate need a recent re-authentication
(password and a current code): without one the POST changes nothing and leads to /reauthenticate,
which comes back to the page; with one it goes ahead. Each re-authentication is audited."""
from __future__ import annotations

import datetime as dt
import tempfile

from sqlalchemy import select

from core.audit import AuditEntry
from core.roles import Role
from assessment.results.models import ExaminerResultDecision, ResultRelease
from tests.cop_testing import enrol, reauthenticate_through_the_page


def now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def sign_in_without_reauthentication(client, user):
    with client.session_transaction() as flask_session:
        flask_session["_user_id"] = user.get_id()


def audited(db, action):
    return list(db.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def test_releasing_results_needs_a_recent_reauthentication(client, db, scored):
    enrol(db, scored.examiner)
    sign_in_without_reauthentication(client, scored.examiner)
    url = f"/results/board/{scored.sitting.id}/release"
    assert client.get(url).status_code == 200  # the page itself needs nothing more
    form = {"run": scored.run.id, "decision": scored.decision.id, "reasons": "", "confirmed": "yes"}
    stale = client.post(url, data=form)
    assert stale.status_code == 302
    assert stale.headers["Location"] == f"/reauthenticate?next=/results/board/{scored.sitting.id}/release"
    assert list(db.scalars(select(ResultRelease))) == []
    page = client.get(stale.headers["Location"]).get_data(as_text=True)
    assert "Confirm it is you" in page and f'value="/results/board/{scored.sitting.id}/release"' in page
    confirmed = reauthenticate_through_the_page(client, now(), url)
    assert confirmed.status_code == 302 and confirmed.headers["Location"] == url
    assert client.post(url, data=form).status_code == 302
    assert len(list(db.scalars(select(ResultRelease)))) == 1
    [entry] = audited(db, "reauth.succeeded")
    assert entry.actor_id == scored.examiner.id


def test_voiding_a_result_needs_a_recent_reauthentication_but_withholding_does_not(client, db, scored):
    enrol(db, scored.examiner)
    sign_in_without_reauthentication(client, scored.examiner)
    url = f"/results/board/{scored.sitting.id}/decisions"
    attempt = scored.people[0][1]
    stale = client.post(url, data={"attempt": attempt.id, "action": "void", "reasons": "Impersonation found"})
    assert stale.status_code == 302 and stale.headers["Location"].startswith("/reauthenticate?next=")
    assert list(db.scalars(select(ExaminerResultDecision))) == []
    withheld = client.post(url, data={"attempt": attempt.id, "action": "withhold", "reasons": "Under review"})
    assert withheld.status_code == 302 and withheld.headers["Location"].startswith(f"/results/board/")
    assert reauthenticate_through_the_page(client, now(), url).status_code == 302
    done = client.post(url, data={"attempt": attempt.id, "action": "void", "reasons": "Impersonation found"})
    assert done.status_code == 302 and not done.headers["Location"].startswith("/reauthenticate")
    assert [row.action for row in db.scalars(select(ExaminerResultDecision).order_by(ExaminerResultDecision.id))] \
        == ["withhold", "void"]
    assert len(audited(db, "reauth.succeeded")) == 1


def test_revoking_a_certificate_needs_a_recent_reauthentication(client, db, make_user):
    from assessment.results.certificates import services
    from tests.assessment.results.certificates.factories import make_release

    examiner, owner = make_user(Role.EXAMINER), make_user(Role.CANDIDATE, name="Cert Owner")
    release = make_release(db, examiner, [owner], ["pass"])
    issuer = services.issuer_from_config({"BASE_URL": "http://localhost:5000",
                                          "CERTIFICATE_KEY_FOLDER": tempfile.mkdtemp(prefix="cop-reauth-keys-")})
    [certificate] = services.issue_for_release(db, release, examiner.actor, now(), issuer=issuer)
    enrol(db, examiner)
    sign_in_without_reauthentication(client, examiner)
    url = f"/certificates/{certificate.code}"
    stale = client.post(url, data={"reason": "Obtained by impersonation"})
    assert stale.status_code == 302 and stale.headers["Location"].startswith("/reauthenticate?next=")
    assert "Revoke the certificate" in client.get(url).get_data(as_text=True)  # still valid
    assert reauthenticate_through_the_page(client, now(), url).status_code == 302
    assert client.post(url, data={"reason": "Obtained by impersonation"}).status_code == 302
    assert "Revoked" in client.get(url).get_data(as_text=True)


def test_a_reauthentication_lapses_after_ten_minutes(client, db, scored, clock):
    enrol(db, scored.examiner)
    sign_in_without_reauthentication(client, scored.examiner)
    url = f"/results/board/{scored.sitting.id}/decisions"
    attempt = scored.people[0][1]
    assert reauthenticate_through_the_page(client, clock.now(), url).status_code == 302
    clock.advance(minutes=10, seconds=1)
    stale = client.post(url, data={"attempt": attempt.id, "action": "void", "reasons": "Impersonation found"})
    assert stale.status_code == 302 and stale.headers["Location"].startswith("/reauthenticate")
    assert list(db.scalars(select(ExaminerResultDecision))) == []


def test_a_json_request_without_reauthentication_gets_401_json(client, db, scored):
    sign_in_without_reauthentication(client, scored.examiner)
    response = client.post(f"/results/board/{scored.sitting.id}/release", json={"run": scored.run.id})
    assert response.status_code == 401
    assert "re-authentication" in response.get_json()["error"]
