"""Schemathesis against the served OpenAPI document (``/api/v1/openapi.json``), in process over WSGI.

Every operation is fuzzed anonymously and signed in as each role, with bodies that fit the document
(positive) and bodies that do not (negative). Path ids are sometimes generated and sometimes real ones
(a case study, an item, the signed-in candidate's own invigilated attempt and a message sent to it), so
the handlers behind the 404 are reached too. Each response must be no server error, have a documented
status code and content type, and match the documented schema. Bounded and derandomised (a fixed seed):
a failure in CI is the same failure on a laptop (docs/fuzzing.md says how to run it longer).
"""
from __future__ import annotations

import datetime as dt
import importlib
import json
import os

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings, strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (content_type_conformance, response_schema_conformance,
                                                status_code_conformance)

from sqlalchemy import text

from core.roles import Role
from item_bank.exchange.views import openapi_document
from tests.fuzz.conftest import signed_in_client

VISITORS = ["anonymous", *Role]
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
# Examples per operation and visitor (x 23 operations x 10 visitors); COP_FUZZ_EXAMPLES runs it longer.
EXAMPLES = int(os.environ.get("COP_FUZZ_EXAMPLES", "6"))
SCHEMA = schemathesis.openapi.from_dict(json.loads(json.dumps(openapi_document())))


def build_world(db, make_user, visitor):
    """Real ids for the path parameters; a candidate visitor owns the attempt."""
    from assessment.delivery import services as delivery
    from proctoring.live import services as live
    from tests.assessment.delivery.player_data import SHORT, make_exam
    from tests.item_bank.exchange.helpers import sba_case_study
    from tests.proctoring.helpers import approve_checkin

    now = dt.datetime.now(dt.timezone.utc)
    version = sba_case_study(db, make_user(Role.ITEM_WRITER))
    candidate = make_user(Role.CANDIDATE)
    sitting, _ = make_exam(db, items=SHORT, requires_invigilation=True, candidate=candidate, now=now)
    invigilator = make_user(Role.INVIGILATOR)
    approve_checkin(db, sitting.id, candidate.id, invigilator.id, now)
    attempt = delivery.start_attempt(db, actor=candidate.actor, sitting_id=sitting.id, device_id="fuzz", now=now)
    message = live.send_message(db, actor=invigilator.actor, attempt_id=attempt.id, text="Please face the camera.",
                                now=now)
    db.commit()
    person = None if visitor == "anonymous" else candidate if visitor == Role.CANDIDATE else make_user(visitor)
    db.commit()
    ids = {"case_study_id": version.case_study_id, "item_id": version.item_versions[0].item_id,
           "attempt_id": attempt.id, "message_id": message.id, "attachment_id": 1}
    return person, ids


def fuzz_operation(operation, app, headers, cookies, ids, seen: dict[str, set[int]]) -> str | None:
    """Run one operation's examples (noting each status in ``seen``); the first failure's report, or None."""
    names = [p["name"] for p in operation.definition.raw.get("parameters", []) if p.get("in") == "path"]
    strategy = st.one_of(operation.as_strategy(generation_mode=schemathesis.GenerationMode.POSITIVE),
                         operation.as_strategy(generation_mode=schemathesis.GenerationMode.NEGATIVE))

    @settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    @given(case=strategy, real_ids=st.booleans())
    def run(case, real_ids):
        if real_ids and names:
            case.path_parameters = {**(case.path_parameters or {}), **{n: ids[n] for n in names}}
        response = case.call(app=app, headers=headers, cookies=cookies)
        seen.setdefault(operation.label, set()).add(response.status_code)
        case.validate_response(response, checks=CHECKS)

    try:
        run()
    except (Exception, BaseExceptionGroup) as failure:  # schemathesis's FailureGroup is a BaseExceptionGroup
        return f"{operation.label}: {failure}"[:3000]
    return None


def visitor_headers(app, person) -> tuple[dict, dict | None]:
    """Headers and cookies for ``person`` (None: anonymous). The session cookie and CSRF header replace
    whatever schemathesis generates for the document's security schemes (sessionCookie, csrfHeader);
    the anonymous visitor sends the generated ones. The app compresses bodies for clients that accept
    gzip; schemathesis's WSGI transport would not decode them, so ask for them plain."""
    client, token = signed_in_client(app, person)
    if person is None:
        return {"Accept-Encoding": "identity"}, None
    return {"Accept-Encoding": "identity", "X-CSRFToken": token}, {"session": client.get_cookie("session").value}


@pytest.mark.parametrize("visitor", VISITORS, ids=str)
def test_the_api_conforms_to_its_openapi_document_for_each_visitor(app, db, make_user, framework, visitor):
    person, ids = build_world(db, make_user, visitor)
    headers, cookies = visitor_headers(app, person)
    operations = [result.ok() for result in SCHEMA.get_all_operations()]
    assert len(operations) >= 20
    seen: dict[str, set[int]] = {}
    failures = [report for operation in operations
                if (report := fuzz_operation(operation, app, headers, cookies, ids, seen))]
    if os.environ.get("COP_FUZZ_SHOW"):
        print(visitor, {label: sorted(codes) for label, codes in seen.items()})
    assert failures == [], "\n\n".join(failures)


def documented_statuses() -> dict[str, set[int]]:
    return {f"{method.upper()} {path}": {int(code) for code in operation["responses"]}
            for path, item in openapi_document()["paths"].items() for method, operation in item.items()}


def probe(app, ids, seen):
    """The answers every operation gives whatever its body: 401 to anonymous reads and to anonymous
    writes that carry the session's CSRF token, 400 to writes without it and to an address with a NUL."""
    client = app.test_client()
    token = _anonymous_token(client)
    for label in documented_statuses():
        method, path = label.split(" ", 1)
        url = path.format(**ids)
        for headers, query in (({}, ""), ({"X-CSRFToken": token}, ""), ({"X-CSRFToken": token}, "?q=%00")):
            response = client.open(url + query, method=method, headers=headers, json={})
            seen.setdefault(label, set()).add(response.status_code)
            response.close()


def _anonymous_token(client) -> str:
    import re

    page = client.get("/login")
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.get_data(as_text=True))
    page.close()
    return match.group(1)


def test_every_documented_status_code_is_real(app, db, make_user, framework):
    """Each (operation, status) the document lists is answered by the probes above or the fuzz (as the
    candidate who owns the attempt, an item writer and an invigilator), or is named in
    ``PROVOKED_ELSEWHERE`` with the test that provokes it."""
    seen: dict[str, set[int]] = {}
    for visitor in (Role.CANDIDATE, Role.ITEM_WRITER, Role.INVIGILATOR):
        person, ids = build_world(db, make_user, visitor)
        headers, cookies = visitor_headers(app, person)
        for result in SCHEMA.get_all_operations():
            fuzz_operation(result.ok(), app, headers, cookies, ids, seen)
    probe(app, ids, seen)
    unreached = {(label, code) for label, codes in documented_statuses().items()
                 for code in codes - seen.get(label, set())}
    if os.environ.get("COP_FUZZ_SHOW"):
        print(sorted(unreached))
    assert unreached - set(PROVOKED_ELSEWHERE) == set(), "documented but never answered"
    for (label, code), test in PROVOKED_ELSEWHERE.items():
        assert code in documented_statuses()[label], (label, code)
        file, name = test.split("::")
        module = importlib.import_module(file.removesuffix(".py").replace("/", "."))
        assert callable(getattr(module, name, None)), test


DELIVERY = "tests/assessment/delivery/test_api.py::"
EXCHANGE = "tests/item_bank/exchange/test_api.py::"
INGEST = "tests/proctoring/telemetry/test_ingest.py::"
HERE = "tests/fuzz/test_api_schemathesis.py::"
ATTEMPT = "/api/v1/attempts/{attempt_id}"
CASE_STUDY = "/api/v1/item-bank/case-studies/{case_study_id}"
INVIGILATION = "/api/v1/invigilation/attempts/{attempt_id}"
# What the fuzz and the probes do not reach (states it cannot set up: a paused attempt, a rate exceeded,
# a version no longer a draft, a missing framework), each with the test that provokes it.
PROVOKED_ELSEWHERE: dict[tuple[str, int], str] = {
    (f"GET {ATTEMPT}/attachments/{{attachment_id}}", 200): DELIVERY + "test_attachments_of_the_attempt_only",
    (f"GET {ATTEMPT}/attachments/{{attachment_id}}", 409): HERE + "test_a_paused_attempt_withholds_its_documents_409",
    (f"GET {ATTEMPT}/storage-key", 409):
        "tests/assessment/delivery/test_storage_key.py::test_an_ended_attempt_keeps_its_key_but_never_gets_a_new_one",
    (f"POST {ATTEMPT}/break", 200): DELIVERY + "test_a_rest_break_stops_the_clock",
    (f"POST {ATTEMPT}/break", 409): DELIVERY + "test_a_rest_break_stops_the_clock",
    (f"POST {ATTEMPT}/break", 422): DELIVERY + "test_bad_claims_and_breaks_are_422",
    (f"POST {ATTEMPT}/claim", 422): DELIVERY + "test_bad_claims_and_breaks_are_422",
    (f"POST {ATTEMPT}/responses", 200):
        DELIVERY + "test_a_save_is_acknowledged_and_a_retry_or_an_identical_save_writes_nothing",
    # Reached by the fuzz in some runs only: the sequence numbers generated, and the invigilation rate
    # limit (events a minute by the real clock, shared by the examples) decide whether a write succeeds.
    (f"POST {ATTEMPT}/responses", 409): DELIVERY + "test_a_stale_sequence_gets_409_with_the_current_state",
    (f"POST {ATTEMPT}/claim", 200): DELIVERY + "test_another_window_takes_over_and_this_one_becomes_read_only",
    (f"POST {ATTEMPT}/submit", 200): DELIVERY + "test_submit_ends_the_attempt_and_answers_are_final",
    (f"POST {INVIGILATION}/events", 200):
        INGEST + "test_a_batch_is_appended_to_the_chain_with_both_times_and_acknowledged",
    (f"POST {INVIGILATION}/messages/{{message_id}}/acknowledge", 200):
        "tests/proctoring/live/test_views.py::test_the_candidate_reads_and_acknowledges_a_message",
    (f"POST {INVIGILATION}/events", 409):
        INGEST + "test_after_submission_events_are_recorded_as_such_for_a_grace_then_refused",
    (f"POST {INVIGILATION}/events", 429):
        INGEST + "test_more_than_the_rate_a_minute_is_refused_with_retry_after_and_nothing_written",
    (f"POST {INVIGILATION}/snapshots", 200): INGEST + "test_a_snapshot_goes_to_the_media_store_and_its_sha256_to_the_log",
    (f"POST {INVIGILATION}/snapshots", 409):
        INGEST + "test_after_submission_events_are_recorded_as_such_for_a_grace_then_refused",
    (f"POST {INVIGILATION}/snapshots", 413):
        INGEST + "test_a_snapshot_too_large_wrongly_typed_or_without_its_headers_is_refused",
    (f"POST {INVIGILATION}/snapshots", 415):
        INGEST + "test_a_snapshot_too_large_wrongly_typed_or_without_its_headers_is_refused",
    (f"POST {INVIGILATION}/snapshots", 429): HERE + "test_snapshots_beyond_the_rate_are_429",
    ("POST /api/v1/item-bank/case-studies", 409): HERE + "test_a_case_study_without_the_framework_loaded_is_409",
    (f"POST {CASE_STUDY}/items", 201): EXCHANGE + "test_an_item_writer_creates_a_draft_and_adds_items_of_every_type",
    (f"POST {CASE_STUDY}/items", 409): EXCHANGE + "test_a_version_that_is_not_a_draft_is_409",
    (f"PUT {CASE_STUDY}", 200): EXCHANGE + "test_update_a_draft_and_replace_an_item",
    (f"PUT {CASE_STUDY}", 409): EXCHANGE + "test_a_version_that_is_not_a_draft_is_409",
    (f"PUT {CASE_STUDY}/items/{{item_id}}", 200): EXCHANGE + "test_update_a_draft_and_replace_an_item",
    (f"PUT {CASE_STUDY}/items/{{item_id}}", 409): EXCHANGE + "test_a_version_that_is_not_a_draft_is_409",
}


def test_a_case_study_without_the_framework_loaded_is_409(app, db, make_user):
    client, token = signed_in_client(app, make_user(Role.ITEM_WRITER))
    response = client.post("/api/v1/item-bank/case-studies", headers={"X-CSRFToken": token},
                           json={"title": "Jamie", "scenario_html": "<p>Referred.</p>"})
    assert response.status_code == 409 and response.json["error"]


def test_a_paused_attempt_withholds_its_documents_409(app, db, make_user, framework, tmp_path):
    from assessment.delivery import services as delivery
    from tests.assessment.delivery.player_data import SHORT, make_exam

    now = dt.datetime.now(dt.timezone.utc)
    candidate = make_user(Role.CANDIDATE)
    make_exam(db, items=SHORT, candidate=candidate, rest_breaks=True, now=now,
              attachment_folder=app.config["UPLOAD_FOLDER"])
    sitting_id = db.execute(text("SELECT sitting_id FROM bookings WHERE candidate_id = :c"),
                            {"c": candidate.id}).scalar_one()
    attempt = delivery.start_attempt(db, actor=candidate.actor, sitting_id=sitting_id, device_id="fuzz", now=now)
    db.commit()
    client, token = signed_in_client(app, candidate)
    body = client.get(f"/api/v1/attempts/{attempt.id}").get_json()
    link = body["case_studies"][0]["attachments"][0]["url"]
    assert client.post(f"/api/v1/attempts/{attempt.id}/break", headers={"X-CSRFToken": token},
                       json={"action": "start"}).status_code == 200
    response = client.get(link)
    assert response.status_code == 409 and response.json["code"] == "paused"


def test_snapshots_beyond_the_rate_are_429(app, db, make_user, framework):
    from tests.proctoring.telemetry.conftest import jpeg

    app.config["INVIGILATION_MAX_EVENTS_PER_MINUTE"] = 1
    person, ids = build_world(db, make_user, Role.CANDIDATE)
    client, token = signed_in_client(app, person)
    answers = []
    for number in range(3):
        answers.append(client.post(f"/api/v1/invigilation/attempts/{ids['attempt_id']}/snapshots", data=jpeg(),
                                   content_type="image/jpeg",
                                   headers={"X-CSRFToken": token, "X-Client-Event-Id": f"s-{number}",
                                            "X-Captured-At": dt.datetime.now(dt.timezone.utc).isoformat()}))
    refused = [a for a in answers if a.status_code == 429]
    assert refused and refused[-1].json["code"] == "rate_limited" and refused[-1].headers["Retry-After"]


def test_an_id_beyond_an_integer_column_is_404_not_a_database_error(app, db, make_user, framework):
    """Found by the fuzz on PostgreSQL: ids between 2**31 and 2**63 reached the database (integer out of
    range, 500). Ids are bounded at 2**31 - 1 in the URL converter."""
    person, ids = build_world(db, make_user, Role.CANDIDATE)
    client, token = signed_in_client(app, person)
    for number in (2**31, 5_385_491_770, 2**63 - 1):
        assert client.get(f"/api/v1/attempts/{number}/state").status_code == 404
        assert client.post(f"/api/v1/attempts/{number}/submit", headers={"X-CSRFToken": token},
                           json={}).status_code == 404
    assert client.get(f"/api/v1/attempts/{ids['attempt_id']}/state").status_code == 200
