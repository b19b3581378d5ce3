"""The key the exam player encrypts its browser-side queues with (ASVS V8.2.2): made once per attempt,
random (not derived from the app's secret), given only to the attempt's own candidate, never cached,
and never written into a subject access export."""
from __future__ import annotations

import base64
import io
import json
import zipfile

import pytest
from sqlalchemy import delete, select

from core.errors import NotFound
from core.roles import Role
from assessment.delivery import services
from assessment.delivery.models import AttemptStorageKey
from tests.assessment.delivery.player_data import SHORT, make_exam
from tests.assessment.delivery.test_hot_path import statements  # noqa: F401  (a fixture)
from core.sealed import sealer_of


@pytest.fixture
def candidate(login_as):
    return login_as(Role.CANDIDATE)


@pytest.fixture
def exam(db, framework, clock, candidate):
    sitting, _ = make_exam(db, items=SHORT, candidate=candidate, now=clock.now())
    return services.start_attempt(db, actor=candidate.actor, sitting_id=sitting.id, device_id="tab", now=clock.now())


def url(attempt):
    return f"/api/v1/attempts/{attempt.id}/storage-key"


def test_the_candidate_gets_one_random_256_bit_key_for_their_attempt_and_no_cache_keeps_it(app, client, db, candidate,
                                                                                        exam):
    first = client.get(url(exam))
    assert first.status_code == 200
    assert first.headers["Cache-Control"] == "no-store"
    key = first.get_json()["key"]
    assert first.get_json()["algorithm"] == "AES-GCM"
    assert len(base64.urlsafe_b64decode(key + "=")) == 32
    assert client.get(url(exam)).get_json()["key"] == key  # the same key on every load: the queue stays readable
    assert db.scalars(select(AttemptStorageKey.key).where(AttemptStorageKey.attempt_id == exam.id)).all() == [key]
    # Not derived from the app's secret: changing it mid-exam (the candidate signs in again) leaves
    # the key as it was, so what the page queued can still be read.
    app.config["SECRET_KEY"] = "rotated-" + str(app.config["SECRET_KEY"])
    with client.session_transaction() as flask_session:
        flask_session["_user_id"] = candidate.get_id()
    assert client.get(url(exam)).get_json()["key"] == key
    # Neither the player's page nor its start-up data carries the key: only this no-store answer does.
    assert key not in client.get(f"/attempts/{exam.id}").get_data(as_text=True)
    assert key not in client.get(f"/api/v1/attempts/{exam.id}?device_id=tab").get_data(as_text=True)
    assert "Set-Cookie" not in first.headers or key not in first.headers["Set-Cookie"]


def test_each_attempt_has_its_own_key(db, framework, clock, make_user, candidate, exam):
    someone = make_user(Role.CANDIDATE)
    sitting, _ = make_exam(db, items=SHORT, candidate=someone, now=clock.now())
    theirs = services.start_attempt(db, actor=someone.actor, sitting_id=sitting.id, device_id="t", now=clock.now())
    assert (services.storage_key_for(db, someone.actor, theirs.id, clock.now())
            != services.storage_key_for(db, candidate.actor, exam.id, clock.now()))


@pytest.mark.parametrize(("roles", "expected"), [((Role.CANDIDATE,), 404), ((Role.EXAMINER,), 403),
                                                 ((Role.ADMIN,), 403), ((Role.INVIGILATOR,), 403),
                                                 ((Role.CANDIDATE, Role.INVIGILATOR), 404)])
def test_another_candidate_and_staff_never_get_the_key(app, db, exam, make_user, roles, expected):
    person = make_user(*roles)
    other = app.test_client()
    with other.session_transaction() as flask_session:
        flask_session["_user_id"] = person.get_id()
    response = other.get(url(exam))
    assert response.status_code == expected
    assert "key" not in response.get_json()
    assert db.scalars(select(AttemptStorageKey)).all() == []  # nothing made for them either
    anonymous = app.test_client().get(url(exam))
    assert anonymous.status_code == 401 and "key" not in anonymous.get_json()


def test_the_service_refuses_anyone_but_the_attempts_candidate(db, exam, make_user, clock):
    for roles in ((Role.CANDIDATE,), (Role.ADMIN,), (Role.INVIGILATOR,)):
        with pytest.raises(NotFound):
            services.storage_key_for(db, make_user(*roles).actor, exam.id, clock.now())
    assert db.scalars(select(AttemptStorageKey)).all() == []


def test_an_ended_attempt_keeps_its_key_but_never_gets_a_new_one(client, db, candidate, exam, clock):
    key = client.get(url(exam)).get_json()["key"]
    services.submit_attempt(db, actor=candidate.actor, attempt_id=exam.id, now=clock.now())
    db.commit()
    # An open page may still need it to clear what it kept, until the retention sweep deletes it.
    assert client.get(url(exam)).get_json()["key"] == key
    db.execute(delete(AttemptStorageKey).where(AttemptStorageKey.attempt_id == exam.id))
    db.commit()
    refused = client.get(url(exam))
    assert refused.status_code == 409 and refused.get_json()["code"] == "attempt_ended"
    assert "key" not in refused.get_json()
    assert db.scalars(select(AttemptStorageKey)).all() == []
    with pytest.raises(services.AttemptEnded):
        services.storage_key_for(db, candidate.actor, exam.id, clock.now())


def test_a_subject_access_export_does_not_include_the_key(app, db, client, candidate, exam, clock):
    from core.roles import SYSTEM
    from assessment.privacy import services as privacy

    key = client.get(url(exam)).get_json()["key"]
    export = privacy.export_person(db, actor=SYSTEM, user=candidate, requested_by="the candidate, by email",
                                   upload_folder=app.config["UPLOAD_FOLDER"], sealer=sealer_of(app.config),
                                   media_store=app.extensions["cop.media"],
                                   now=clock.now())
    archive = zipfile.ZipFile(io.BytesIO(export.data))
    delivery = json.loads(archive.read("delivery.json"))
    assert delivery["attempt_storage_keys"] == [{"attempt_id": exam.id, "key": "(not included)",
                                                 "created_at": delivery["attempt_storage_keys"][0]["created_at"]}]
    assert not any(key in archive.read(name).decode("utf-8", "replace") for name in archive.namelist())


def test_two_requests_making_the_first_key_at_once_both_get_the_one_stored(db, candidate, exam, clock, monkeypatch):
    """The other request stored its key between this one's look and its insert: the insert does
    nothing, and this one answers with the key that was stored, so both pages encrypt alike."""
    db.add(AttemptStorageKey(attempt_id=exam.id, key="the-other-requests-key", created_at=clock.now()))
    db.flush()
    real_get = db.get
    monkeypatch.setattr(db, "get", lambda model, ident, **kw: None if model is AttemptStorageKey
                        else real_get(model, ident, **kw))
    assert services.storage_key_if_any(db, exam, clock.now()) == "the-other-requests-key"
    assert services.storage_key_for(db, candidate.actor, exam.id, clock.now()) == "the-other-requests-key"
    assert db.scalars(select(AttemptStorageKey.key).where(AttemptStorageKey.attempt_id == exam.id)).all() == [
        "the-other-requests-key"]


def test_opening_the_player_folds_the_attempt_once_and_makes_the_key_in_one_statement(client, db, candidate, exam,
                                                                                     statements):
    """The first claim with the exam: the claim's fold serves the key's "is it open?" and the state it
    answers (the fold again with the claim's event, not a second read), and the key is made with one
    insert that says what it stored (no savepoint, no read back)."""
    statements.clear()
    answer = client.post(f"/api/v1/attempts/{exam.id}/claim", json={"device_id": "window-2", "with_exam": True})
    assert answer.status_code == 200 and answer.get_json()["storage_key"]
    folds = [s for s in statements if "AS src" in s]
    assert len(folds) == 1, statements
    # What it answered is what a read after it says.
    state = client.get(f"/api/v1/attempts/{exam.id}/state?device_id=window-2").get_json()
    claimed = answer.get_json()
    assert {field: claimed[field] for field in state} == state
    assert state["read_only"] is False
    made = [s for s in statements if s.startswith("INSERT INTO attempt_storage_keys")]
    assert len(made) == 1 and "ON CONFLICT" in made[0] and "RETURNING" in made[0]
    assert not [s for s in statements if s.startswith("SELECT attempt_storage_keys.key")], statements
