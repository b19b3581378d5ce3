"""Hostile input at the edge: ids, page numbers and counts out of range, deep JSON, text neither
database can store, and the answers scripts and browsers get (401 JSON, Allow on 405, no-store)."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select
from werkzeug.routing import IntegerConverter

from core.roles import Role
from assessment.accounts.models import User
from tests.routes import PUBLIC, SIGNED_IN, all_routes, build_context

VISITORS = ["anonymous", *Role]
HUGE = [2**63, 2**64]


def client_as(app, make_user, visitor):
    client = app.test_client()
    if visitor != "anonymous":
        person = make_user(visitor)
        with client.session_transaction() as flask_session:
            flask_session["_user_id"] = person.get_id()
    return client


def int_routes(app):
    """(rule, method) for every route with an ``<int:…>`` part."""
    found = []
    for rule in app.url_map.iter_rules():
        ints = [name for name, converter in rule._converters.items() if isinstance(converter, IntegerConverter)]
        if ints:
            found += [(rule, method, ints) for method in sorted(rule.methods - {"HEAD", "OPTIONS"})]
    return found


@pytest.mark.parametrize("visitor", VISITORS, ids=str)
def test_every_id_beyond_64_bits_is_404_for_every_visitor(app, db, make_user, visitor):
    routes = int_routes(app)
    assert len(routes) >= 30  # the check must reach the routes it is about
    client = client_as(app, make_user, visitor)
    failures = []
    for rule, method, ints in routes:
        for huge in HUGE:
            values = {name: (huge if name in ints else "examiner") for name in rule.arguments}
            url = "/" + rule.rule.lstrip("/")
            for name, value in values.items():
                url = url.replace(f"<int:{name}>", str(value)).replace(f"<{name}>", str(value))
            response = client.open(url, method=method)
            response.close()
            if response.status_code not in (400, 404):
                failures.append(f"{method} {url} as {visitor}: {response.status_code}")
    assert failures == []


@pytest.mark.parametrize("query", ["page=18446744073709551616", "page=-9223372036854775809",
                                   "page=9223372036854775807", "page=" + "9" * 5000])
def test_a_page_number_out_of_range_is_400(client, login_as, query):
    login_as(Role.ADMIN)
    assert client.get(f"/admin/audit?{query}").status_code == 400


def test_a_page_number_in_range_is_served(client, login_as):
    login_as(Role.ADMIN)
    assert client.get("/admin/audit?page=2147483647").status_code == 200
    assert client.get("/admin/audit?page=0002").status_code == 200


def test_a_version_number_out_of_range_in_the_query_is_400(client, login_as):
    login_as(Role.ITEM_WRITER)
    assert client.get("/api/v1/item-bank/case-studies/1?version=18446744073709551616").status_code == 400
    assert client.get("/item-bank/case-studies/1/diff?from=1&to=18446744073709551616").status_code == 400


def test_json_nested_deeper_than_the_limit_is_400_json(client, login_as):
    login_as(Role.ITEM_WRITER)
    for depth in (33, 5_000, 200_000):
        body = "[" * depth + "]" * depth
        response = client.post("/api/v1/item-bank/case-studies", data=body, content_type="application/json")
        assert response.status_code == 400, depth
        assert "nested too deeply" in response.get_json()["error"]


def test_json_text_with_nul_or_a_lone_surrogate_is_422_and_stores_nothing(client, db, login_as, framework):
    from item_bank.models import CaseStudy

    login_as(Role.ITEM_WRITER)
    before = db.scalar(select(func.count()).select_from(CaseStudy))
    for title in ("Road\\u0000traffic", "Road \\ud800 traffic"):
        raw = '{"title": "%s", "scenario": "<p>A scenario</p>", "theme": "x"}' % title
        response = client.post("/api/v1/item-bank/case-studies", data=raw, content_type="application/json")
        assert response.status_code == 422, response.get_data(as_text=True)
        body = response.get_json()
        assert "cannot be stored" in body["fields"]["title"]
    assert db.scalar(select(func.count()).select_from(CaseStudy)) == before


def test_a_form_with_a_nul_is_refused_beside_the_field_and_stores_nothing(client, db):
    password = "correct horse battery staple"
    response = client.post("/register", data={"full_name": "Sam\x00Candidate", "email": "sam@example.org",
                                              "password": password, "confirm_password": password})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'href="#full_name"' in page and "cannot be stored (a null character)" in page
    assert db.scalar(select(User).where(User.email == "sam@example.org")) is None


def test_a_query_or_path_with_a_nul_is_refused_before_any_query(client, login_as):
    assert client.get("/password/reset/abc%00def").status_code == 404
    login_as(Role.ADMIN)
    assert client.get("/admin/users?q=a%00b").status_code == 400


def test_signed_out_api_calls_get_401_json_not_a_sign_in_page(app, db, make_user, framework):
    context = build_context(db, make_user, framework)
    client = app.test_client()
    checked = 0
    for endpoint, route in sorted(all_routes().items()):
        if not route.url.startswith("/api/") or route.allowed == PUBLIC:
            continue
        response = client.open(route.url.format(**context), method=route.method, data=route.data)
        assert response.status_code == 401, endpoint
        assert response.is_json and response.get_json()["error"]
        checked += 1
    assert checked >= 10


def test_405_says_which_methods_are_allowed_in_html_and_json(client, login_as):
    page = client.get("/logout")
    assert page.status_code == 405 and "POST" in page.headers["Allow"] and "GET" not in page.headers["Allow"]
    login_as(Role.CANDIDATE)
    api = client.get("/api/v1/attempts/1/submit")
    assert api.status_code == 405 and "POST" in api.headers["Allow"] and api.is_json


@pytest.mark.parametrize("visitor", list(Role), ids=str)
def test_every_page_and_json_for_a_signed_in_person_is_no_store(app, db, make_user, framework, visitor):
    context = build_context(db, make_user, framework)
    client = client_as(app, make_user, visitor)
    checked, failures = 0, []
    for endpoint, route in sorted(all_routes().items()):
        if route.method != "GET" or endpoint == "static":
            continue
        if not (route.allowed in (PUBLIC, SIGNED_IN) or visitor in route.allowed):
            continue
        response = client.get(route.url.format(**context))
        response.close()
        checked += 1
        if "no-store" not in response.headers.get("Cache-Control", ""):
            failures.append(f"{endpoint}: {response.status_code} {response.headers.get('Cache-Control')}")
    assert checked and failures == []


def test_public_pages_signed_out_and_static_files_may_be_cached(client):
    assert "no-store" not in client.get("/framework").headers.get("Cache-Control", "")
    response = client.get("/static/css/app.css")
    response.close()
    assert "no-store" not in response.headers.get("Cache-Control", "")


def test_the_json_depth_rule_counts_containers():
    from core.web import json_too_deep

    assert not json_too_deep(json.loads("[" * 32 + "]" * 32))
    assert json_too_deep(json.loads("[" * 33 + "]" * 33))
    assert not json_too_deep({"a": [{"b": 1}]}, limit=3)
