"""Hypothesis on every form's POST handler: any form body gets an answer a browser can show, never a
server error, and a refusal writes nothing.

Every rule of ``app.url_map`` that takes POST (outside ``/api/``, which schemathesis covers) is posted
to by a client signed in as a role the route table (tests/routes/) allows, with a valid CSRF token:
the app has CSRF protection on (tests/fuzz/conftest.py), so that the bodies reach the handlers exactly
as a browser's would. The body holds the form's own field names (read from the page at the same
address when it has one, and from the route table's example) plus unknown ones, with values that are
empty, huge, numbers out of every range, arbitrary unicode including NUL, and bytes that are not UTF-8
(lone surrogates encoded as bytes). Each answer's status must be one a form can give; for a refusal
(4xx) the row count of every table must be what it was before (nothing half-written).
"""
from __future__ import annotations

import os
import re
import traceback
from urllib.parse import quote_from_bytes

import pytest
from hypothesis import HealthCheck, Phase, example, given, settings, strategies as st
from sqlalchemy import text

from assessment.models import metadata
from core.roles import Role
from tests.fuzz.conftest import signed_in_client
from tests.routes import PUBLIC, SIGNED_IN, all_routes, area_modules, build_context

ROUTES = all_routes()
ALLOWED_STATUS = {200, 302, 303, 400, 403, 404, 405, 409, 410, 413, 422, 429}
# Wrong credentials at the sign-in form, or when confirming them again before a sensitive action (the
# password re-entered before signing out somewhere from the list of sign-ins, too): the form again,
# with 401 (the credentials were refused).
EXTRA_STATUS = {"accounts.login": {401}, "accounts.reauthenticate": {401}, "sign_ins.end": {401}}
EXAMPLES = int(os.environ.get("COP_FUZZ_EXAMPLES", "15"))
AREAS = sorted(module.__name__.rsplit(".", 1)[1] for module in area_modules())
FIELD = re.compile(r"<(?:input|select|textarea|button)\b[^>]*?\bname=\"([^\"]+)\"", re.IGNORECASE)
# Tables a refusal may legitimately add to: the sign-in throttle counts refused attempts, a refused
# sign-in is audited (security logging), and refusals are counted towards security alerts, which may
# then be raised and queued for mail and webhook (core/alerts, ASVS V11.1.8).
MAY_GROW_ON_REFUSAL = {"login_attempts", "throttle_locks", "alert_counters", "security_alerts", "alert_webhooks",
                       "mail_messages"}
# Re-authentication and the current password on the change-password page are checked as a sign-in is:
# a wrong one counts towards the lock-out and is audited like a refused sign-in. A sign-up refused by
# the rate limit is audited too, so that it raises an alert.
MAY_GROW_ON_REFUSAL_AT = {"accounts.login": {"audit_entries"}, "accounts.reauthenticate": {"audit_entries"},
                          "credentials.change_password": {"audit_entries"}, "sign_ins.end": {"audit_entries"},
                          "accounts.register": {"audit_entries"}}

HUGE = 10**40
values = st.one_of(
    st.just(b""),
    st.text(max_size=40).map(lambda s: s.encode("utf-8", "surrogatepass")),  # any code point, NUL included
    st.integers(min_value=-HUGE, max_value=HUGE).map(lambda n: str(n).encode()),
    st.sampled_from([b"\x00", b"\xed\xa0\x80", b"\xff\xfe", b"y", b"1", b"-1", b"0", b"9" * 400, b"x" * 70_000,
                     b"2026-02-30", b"nan", b"sNaN", b"Infinity", b"1e999999999", b"<script>alert(1)</script>", b"../../etc/passwd"]),
    st.binary(max_size=30),
)


def visitor_for(route):
    if route.allowed == PUBLIC:
        return None
    if route.allowed == SIGNED_IN:
        return Role.CANDIDATE
    return sorted(route.allowed)[0]


def form_fields(client, rule, url: str, route) -> list[str]:
    names = set(route.data)
    if "GET" in rule.methods:
        page = client.get(url)
        if page.status_code == 200 and page.mimetype == "text/html":
            names |= set(FIELD.findall(page.get_data(as_text=True)))
        page.close()
    names.discard("csrf_token")
    return sorted(names)


def row_counts(db) -> dict[str, int]:
    tables = [table.name for table in metadata.sorted_tables]
    query = "SELECT " + ", ".join(f'(SELECT count(*) FROM "{name}")' for name in tables)
    return dict(zip(tables, db.execute(text(query)).one()))


def encode(body: list[tuple[str, bytes]]) -> bytes:
    return "&".join(f"{quote_from_bytes(name.encode())}={quote_from_bytes(value)}" for name, value in body).encode()


def fuzz_route(app, db, make_user, rule, url, route) -> str | None:
    person = visitor_for(route)
    person = None if person is None else make_user(person)
    client, token = signed_in_client(app, person)
    if token is None:  # anonymous: the session's token, from the sign-in form
        token = _anonymous_token(client)
    fields = form_fields(client, rule, url, route)
    body_strategy = st.lists(st.tuples(st.sampled_from(fields) if fields else st.just("name"), values),
                             max_size=8)
    unknown = st.lists(st.tuples(st.text(min_size=1, max_size=10), values), max_size=2)

    @settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    @given(body=body_strategy, extra=unknown, complete=st.booleans())
    @example(body=[(name, b"9" * 400) for name in fields], extra=[], complete=False)
    @example(body=[(name, b"-99999999999999999999") for name in fields], extra=[], complete=False)
    @example(body=[(name, b"\x00") for name in fields], extra=[], complete=False)
    @example(body=[(name, b"\xed\xa0\x80") for name in fields], extra=[], complete=False)
    @example(body=[], extra=[], complete=False)
    def post(body, extra, complete):
        if complete:  # every field present, so that handlers get past "this is required"
            present = {name for name, _ in body}
            body = body + [(name, b"1") for name in fields if name not in present]
        before = row_counts(db)
        try:  # TESTING propagates a view's exception instead of answering 500
            response = client.post(url, data=encode([("csrf_token", token.encode()), *body, *extra]),
                                   content_type="application/x-www-form-urlencoded")
        except Exception as error:
            where = "".join(traceback.format_exception(error)[-4:])
            raise AssertionError(f"POST {url}: server error {where}; body {body + extra!r:.300}") from error
        status = response.status_code
        response.close()
        assert status in ALLOWED_STATUS | EXTRA_STATUS.get(rule.endpoint, set()), f"POST {url} as {route.allowed!s:.60}: {status}; body {body + extra!r:.600}"
        if status >= 400:
            after = row_counts(db)
            changed = {name: (before[name], after[name]) for name in before
                       if before[name] != after[name] and name not in MAY_GROW_ON_REFUSAL
                       and name not in MAY_GROW_ON_REFUSAL_AT.get(rule.endpoint, set())}
            assert changed == {}, f"POST {url} answered {status} but wrote {changed}; body {body + extra!r:.600}"

    try:
        post()
    except AssertionError as failure:
        return str(failure)[:2000]
    return None


def _anonymous_token(client) -> str:
    page = client.get("/login")
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.get_data(as_text=True))
    page.close()
    assert match, "the sign-in page carries a CSRF token"
    return match.group(1)


def post_rules(app, area: str):
    module = __import__(f"tests.routes.{area}", fromlist=["ROUTES"])
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.endpoint):
        if "POST" in rule.methods and not rule.rule.startswith("/api/") and rule.endpoint in module.ROUTES:
            yield rule, module.ROUTES[rule.endpoint]


def test_every_post_route_is_fuzzed(app):
    covered = {rule.endpoint for area in AREAS for rule, _ in post_rules(app, area)}
    posted = {rule.endpoint for rule in app.url_map.iter_rules()
              if "POST" in rule.methods and not rule.rule.startswith("/api/")}
    assert len(posted) >= 100 and posted == covered


@pytest.mark.parametrize("area", AREAS)
def test_any_form_body_gets_a_form_answer_and_a_refusal_writes_nothing(app, db, make_user, framework, area):
    rules = list(post_rules(app, area))
    if not rules:
        return
    context = build_context(db, make_user, framework)
    db.commit()
    failures = []
    for rule, route in rules:
        url = route.url.format(**context)
        if report := fuzz_route(app, db, make_user, rule, url, route):
            failures.append(f"{rule.endpoint}: {report}")
    assert failures == [], "\n\n".join(failures)
