"""Every registered route, visited as anonymous and as each role: 200 / redirect to sign-in / 403.

The table lives in ``tests/routes/`` (one module per area). A route missing from it fails
``test_every_route_is_in_the_table``: a new route must say who may use it.
"""
from __future__ import annotations

import pytest

from core.roles import Role
from tests.routes import PUBLIC, SIGNED_IN, Route, all_routes, build_context

ROUTES = all_routes()
VISITORS = ["anonymous", *Role]


def test_every_route_is_in_the_table(app):
    registered = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert registered - set(ROUTES) == set(), "add these routes to tests/routes/ with who may use them"
    assert set(ROUTES) - registered == set(), "these tests/routes/ entries name no route"


def expected_status(route: Route, visitor) -> int | str:
    if route.allowed == PUBLIC:
        return route.ok_signed_in if visitor != "anonymous" and route.ok_signed_in else route.ok
    if visitor == "anonymous":
        return 401 if route.url.startswith("/api/") else "login"  # scripts get 401 JSON, not a sign-in page
    if route.allowed == SIGNED_IN or visitor in route.allowed:
        return route.ok
    return 403


@pytest.mark.parametrize("visitor", VISITORS, ids=str)
def test_each_route_answers_each_visitor_as_the_table_says(app, db, framework, make_user, visitor):
    context = build_context(db, make_user, framework)
    failures = []
    for endpoint, route in sorted(ROUTES.items()):
        client = app.test_client()
        if visitor != "anonymous":
            person = make_user(visitor)
            with client.session_transaction() as flask_session:
                flask_session["_user_id"] = person.get_id()
        url = route.url.format(**context)
        # The API reads JSON (anything else is 415 once who you are has been checked); pages read forms.
        body = {"json": route.data} if route.url.startswith("/api/") and route.data else {"data": route.data}
        response = client.open(url, method=route.method, **body)
        response.close()
        expected = expected_status(route, visitor)
        if expected == "login":
            ok = response.status_code == 302 and response.headers["Location"].startswith("/login")
        else:
            ok = response.status_code == expected
        if not ok:
            failures.append(f"{route.method} {url} as {visitor}: got {response.status_code}, expected {expected}")
    assert failures == []
