import copy
import datetime as dt
import json

import pytest
from sqlalchemy import func, select

from core.errors import Conflict, Forbidden, ValidationFailed
from core.roles import SYSTEM, Actor, Role
from item_bank.framework import services
from item_bank.framework.models import Substandard
from item_bank.framework.rules import BUNDLED_FRAMEWORK, framework_problems

NOW = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.timezone.utc)
DOCUMENT = json.loads(BUNDLED_FRAMEWORK.read_text(encoding="utf-8"))
N_SUBSTANDARDS = sum(len(s["substandards"]) for t in DOCUMENT["themes"] for s in t["standards"])


def test_bundled_document_is_valid():
    assert framework_problems(DOCUMENT) == []


def test_problems_name_the_place():
    broken = copy.deepcopy(DOCUMENT)
    broken["themes"][1]["standards"][1]["substandards"][2]["code"] = "6.9"
    broken["themes"][0]["standards"][0]["substandards"][0]["text"] = " "
    del broken["themes"][2]["standards"][0]["title"]
    problems = framework_problems(broken)
    assert "standard 6: sub-standard 3 should be coded '6.3', found '6.9'" in problems
    assert "sub-standard 1.1 of standard 1 has no text" in problems
    assert "standard 13: 'title' is missing" in problems
    assert framework_problems([]) == ["The framework file must hold a JSON object"]


def test_import_stores_every_substandard_once(db):
    outcome = services.import_framework(db, actor=SYSTEM, document=DOCUMENT, now=NOW)
    assert outcome.created and outcome.n_standards == 22 and outcome.n_substandards == N_SUBSTANDARDS
    again = services.import_framework(db, actor=SYSTEM, document=DOCUMENT, now=NOW)
    assert not again.created
    assert db.scalar(select(func.count()).select_from(Substandard)) == N_SUBSTANDARDS


def test_only_an_admin_may_import(db):
    with pytest.raises(Forbidden):
        services.import_framework(db, actor=Actor(7, "w@example.org", frozenset({Role.ITEM_WRITER})),
                                  document=DOCUMENT, now=NOW)


def test_a_revision_is_a_new_version_and_leaves_the_old_rows_alone(db, framework):
    old_sub = services.substandard_by_code(db, framework.id, "6.3")
    old_text = old_sub.text
    revised = copy.deepcopy(DOCUMENT)
    revised["version"] = "2027"
    revised["themes"][1]["standards"][1]["substandards"][2]["text"] = "a revised sub-standard text"
    new = services.import_framework(db, actor=SYSTEM, document=revised, now=NOW).framework_version
    db.expire_all()
    assert services.get_framework(db).id == new.id  # the newest is current
    assert services.get_framework(db, "2022").id == framework.id
    assert db.get(Substandard, old_sub.id).text == old_text
    assert services.substandard_by_code(db, new.id, "6.3").text == "a revised sub-standard text"


def test_same_label_with_different_content_is_refused(db, framework):
    changed = copy.deepcopy(DOCUMENT)
    changed["themes"][0]["title"] = "Something else"
    with pytest.raises(Conflict, match="new version label"):
        services.import_framework(db, actor=SYSTEM, document=changed, now=NOW)


def test_invalid_document_is_refused_whole(db):
    broken = copy.deepcopy(DOCUMENT)
    broken["themes"][3]["standards"][0]["substandards"] = []
    with pytest.raises(ValidationFailed):
        services.import_framework(db, actor=SYSTEM, document=broken, now=NOW)
    assert db.scalar(select(func.count()).select_from(Substandard)) == 0


def test_api_returns_the_whole_framework_in_order(client, framework):
    body = client.get("/api/v1/framework").get_json()
    assert body["name"] == "Standards of Proficiency" and body["version"] == "2022"
    assert [t["code"] for t in body["themes"]] == ["A", "B", "C", "D"]
    numbers = [s["number"] for t in body["themes"] for s in t["standards"]]
    assert numbers == list(range(1, 23))
    subs = [sub for t in body["themes"] for s in t["standards"] for sub in s["substandards"]]
    assert len(subs) == N_SUBSTANDARDS and all(sub["text"].strip() for sub in subs)
    standard6 = body["themes"][1]["standards"][1]
    assert set(standard6) == {"number", "title", "title_derived", "statement", "substandards"}
    assert standard6["substandards"][2]["code"] == "6.3"
    derived = {s["number"] for t in body["themes"] for s in t["standards"] if s["title_derived"]}
    assert derived == {5, 12, 21}


def test_api_and_page_say_clearly_when_nothing_is_loaded(client, db):
    response = client.get("/api/v1/framework")
    assert response.status_code == 404 and "No Standards" in response.get_json()["error"]
    assert client.get("/framework").status_code == 404


def test_page_shows_every_substandard_and_searches(client, framework):
    page = client.get("/framework").get_data(as_text=True)
    for theme in DOCUMENT["themes"]:
        for standard in theme["standards"]:
            for sub in standard["substandards"]:
                assert f'id="sub-{sub["code"]}"' in page
    results = client.get("/framework?q=mental+capacity").get_data(as_text=True)
    assert "sub-standards match" in results and "#sub-2.2" in results
    none = client.get("/framework?q=zebra").get_data(as_text=True)
    assert "0 sub-standards match" in none


def test_cli_show_json_matches_the_api(runner, client, framework):
    result = runner.invoke(args=["framework", "show", "--json"])
    assert result.exit_code == 0
    assert json.loads(result.output) == client.get("/api/v1/framework").get_json()
