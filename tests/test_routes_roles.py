"""Every registered route, visited as anonymous and as each role: 200 / redirect to sign-in / 403.

A route missing from ROUTES fails ``test_every_route_is_in_the_table``: new routes must say who may use them.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from core.roles import Role

PUBLIC = "public"
SIGNED_IN = "signed-in"


@dataclass(frozen=True)
class Route:
    url: str
    allowed: frozenset[Role] | str
    method: str = "GET"
    ok: int = 200  # the status when allowed
    ok_signed_in: int | None = None  # when a signed-in person gets something else (a redirect onwards)
    data: dict = field(default_factory=dict)


def roles(*names: Role) -> frozenset[Role]:
    return frozenset(names)


# {user_id} is replaced by the id of a real account made for the test.
ROUTES: dict[str, Route] = {
    "static": Route("/static/css/app.css", PUBLIC),
    "home.index": Route("/", PUBLIC, ok_signed_in=302),
    "home.dashboard": Route("/dashboard", SIGNED_IN),
    "home.healthz": Route("/healthz", PUBLIC),
    "accounts.register": Route("/register", PUBLIC),
    "accounts.login": Route("/login", PUBLIC),
    "accounts.logout": Route("/logout", SIGNED_IN, method="POST", ok=302),
    "accounts.forgot_password": Route("/password/forgot", PUBLIC),
    "accounts.reset_password": Route("/password/reset/not-a-token", PUBLIC, ok=410),
    "accounts.admin_users": Route("/admin/users", roles(Role.ADMIN)),
    "accounts.admin_user": Route("/admin/users/{user_id}", roles(Role.ADMIN)),
    "accounts.admin_revoke_role": Route("/admin/users/{user_id}/roles/examiner/revoke", roles(Role.ADMIN),
                                        method="POST", ok=302),
    "admin.audit_log": Route("/admin/audit", roles(Role.ADMIN)),
    "framework.framework_page": Route("/framework", PUBLIC),
    "framework.framework_api": Route("/api/v1/framework", PUBLIC),
}

VISITORS = ["anonymous", *Role]


def test_every_route_is_in_the_table(app):
    registered = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert registered - set(ROUTES) == set(), "add these routes to ROUTES with who may use them"
    assert set(ROUTES) - registered == set(), "these ROUTES entries name no route"


def expected_status(route: Route, visitor) -> int | str:
    if route.allowed == PUBLIC:
        return route.ok_signed_in if visitor != "anonymous" and route.ok_signed_in else route.ok
    if visitor == "anonymous":
        return "login"
    if route.allowed == SIGNED_IN or visitor in route.allowed:
        return route.ok
    return 403


@pytest.mark.parametrize("visitor", VISITORS, ids=str)
def test_each_route_answers_each_visitor_as_the_table_says(app, db, framework, make_user, visitor):
    target = make_user(Role.CANDIDATE, Role.EXAMINER)
    failures = []
    for endpoint, route in sorted(ROUTES.items()):
        client = app.test_client()
        if visitor != "anonymous":
            person = make_user(visitor)
            with client.session_transaction() as flask_session:
                flask_session["_user_id"] = person.get_id()
        url = route.url.format(user_id=target.id)
        response = client.open(url, method=route.method, data=route.data)
        response.close()
        expected = expected_status(route, visitor)
        if expected == "login":
            ok = response.status_code == 302 and response.headers["Location"].startswith("/login")
        else:
            ok = response.status_code == expected
        if not ok:
            failures.append(f"{route.method} {url} as {visitor}: got {response.status_code}, expected {expected}")
    assert failures == []
