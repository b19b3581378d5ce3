"""The exam spec and paper pages: status codes, messages, and the live conformance table."""
from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import func, select

from core.roles import Role
from item_bank.models import ExamPaper, ExamSpec
from item_bank.papers import services
from tests.item_bank.papers.conftest import NOW, spec_fields


def spec_form(**changes):
    data = {"title": "Spring sitting", "total_marks": "8", "total_marks_tolerance": "0", "duration_min": "60",
            "min_case_studies": "2", "max_case_studies": "2", "enemy_sets": "", "max_exposure": ""}
    for theme in "ABCD":
        data[f"theme_{theme}_target"] = "2"
        data[f"theme_{theme}_tolerance"] = "0"
    data.update(changes)
    return data


def text(response):
    return html.unescape(re.sub(r"\s+", " ", response.get_data(as_text=True)))


CONFIRMED = {"confirmed": "yes"}  # what the confirmation page's button sends


def count(db, model):
    return db.scalar(select(func.count()).select_from(model))


@pytest.fixture
def as_examiner(login_as):
    return login_as(Role.EXAMINER)


def test_create_a_spec(client, db, as_examiner, pool, clock):
    assert client.get("/item-bank/specs").status_code == 200
    page = client.get("/item-bank/specs/new")
    assert page.status_code == 200
    body = text(page)
    assert "Marks per theme" in body and 'for="standards-0-standard"' in body and "<legend" in body
    response = client.post("/item-bank/specs/new", data=spec_form(**{
        "standards-0-standard": "6", "standards-0-min_marks": "0", "standards-0-max_marks": "2",
        "type_sba_min": "4", "enemy_sets": f"{pool['aabb']}, {pool['abcd']}"}))
    assert response.status_code == 302
    spec = db.scalars(select(ExamSpec)).one()
    assert response.headers["Location"] == f"/item-bank/specs/{spec.id}"
    assert spec.standard_marks == {"6": [0, 2]} and spec.item_type_mix == {"sba": [4, None]}
    body = text(client.get(response.headers["Location"]))
    assert "Spring sitting" in body and "Standard 6 marks" in body and "Number of single best answer items" in body


def test_spec_problems_come_back_beside_the_fields(client, db, as_examiner, pool):
    response = client.post("/item-bank/specs/new", data=spec_form(
        total_marks="eight", theme_D_target="", **{"standards-1-min_marks": "3"}))
    assert response.status_code == 422
    body = text(response)
    assert "There is a problem" in body
    assert 'href="#total_marks">Total marks must be a whole number, like 4' in body
    assert "Enter the target marks for theme D" in body
    assert count(db, ExamSpec) == 0
    # Shape is fine, the rules across fields are not: the service's messages land beside the fields.
    response = client.post("/item-bank/specs/new", data=spec_form(
        theme_A_tolerance="3", enemy_sets="99999, 99998", **{"standards-1-min_marks": "3"}))
    assert response.status_code == 422
    body = text(response)
    assert 'href="#theme_A_tolerance">Theme A tolerance (3) cannot be more than its target (2)' in body
    assert 'href="#standards-1-standard">Row 2: enter the standard number, or clear the row' in body
    assert 'href="#enemy_sets">There are no case studies 99998 and 99999' in body
    assert 'aria-invalid="true"' in body
    response = client.post("/item-bank/specs/new", data=spec_form(
        theme_A_target="6", theme_B_target="6"))
    assert response.status_code == 422
    assert 'href="#themes">The theme minimums add up to 16 marks, more than the total allows (8).' in text(response)


def test_edit_a_spec_and_the_lock_once_a_paper_is_published(client, db, as_examiner, spec, pool):
    page = client.get(f"/item-bank/specs/{spec.id}/edit")
    assert page.status_code == 200 and 'value="Two-case-study paper"' in page.get_data(as_text=True)
    response = client.post(f"/item-bank/specs/{spec.id}/edit", data=spec_form(title="Renamed"))
    db.expire_all()
    assert response.status_code == 302 and spec.title == "Renamed"

    paper = services.create_paper(db, actor=as_examiner.actor, spec_id=spec.id, title="P", now=NOW)
    for name in ("aabb", "ccdd"):
        services.add_case_study(db, actor=as_examiner.actor, paper_id=paper.id, case_study_id=pool[name], now=NOW)
    services.publish_paper(db, actor=as_examiner.actor, paper_id=paper.id, now=NOW)
    for response in (client.get(f"/item-bank/specs/{spec.id}/edit"),
                     client.post(f"/item-bank/specs/{spec.id}/edit", data=spec_form(title="Again"))):
        assert response.status_code == 409
        assert "This exam spec cannot be changed" in text(response) and "Copy as a new spec" in text(response)
    db.expire_all()
    assert spec.title == "Renamed"
    response = client.post(f"/item-bank/specs/{spec.id}/copy")
    assert response.status_code == 302
    copy = db.scalars(select(ExamSpec).where(ExamSpec.id != spec.id)).one()
    assert response.headers["Location"] == f"/item-bank/specs/{copy.id}/edit"
    assert client.get(response.headers["Location"]).status_code == 200


def test_build_a_paper_by_hand_and_publish_it(client, db, as_examiner, spec, pool):
    assert client.post(f"/item-bank/specs/{spec.id}/papers", data={"title": " "}).status_code == 422
    response = client.post(f"/item-bank/specs/{spec.id}/papers", data={"title": "By hand"})
    assert response.status_code == 302
    paper = db.scalars(select(ExamPaper)).one()
    url = f"/item-bank/papers/{paper.id}"
    assert response.headers["Location"] == url

    body = text(client.get(url))
    assert "No case studies yet." in body and "✗ Not met" in body and "✓ Met" not in body
    assert '<th scope="row">Theme A marks</th>' in body and "Case aabb" in body

    assert client.post(f"{url}/entries", data={"case_study_id": pool["aabb"]}).status_code == 302
    body = text(client.get(url))
    assert "✓ Met" in body and "✗ Not met" in body  # themes A and B met; C, D and the total not

    response = client.post(f"{url}/publish", data=CONFIRMED)
    assert response.status_code == 409
    body = text(response)
    assert "does not meet its spec" in body and "Theme C marks (needs 2, has 0)" in body
    db.expire_all()
    assert not paper.is_published

    assert client.post(f"{url}/entries", data={"case_study_id": pool["ccdd"]}).status_code == 302
    body = text(client.get(url))
    assert "This paper meets every constraint of its spec." in body and "✗ Not met" not in body

    db.expire_all()
    second = paper.entries[1]
    assert client.post(f"{url}/entries/{second.id}/move", data={"direction": "up"}).status_code == 302
    db.expire_all()
    assert [e.case_study_version.case_study_id for e in db.get(ExamPaper, paper.id).entries] == \
        [pool["ccdd"], pool["aabb"]]

    response = client.post(f"{url}/publish", data=CONFIRMED)
    assert response.status_code == 302
    body = text(client.get(url))
    assert "Published" in body and "A published paper never changes." in body
    assert "Remove" not in body and "Publish this paper" not in body
    # A published paper refuses every change.
    assert client.post(f"{url}/entries", data={"case_study_id": pool["abcd"]}).status_code == 409
    assert client.post(f"{url}/entries/{second.id}/remove").status_code == 409
    assert client.post(f"{url}/entries/{second.id}/move", data={"direction": "down"}).status_code == 409
    assert client.post(f"{url}/publish", data=CONFIRMED).status_code == 409


def test_adding_a_case_study_that_does_not_exist_is_422(client, db, as_examiner, spec, pool):
    paper = services.create_paper(db, actor=as_examiner.actor, spec_id=spec.id, title="P", now=NOW)
    response = client.post(f"/item-bank/papers/{paper.id}/entries", data={"case_study_id": "99999"})
    assert response.status_code == 422 and "There is no case study 99999" in text(response)
    assert client.post(f"/item-bank/papers/{paper.id}/entries", data={}).status_code == 422
    assert client.post(f"/item-bank/papers/{paper.id}/entries/1/move", data={"direction": "sideways"}).status_code \
        == 422
    assert client.get("/item-bank/papers/99999").status_code == 404


def test_build_automatically(client, db, as_examiner, spec, pool):
    response = client.post(f"/item-bank/specs/{spec.id}/assemble", data={"auto-title": "Auto", "auto-n_papers": "1"})
    assert response.status_code == 302
    paper = db.scalars(select(ExamPaper)).one()
    assert response.headers["Location"] == f"/item-bank/papers/{paper.id}"
    assert "This paper meets every constraint of its spec." in text(client.get(response.headers["Location"]))

    response = client.post(f"/item-bank/specs/{spec.id}/assemble", data={"auto-title": "Pair", "auto-n_papers": "2"})
    assert response.status_code == 302
    body = text(client.get(response.headers["Location"]))
    assert "Pair – parallel paper 1 of 2" in body and "Pair – parallel paper 2 of 2" in body
    assert count(db, ExamPaper) == 3


def test_an_impossible_spec_is_explained_on_the_page(client, db, as_examiner, pool):
    spec = services.create_spec(db, actor=as_examiner.actor, now=NOW, fields=spec_fields(
        total_marks=12, min_case_studies=3, max_case_studies=3,
        theme_marks={"A": (2, 0), "B": (2, 0), "C": (2, 0), "D": (6, 0)}))
    response = client.post(f"/item-bank/specs/{spec.id}/assemble", data={"auto-title": "X", "auto-n_papers": "1"})
    assert response.status_code == 422
    body = text(response)
    assert "No paper can meet this spec" in body and "Nothing was created" in body
    assert "Theme D needs at least 6 marks but the pool holds only 4 marks in theme D." in body
    assert count(db, ExamPaper) == 0
    response = client.post(f"/item-bank/specs/{spec.id}/assemble", data={"auto-title": "", "auto-n_papers": "7"})
    assert response.status_code == 422
    body = text(response)
    assert 'href="#auto-title">Enter a title for the paper' in body and 'href="#auto-n_papers"' in body


def test_an_administrator_may_look_but_not_build(client, db, login_as, make_user, spec, pool):
    examiner = make_user(Role.EXAMINER)
    [paper] = services.assemble_papers(db, actor=examiner.actor, spec_id=spec.id, title="A", n_papers=1, now=NOW)
    login_as(Role.ADMIN)
    body = text(client.get(f"/item-bank/specs/{spec.id}"))
    assert "Build automatically" not in body and "Change this spec" not in body
    body = text(client.get(f"/item-bank/papers/{paper.id}"))
    assert "Does it meet the spec?" in body and "Publish this paper" not in body and "Remove" not in body
    assert client.post(f"/item-bank/papers/{paper.id}/publish").status_code == 403


def test_publishing_asks_for_confirmation_first(client, db, as_examiner, spec, pool):
    paper = services.create_paper(db, actor=as_examiner.actor, spec_id=spec.id, title="Ready", now=NOW)
    for key in ("aabb", "ccdd"):
        services.add_case_study(db, actor=as_examiner.actor, paper_id=paper.id, case_study_id=pool[key], now=NOW)
    url = f"/item-bank/papers/{paper.id}"
    body = text(client.get(url))
    assert f'<a class="button" href="{url}/publish">Publish this paper</a>' in body  # a link, not a button that publishes

    for response in (client.get(f"{url}/publish"), client.post(f"{url}/publish")):
        assert response.status_code == 200
        body = text(response)
        assert "Publish this paper?" in body and "Publishing cannot be undone." in body
        assert "Yes, publish this paper" in body and 'name="confirmed" type="hidden" value="yes"' in body
        db.expire_all()
        assert not db.get(ExamPaper, paper.id).is_published

    assert client.post(f"{url}/publish", data=CONFIRMED).status_code == 302
    db.expire_all()
    assert db.get(ExamPaper, paper.id).is_published


def test_the_confirmation_page_says_when_a_paper_cannot_be_published(client, db, as_examiner, spec, pool):
    paper = services.create_paper(db, actor=as_examiner.actor, spec_id=spec.id, title="Half", now=NOW)
    services.add_case_study(db, actor=as_examiner.actor, paper_id=paper.id, case_study_id=pool["aabb"], now=NOW)
    body = text(client.get(f"/item-bank/papers/{paper.id}/publish"))
    assert "does not meet its spec, so it cannot be published" in body and "Theme C marks (needs 2, has 0)" in body
    assert "Yes, publish this paper" not in body


def test_a_draft_paper_can_be_deleted_after_confirmation_and_it_is_audited(client, db, as_examiner, spec, pool):
    from core.audit import AuditEntry

    paper = services.create_paper(db, actor=as_examiner.actor, spec_id=spec.id, title="Scrap", now=NOW)
    services.add_case_study(db, actor=as_examiner.actor, paper_id=paper.id, case_study_id=pool["aabb"], now=NOW)
    paper_id = paper.id
    url = f"/item-bank/papers/{paper_id}"
    assert f'href="{url}/delete">Delete this draft paper</a>' in text(client.get(url))
    body = text(client.get(f"{url}/delete"))
    assert "Delete this draft paper?" in body and "Yes, delete this draft paper" in body
    assert db.get(ExamPaper, paper_id) is not None

    response = client.post(f"{url}/delete")
    assert response.status_code == 302 and response.headers["Location"] == "/item-bank/papers"
    db.expire_all()
    assert db.get(ExamPaper, paper_id) is None
    entry = db.scalars(select(AuditEntry).where(AuditEntry.action == "exam_paper.deleted")).one()
    assert entry.target_id == str(paper_id) and entry.actor_id == as_examiner.id
    assert client.get(url).status_code == 404


def test_a_published_paper_cannot_be_deleted(client, db, as_examiner, spec, pool):
    paper = services.create_paper(db, actor=as_examiner.actor, spec_id=spec.id, title="Kept", now=NOW)
    for key in ("aabb", "ccdd"):
        services.add_case_study(db, actor=as_examiner.actor, paper_id=paper.id, case_study_id=pool[key], now=NOW)
    services.publish_paper(db, actor=as_examiner.actor, paper_id=paper.id, now=NOW)
    url = f"/item-bank/papers/{paper.id}"
    assert "Delete this draft paper" not in text(client.get(url))
    response = client.post(f"{url}/delete")
    assert response.status_code == 409 and "can never be deleted" in text(response)
    db.expire_all()
    assert db.get(ExamPaper, paper.id) is not None
