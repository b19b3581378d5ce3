"""The item page's statistics panel, the bank's statistics filters, and the send-back page."""
from __future__ import annotations

import html
import re

from sqlalchemy import select

from core.roles import Role
from item_bank.models import ReviewEvent
from item_bank.workflow import Status


def text(response) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", re.sub(r"\s+", " ", response.get_data(as_text=True))))


def test_an_item_never_sat_says_so(client, login_as, make_case_study):
    version = make_case_study(Status.APPROVED)
    login_as(Role.EXAMINER)
    body = text(client.get(f"/item-bank/items/{version.item_versions[0].item_id}"))
    assert "No sittings yet" in body


def test_the_item_page_shows_statistics_per_version_and_sitting_with_flags_in_words(client, login_as,
                                                                                    make_case_study, record):
    version = make_case_study(Status.APPROVED)
    iv = version.item_versions[0]
    record([iv], sitting_id=1, sitting_title="Spring 2027", run=501, provisional=True, facility=0.40)
    [latest] = record([iv], sitting_id=1, sitting_title="Spring 2027", run=502, facility=0.35,
                      flags=("possible_miskey",), pbis_corrected=float("nan"))
    record([iv], sitting_id=2, sitting_title="Autumn 2027", run=503, facility=0.71)
    login_as(Role.ITEM_WRITER)
    page = client.get(f"/item-bank/items/{iv.item_id}")
    raw, body = page.get_data(as_text=True), text(page)
    assert "No sittings yet" not in body
    assert "Version 1 of the case study" in body and "Spring 2027" in body and "Autumn 2027" in body
    assert 'href="/scoring/runs/502"' in raw and 'href="/scoring/runs/503"' in raw
    # The earlier, provisional run of Spring is kept as history.
    assert "Earlier runs of this sitting" in body and 'href="/scoring/runs/501"' in raw and "Provisional" in body
    assert "0.35" in body and "0.71" in body and "not defined" in body
    assert "Flagged" in body and "Possible miskey: another option behaves like the key" in body
    assert "How candidates chose each option" in body and "Distractor" in body
    # Only an examiner is offered the way back to review.
    assert f"/statistics/{latest.id}/send-back" not in raw
    login_as(Role.EXAMINER)
    assert f"/statistics/{latest.id}/send-back" in client.get(f"/item-bank/items/{iv.item_id}").get_data(as_text=True)


def test_the_bank_filters_on_the_latest_facility_and_flags(client, login_as, make_case_study, record):
    flagged = make_case_study(Status.APPROVED, title="Ambulance referral")
    plain = make_case_study(Status.APPROVED, title="Housing adaptation")
    record({flagged.item_versions[0]: {"facility": 0.12, "flags": ("too_hard",)}})
    record({plain.item_versions[0]: {"facility": 0.66}})
    login_as(Role.EXAMINER)
    body = text(client.get("/item-bank?flagged=flagged"))
    assert "Ambulance referral" in body and "Housing adaptation" not in body
    body = text(client.get("/item-bank?facility_min=0.5&facility_max=0.8"))
    assert "Housing adaptation" in body and "Ambulance referral" not in body
    body = text(client.get("/item-bank?flagged=sometimes"))
    assert "There is a problem" in body and "Choose flagged or not flagged from the list" in body


def test_an_examiner_sends_a_flagged_item_back(client, db, login_as, make_case_study, record):
    version = make_case_study(Status.APPROVED)
    iv = version.item_versions[0]
    [row] = record([iv], sitting_title="Spring 2027", run=601, flags=("low_discrimination",))
    login_as(Role.EXAMINER)
    url = f"/item-bank/items/{iv.item_id}/statistics/{row.id}/send-back"
    page = client.get(url)
    assert page.status_code == 200
    body = text(page)
    assert "Send item" in body and "Low discrimination" in body and "Spring 2027" in body
    empty = client.post(url, data={"note": " "})
    assert empty.status_code == 422 and "Say what the writers should look at" in text(empty)
    done = client.post(url, data={"note": "The stem gives the answer away."})
    assert done.status_code == 302 and done.headers["Location"].endswith(
        f"/case-studies/{version.case_study_id}/versions/2#history")
    events = db.scalars(select(ReviewEvent).where(ReviewEvent.item_id == iv.item_id)).all()
    assert any("The stem gives the answer away." in e.comment and "scoring run 601" in e.comment for e in events)


def test_sending_back_an_unflagged_row_explains_why_not(client, login_as, make_case_study, record):
    version = make_case_study(Status.APPROVED)
    iv = version.item_versions[0]
    [row] = record([iv])
    login_as(Role.EXAMINER)
    response = client.post(f"/item-bank/items/{iv.item_id}/statistics/{row.id}/send-back", data={"note": "Why?"})
    assert response.status_code == 409 and "carry no flag" in text(response)


def test_a_statistic_of_another_item_is_not_found(client, login_as, make_case_study, record):
    version = make_case_study(Status.APPROVED)
    [row] = record(version.item_versions[:1], flags=("too_easy",))
    login_as(Role.EXAMINER)
    other = version.item_versions[1].item_id
    assert client.get(f"/item-bank/items/{other}/statistics/{row.id}/send-back").status_code == 404
    assert client.get(f"/item-bank/items/{other}/statistics/999999/send-back").status_code == 404


def test_only_examiners_reach_the_send_back_page(client, login_as, make_case_study, record):
    version = make_case_study(Status.APPROVED)
    iv = version.item_versions[0]
    [row] = record([iv], flags=("too_easy",))
    login_as(Role.ITEM_REVIEWER, Role.ITEM_WRITER, Role.ADMIN)
    url = f"/item-bank/items/{iv.item_id}/statistics/{row.id}/send-back"
    assert client.get(url).status_code == 403
    assert client.post(url, data={"note": "x"}).status_code == 403
