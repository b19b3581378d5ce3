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
import json
import os

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings, strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (content_type_conformance, response_schema_conformance,
                                                status_code_conformance)

from core.roles import Role
from item_bank.exchange.views import openapi_document
from tests.fuzz.conftest import signed_in_client

VISITORS = ["anonymous", *Role]
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
# Examples per operation and visitor (x 23 operations x 10 visitors); COP_FUZZ_EXAMPLES runs it longer.
EXAMPLES = int(os.environ.get("COP_FUZZ_EXAMPLES", "6"))
SEEN: dict[str, set[int]] = {}
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


def fuzz_operation(operation, app, headers, cookies, ids) -> str | None:
    """Run one operation's examples; the first failure's report, or None."""
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
        SEEN.setdefault(operation.label, set()).add(response.status_code)
        case.validate_response(response, checks=CHECKS)

    try:
        run()
    except (Exception, BaseExceptionGroup) as failure:  # schemathesis's FailureGroup is a BaseExceptionGroup
        return f"{operation.label}: {failure}"[:3000]
    return None


@pytest.mark.parametrize("visitor", VISITORS, ids=str)
def test_the_api_conforms_to_its_openapi_document_for_each_visitor(app, db, make_user, framework, visitor):
    person, ids = build_world(db, make_user, visitor)
    client, token = signed_in_client(app, person)
    # The app compresses bodies for clients that accept gzip; schemathesis's WSGI transport would not
    # decode them, so ask for them plain.
    # The session cookie and CSRF header replace whatever schemathesis generates for the document's
    # security schemes (sessionCookie, csrfHeader); the anonymous visitor sends the generated ones.
    headers, cookies = {"Accept-Encoding": "identity"}, None
    if person is not None:
        headers["X-CSRFToken"] = token
        cookies = {"session": client.get_cookie("session").value}
    operations = [result.ok() for result in SCHEMA.get_all_operations()]
    assert len(operations) >= 20
    failures = [report for operation in operations if (report := fuzz_operation(operation, app, headers, cookies, ids))]
    if os.environ.get("COP_FUZZ_SHOW"):
        print(visitor, {k: sorted(v) for k, v in SEEN.items()})
    assert failures == [], "\n\n".join(failures)
