"""The item-bank JSON API: drafts created and updated by script, errors, and audiences."""
from __future__ import annotations

import copy
import io
import json
import re
import zipfile

import pytest

from core.roles import Role
from item_bank.models import CaseStudy
from item_bank.workflow import Status
from tests.item_bank.conftest import ALL_ITEMS, CASE_STUDY, sba_content
from tests.item_bank.exchange.helpers import approve, full_case_study, paper

API = "/api/v1/item-bank/case-studies"
SECRET_KEYS = {"key", "rubric", "rationale", "model_answer", "reference", "estimated_facility"}
SECRET_TEXTS = ["Examiners only: why the key is right.", "Apply the two-stage test",
                "Names the Mental Capacity Act 2005", "B addresses the immediate risk."]
STAFF = [Role.ITEM_WRITER, Role.ITEM_REVIEWER, Role.EXAMINER, Role.ADMIN]


def _keys(value) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in _keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in _keys(v)}
    return set()


def _new_draft(client, title="Jamie, 24: brain injury", scenario="<p>Referred by a solicitor.</p>"):
    return client.post(API, json={"title": title, "scenario_html": scenario})


# --- creating and updating drafts ------------------------------------------------------------------


def test_an_item_writer_creates_a_draft_and_adds_items_of_every_type(client, login_as, db):
    writer = login_as(Role.ITEM_WRITER)
    response = _new_draft(client, scenario="<p>Referred.</p><script>alert(1)</script>")
    assert response.status_code == 201, response.json
    body = response.json
    assert body["status"] == "draft" and body["version"] == 1 and body["items"] == []
    assert body["author_id"] == writer.id and "<script" not in body["scenario_html"]
    assert response.headers["Location"].endswith(f"{API}/{body['id']}")

    for content in ALL_ITEMS.values():
        added = client.post(f"{API}/{body['id']}/items", json=content)
        assert added.status_code == 201, added.json
        for field in ("key", "stems", "rubric", "model_answer", "rationale", "scoring"):
            assert added.json.get(field) == content.get(field), field
    view = client.get(f"{API}/{body['id']}").json
    assert [i["type"] for i in view["items"]] == list(ALL_ITEMS)
    assert [i["max_mark"] for i in view["items"]] == [1, 2, 3, 3, 3]
    assert view["items"][2]["substandards"] == {"primary": "4.2", "others": ["5.1", "9.3"]}


def test_update_a_draft_and_replace_an_item(client, login_as, db):
    login_as(Role.ITEM_WRITER)
    case_id = _new_draft(client).json["id"]
    item = client.post(f"{API}/{case_id}/items", json=sba_content()).json
    response = client.put(f"{API}/{case_id}", json={"title": "Jamie: a new title", "scenario_html": "<p>New.</p>"})
    assert response.status_code == 200 and response.json["title"] == "Jamie: a new title"
    replaced = client.put(f"{API}/{case_id}/items/{item['item_id']}", json=sba_content(key="C", stem="Changed?"))
    assert replaced.status_code == 200
    assert (replaced.json["key"], replaced.json["stem"], replaced.json["item_id"]) == ("C", "<p>Changed?</p>",
                                                                                     item["item_id"])


@pytest.mark.parametrize("body, fields", [
    ({"title": "T", "scenario_html": "<p>S</p>", "extra": 1}, {"extra"}),
    ({"title": "T"}, {"scenario_html"}),
    ({"title": " ", "scenario_html": "<p>S</p>"}, {"title"}),
    ({"title": "T", "scenario_html": "<p> </p>"}, {"scenario"}),
    ({"title": 3, "scenario_html": "<p>S</p>"}, {"title"}),
])
def test_a_bad_case_study_body_is_422_with_fields(client, login_as, body, fields):
    login_as(Role.ITEM_WRITER)
    response = client.post(API, json=body)
    assert response.status_code == 422
    assert response.json["error"] and set(response.json["fields"]) == fields


def _two_keys():
    content = sba_content()
    content["key"] = ["A", "B"]
    return content


def _no_mapping():
    content = sba_content()
    content["substandards"] = {"primary": None, "others": []}
    return content


def _empty_option():
    content = sba_content()
    content["options"][2]["text"] = ""
    return content


def _option_without_text():
    content = sba_content()
    del content["options"][1]["text"]
    return content


def _unknown_field():
    return {**sba_content(), "answer_for_candidates": "B"}


@pytest.mark.parametrize("make, field", [
    (_two_keys, "key"),
    (_no_mapping, "substandards.primary"),
    (_empty_option, "options.2.text"),
    (_option_without_text, "options.1.text"),
    (_unknown_field, "answer_for_candidates"),
    (lambda: {**sba_content(), "key": "Z"}, "key"),
    (lambda: {**sba_content(primary="22.9")}, "substandards.primary"),
])
def test_an_invalid_item_is_422_with_the_field_and_nothing_is_stored(client, login_as, db, make, field):
    login_as(Role.ITEM_WRITER)
    case_id = _new_draft(client).json["id"]
    response = client.post(f"{API}/{case_id}/items", json=make())
    assert response.status_code == 422, response.json
    assert field in response.json["fields"], response.json
    assert client.get(f"{API}/{case_id}").json["items"] == []


def test_a_body_that_is_not_json_is_415_and_json_that_is_not_an_object_is_422(client, login_as):
    login_as(Role.ITEM_WRITER)
    response = client.post(API, data={"title": "T", "scenario_html": "S"})
    assert response.status_code == 415 and "JSON" in response.json["error"]
    assert client.post(API, json=["not", "an", "object"]).status_code == 422


def test_only_the_author_edits_and_only_drafts(client, login_as, db, make_case_study, make_user):
    login_as(Role.ITEM_WRITER)
    someone_elses = make_case_study(Status.DRAFT)
    item_id = someone_elses.item_versions[0].item_id
    body = {"title": "Mine now", "scenario_html": "<p>x</p>"}
    assert client.put(f"{API}/{someone_elses.case_study_id}", json=body).status_code == 403
    assert client.post(f"{API}/{someone_elses.case_study_id}/items", json=sba_content()).status_code == 403
    assert client.put(f"{API}/{someone_elses.case_study_id}/items/{item_id}", json=sba_content()).status_code == 403
    assert client.put(f"{API}/999999", json=body).status_code == 404
    assert client.get(f"{API}/999999").status_code == 404


def test_a_version_that_is_not_a_draft_is_409(client, db, make_user, make_case_study):
    author = make_user(Role.ITEM_WRITER)
    approved = make_case_study(Status.APPROVED, author=author)
    submitted = make_case_study(Status.SUBMITTED, author=author)
    with client.session_transaction() as flask_session:
        flask_session["_user_id"] = author.get_id()
    body = {"title": "Changed", "scenario_html": "<p>x</p>"}
    for version in (approved, submitted):
        item_id = version.item_versions[0].item_id
        assert client.put(f"{API}/{version.case_study_id}", json=body).status_code == 409
        assert client.post(f"{API}/{version.case_study_id}/items", json=sba_content()).status_code == 409
        response = client.put(f"{API}/{version.case_study_id}/items/{item_id}", json=sba_content())
        assert response.status_code == 409 and response.json["error"]
    assert client.put(f"{API}/{approved.case_study_id}/items/999999", json=sba_content()).status_code == 409


def test_an_unknown_item_in_a_draft_is_404(client, login_as):
    login_as(Role.ITEM_WRITER)
    case_id = _new_draft(client).json["id"]
    assert client.put(f"{API}/{case_id}/items/999999", json=sba_content()).status_code == 404


@pytest.mark.parametrize("role", [Role.CANDIDATE, Role.INVIGILATOR, Role.EXAMINER, Role.ITEM_REVIEWER])
def test_only_item_writers_write(client, login_as, make_case_study, role):
    version = make_case_study(Status.DRAFT)
    login_as(role)
    assert _new_draft(client).status_code == 403
    assert client.post(f"{API}/{version.case_study_id}/items", json=sba_content()).status_code == 403


def test_anonymous_requests_get_401_json(client, make_case_study):
    # A script cannot follow a redirect to an HTML sign-in page; it needs to be told to sign in.
    version = make_case_study(Status.DRAFT)
    for response in (client.get(API), client.get(f"{API}/{version.case_study_id}"), _new_draft(client)):
        assert response.status_code == 401 and response.is_json and response.json["error"]


def test_writes_need_the_csrf_token_in_a_header(app, client, login_as):
    login_as(Role.ITEM_WRITER)
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        refused = _new_draft(client)
        assert refused.status_code == 400 and "expired" in refused.json["error"]
        token = client.get("/api/v1/csrf-token").json
        assert token["header"] == "X-CSRFToken"
        accepted = client.post(API, json={"title": "T", "scenario_html": "<p>S</p>"},
                               headers={"X-CSRFToken": token["csrf_token"]})
        assert accepted.status_code == 201
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


# --- reading the bank -------------------------------------------------------------------------------


def test_the_list_filters_by_status_and_theme(client, login_as, db, make_case_study):
    draft = make_case_study(Status.DRAFT, primaries=("19.2",))  # theme D only
    approved = make_case_study(Status.APPROVED, primaries=("1.1",))  # theme A only
    login_as(Role.EXAMINER)
    ids = lambda query: {c["id"] for c in client.get(f"{API}{query}").json["case_studies"]}
    assert {draft.case_study_id, approved.case_study_id} <= ids("")
    assert approved.case_study_id in ids("?status=approved") and draft.case_study_id not in ids("?status=approved")
    assert draft.case_study_id in ids("?theme=D") and approved.case_study_id not in ids("?theme=d")
    assert approved.case_study_id in ids("?theme=A&status=approved")
    summary = next(c for c in client.get(API).json["case_studies"] if c["id"] == draft.case_study_id)
    assert summary["items"] == 3 and summary["status"] == "draft" and "scenario_html" not in summary
    bad = client.get(f"{API}?status=lost")
    assert bad.status_code == 422 and "status" in bad.json["fields"]
    assert client.get(f"{API}?theme=A1").status_code == 422


def test_an_earlier_version_is_readable(client, login_as, db, make_user):
    from item_bank.authoring import services as authoring
    from tests.item_bank.exchange.helpers import NOW

    writer, reviewer = make_user(Role.ITEM_WRITER), make_user(Role.ITEM_REVIEWER)
    version = approve(db, full_case_study(db, writer), writer, reviewer)
    authoring.start_new_version(db, actor=writer.actor, case_study_id=version.case_study_id, change_note="Tidy",
                                now=NOW)
    login_as(Role.ITEM_REVIEWER)
    latest = client.get(f"{API}/{version.case_study_id}").json
    first = client.get(f"{API}/{version.case_study_id}?version=1").json
    assert (latest["version"], latest["status"], first["version"], first["status"]) == (2, "draft", 1, "approved")
    assert [v["version"] for v in latest["versions"]] == [1, 2]
    assert client.get(f"{API}/{version.case_study_id}?version=9").status_code == 404


@pytest.mark.parametrize("role", STAFF)
def test_the_author_view_shows_staff_the_keys_rubrics_and_rationales(client, login_as, db, make_user, role):
    version = full_case_study(db, make_user(Role.ITEM_WRITER))
    login_as(role)
    response = client.get(f"{API}/{version.case_study_id}")
    assert response.status_code == 200
    items = response.json["items"]
    assert {"key", "rationale", "substandards", "reference"} <= set(items[0])
    assert items[4]["rubric"] == CASE_STUDY["items"][4]["rubric"]
    assert items[4]["model_answer"] == CASE_STUDY["items"][4]["model_answer"]
    assert items[2]["stems"][0]["key"] == "B"


@pytest.mark.parametrize("role", STAFF)
def test_the_preview_is_the_candidate_view(client, login_as, db, make_user, role):
    version = full_case_study(db, make_user(Role.ITEM_WRITER))
    login_as(role)
    response = client.get(f"{API}/{version.case_study_id}/preview")
    assert response.status_code == 200
    assert _keys(response.json) & (SECRET_KEYS | {"substandards"}) == set()
    assert not any(text in response.get_data(as_text=True) for text in SECRET_TEXTS)
    items = response.json["items"]
    assert [i["type"] for i in items] == list(ALL_ITEMS)
    assert items[1]["choose"] == 2 and items[4]["word_limit"] == 200
    assert [s["text"] for s in items[2]["stems"]] == [s["text"] for s in CASE_STUDY["items"][2]["stems"]]


def _fill(rule: str, values: dict) -> str:
    return re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", lambda m: str(values[m.group(1)]), rule)


def test_no_json_a_candidate_can_reach_holds_a_key_rubric_rationale_or_model_answer(app, client, login_as, db,
                                                                                      make_user):
    """Walk every GET route under /api/v1/ as a candidate; whatever answers 200 must hold no secret.

    The OpenAPI document names the author schemas' fields (that is its job) but holds no content:
    its keys are not checked, its text is."""
    version = full_case_study(db, make_user(Role.ITEM_WRITER))
    values = {"case_study_id": version.case_study_id, "item_id": version.item_versions[0].item_id,
              "paper_id": 1, "attempt_id": 1, "attachment_id": 1}  # attempts: the exam player's own tests
    login_as(Role.CANDIDATE)
    reached = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/") or "GET" not in rule.methods:
            continue
        url = _fill(rule.rule, values)
        for query in ("", "?version=1", "?status=draft"):
            response = client.get(url + query)
            if response.status_code != 200:
                assert response.status_code in (403, 404), url
                continue
            reached.append(url)
            text = response.get_data(as_text=True)
            assert not any(secret in text for secret in SECRET_TEXTS), url
            if rule.endpoint != "exchange.openapi":
                assert _keys(json.loads(text)) & SECRET_KEYS == set(), url
    assert "/api/v1/framework" in reached and f"{API}/{version.case_study_id}" not in reached


# --- QTI downloads and the import page ------------------------------------------------------------------------------


@pytest.mark.parametrize("version", ["2.2", "3.0"])
def test_an_examiner_downloads_a_case_study_and_a_published_paper(client, login_as, db, make_user, version):
    case = full_case_study(db, make_user(Role.ITEM_WRITER))
    exam_paper = paper(db, make_user)
    login_as(Role.EXAMINER)
    response = client.get(f"/item-bank/case-studies/{case.case_study_id}/export.zip?qti={version}")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    assert response.headers["Content-Disposition"].startswith("attachment; filename=\"case-study-")
    assert "imsmanifest.xml" in zipfile.ZipFile(io.BytesIO(response.data)).namelist()
    response = client.get(f"/item-bank/papers/{exam_paper.id}/export.zip?qti={version}")
    assert response.status_code == 200
    assert "assessment.xml" in zipfile.ZipFile(io.BytesIO(response.data)).namelist()


def test_download_errors(client, login_as, db, make_user):
    draft_paper = paper(db, make_user, published=False)
    login_as(Role.EXAMINER)
    assert client.get(f"/item-bank/papers/{draft_paper.id}/export.zip").status_code == 409
    assert client.get("/item-bank/papers/999999/export.zip").status_code == 404
    case = draft_paper.entries[0].case_study_version
    assert client.get(f"/item-bank/case-studies/{case.case_study_id}/export.zip?qti=1.2").status_code == 422


def _upload(client, data: bytes, name: str):
    return client.post("/item-bank/import", data={"file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def test_the_import_page_imports_a_package_into_drafts_and_shows_the_report(client, login_as, db, make_user):
    from item_bank.exchange import services
    from core.roles import SYSTEM
    from tests.item_bank.exchange.helpers import NOW

    case = full_case_study(db, make_user(Role.ITEM_WRITER))
    data = services.export_case_study(db, actor=SYSTEM, case_study_id=case.case_study_id, qti_version="3.0",
                                      now=NOW).data
    writer = login_as(Role.ITEM_WRITER)
    page = client.get("/item-bank/import")
    assert page.status_code == 200 and b'enctype="multipart/form-data"' in page.data
    response = _upload(client, data, "bank.zip")
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert "5 items imported, 0 not imported (QTI 3.0)" in text
    created = db.query(CaseStudy).filter_by(author_id=writer.id).one()
    assert created.latest.status == Status.DRAFT and len(created.latest.item_versions) == 5
    assert f"/case-studies/{created.id}" in text


def test_the_import_page_lists_what_was_not_imported(client, login_as, qti_reference):
    login_as(Role.ITEM_WRITER)
    data = (qti_reference / "examples" / "qti2p2" / "associate.xml").read_bytes()
    response = _upload(client, data, "associate.xml")
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "0 items imported, 1 not imported" in text and "Not imported" in text and "associate interaction" in text


def test_the_import_page_asks_for_a_file(client, login_as):
    login_as(Role.ITEM_WRITER)
    response = client.post("/item-bank/import", data={}, content_type="multipart/form-data")
    assert response.status_code == 422
    assert b"There is a problem" in response.data and b"Choose a QTI package" in response.data
    response = _upload(client, b"hello", "notes.txt")
    assert response.status_code == 422 and b"must be a .zip package or an .xml item" in response.data
