"""Authoring forms: equal options are refused beside the field; a form shows every problem at once, in
the order of the page, in the summary and beside each field; an attachment's problems are shown on
the page (not flashed away), and the writer is told to choose the file again."""
from __future__ import annotations

import copy
import io
import re

from item_bank import item_types
from tests.item_bank.conftest import MULTIPLE_RESPONSE, ORDERING, SBA
from tests import uploads_data


def sign_in_as_author(client, db, version):
    from assessment.accounts.models import User

    with client.session_transaction() as flask_session:
        flask_session["_user_id"] = db.get(User, version.case_study.author_id).get_id()
        flask_session["_fresh"] = True


def summary_messages(html: str) -> list[str]:
    summary = html.split('class="error-summary__list"', 1)[1].split("</ul>", 1)[0]
    return [re.sub(r"<[^>]+>", "", m).strip() for m in re.findall(r"<li>(.*?)</li>", summary, re.S)]


def error_beside(html: str, field_id: str) -> str:
    match = re.search(rf'<p class="error-message" id="{re.escape(field_id)}-error">(.*?)</p>', html, re.S)
    return re.sub(r"<[^>]+>", "", match.group(1)) if match else ""


def test_options_equal_after_trimming_and_case_folding_are_refused_for_every_type_with_options():
    for base in (SBA, MULTIPLE_RESPONSE, ORDERING):
        content = copy.deepcopy(base)
        content["options"][2]["text"] = "  " + content["options"][0]["text"].upper() + " "
        errors = item_types.validate_content(content)
        assert [(e.field, e.message) for e in errors] == [
            ("options.2.text", "Option 3 is the same as option 1: each option must differ")], base["type"]
        assert item_types.validate_content(content, draft=True) != [], "a draft may not hold equal options either"


def test_a_duplicate_option_is_shown_beside_its_field(client, db, make_case_study):
    version = make_case_study()
    sign_in_as_author(client, db, version)
    url = f"/item-bank/case-studies/{version.case_study_id}/versions/{version.number}/items/new/sba"
    response = client.post(url, data={
        "stem": "<p>What first?</p>", "option_A": "Call the GP", "option_B": "Visit the client",
        "option_C": " call the gp", "key": "A", "shuffle": "y", "primary_substandard": "6.3",
        "rationale": "Because.",
    })
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Option 3 is the same as option 1" in error_beside(html, "option_C")
    assert summary_messages(html) == ["Option 3 is the same as option 1: each option must differ"]
    assert len(version.item_versions) == 3  # nothing saved


def test_every_problem_shows_at_once_in_the_order_of_the_page(client, db, make_case_study):
    version = make_case_study()
    sign_in_as_author(client, db, version)
    url = f"/item-bank/case-studies/{version.case_study_id}/versions/{version.number}/items/new/sba"
    # No stem and no rationale (the form's own checks) and two equal options and a sub-standard that
    # does not exist (the item's checks): before, only the first two were shown.
    response = client.post(url, data={
        "option_A": "Call the GP", "option_B": "Visit the client", "option_C": "CALL THE GP",
        "key": "A", "primary_substandard": "99.9", "estimated_facility": "7",
    })
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    messages = summary_messages(html)
    assert messages == [
        "Enter the question",
        "Option 3 is the same as option 1: each option must differ",
        "The primary sub-standard must be a code such as 6.3, from standards 1 to 22",
        "Explain why the key is right",
        "Estimated facility must be between 0 and 1",
    ]
    assert error_beside(html, "stem").strip().endswith("Enter the question")
    assert "Option 3 is the same" in error_beside(html, "option_C")
    assert "must be a code such as 6.3" in error_beside(html, "primary_substandard")
    assert "Explain why" in error_beside(html, "rationale")


def test_the_constructed_response_summary_follows_its_page(client, db, make_case_study):
    version = make_case_study()
    sign_in_as_author(client, db, version)
    url = f"/item-bank/case-studies/{version.case_study_id}/versions/{version.number}/items/new/constructed_response"
    response = client.post(url, data={"stem": "<p>Explain.</p>", "criterion_1": "Names the Act",
                                      "criterion_1_marks": "20", "primary_substandard": "8.1"})
    messages = summary_messages(response.get_data(as_text=True))
    assert messages.index("Enter a model answer") < messages.index("Marks must be between 1 and 10") \
        < messages.index("Explain why the key is right")


def test_an_attachment_problem_is_shown_beside_the_fields_and_asks_for_the_file_again(client, db, make_case_study, app,
                                                                                      tmp_path):
    app.config["UPLOAD_FOLDER"] = str(tmp_path)
    version = make_case_study()
    sign_in_as_author(client, db, version)
    url = f"/item-bank/case-studies/{version.case_study_id}/versions/{version.number}/attachments"

    # A good file but no description: both told on the page, and the file must be chosen again.
    response = client.post(url, data={"file": (io.BytesIO(uploads_data.pdf()), "letter.pdf"),
                                      "description": ""}, content_type="multipart/form-data")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert summary_messages(html) == [
        "Choose the file (letter.pdf) again: it was not attached, because the form had a problem",
        "Describe the attachment, for example ‘Referral letter’",
    ]
    assert "Choose the file (letter.pdf) again" in error_beside(html, "attachment-file")
    assert "Describe the attachment" in error_beside(html, "attachment-description")

    # A wrong file and no description: both problems at once.
    response = client.post(url, data={"file": (io.BytesIO(b"MZ an executable"), "run.exe"),
                                      "description": ""}, content_type="multipart/form-data")
    assert response.status_code == 422
    assert summary_messages(response.get_data(as_text=True)) == [
        "The file must be a PDF, PNG or JPEG (checked by what is inside the file, not its name)",
        "Describe the attachment, for example ‘Referral letter’"]
    assert not (tmp_path / "attachments").exists()


def test_a_missing_comment_is_shown_beside_the_box_of_the_action_that_needs_it(client, db, make_case_study, make_user):
    from assessment.accounts.models import User
    from core.roles import Role
    from item_bank.workflow import Status

    reviewer = make_user(Role.ITEM_REVIEWER)
    version = make_case_study(Status.IN_REVIEW, reviewer=reviewer)
    with client.session_transaction() as flask_session:
        flask_session["_user_id"] = db.get(User, reviewer.id).get_id()
    base = f"/item-bank/case-studies/{version.case_study_id}/versions/{version.number}"
    response = client.post(f"{base}/actions/request_changes", data={"comment": " "})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    message = error_beside(html, "comment-request_changes").strip()
    assert message.startswith("Error:") and "comment" in message
    assert error_beside(html, "comment-reject") == ""  # only beside the box of the action taken
    assert '<a href="#comment-request_changes">' in html.split('class="error-summary__list"', 1)[1]
    assert '<label class="label" for="comment-request_changes">' in html
    db.expire_all()
    assert version.status == Status.IN_REVIEW


def test_the_case_study_form_shows_a_missing_title_and_an_empty_scenario_at_once(client, db, make_user, framework):
    from core.roles import Role

    writer = make_user(Role.ITEM_WRITER)
    with client.session_transaction() as flask_session:
        flask_session["_user_id"] = writer.get_id()
    # The scenario holds only markup that sanitising removes, so it is empty: both problems at once.
    response = client.post("/item-bank/case-studies/new", data={"title": "", "scenario": "<script>x</script>"})
    assert response.status_code == 422
    assert summary_messages(response.get_data(as_text=True)) == ["Enter a title for the case study",
                                                                 "Enter the scenario"]


def test_each_comment_box_has_its_own_label_and_warning_buttons_are_not_secondary(client, db, make_case_study,
                                                                                 make_user):
    from core.roles import Role
    from item_bank.workflow import Status

    version = make_case_study(Status.APPROVED)
    examiner = make_user(Role.EXAMINER)
    with client.session_transaction() as flask_session:
        flask_session["_user_id"] = examiner.get_id()
    html = client.get(f"/item-bank/case-studies/{version.case_study_id}/versions/{version.number}").get_data(
        as_text=True)
    assert '<label class="label" for="comment-retire">' in html and 'id="comment-retire"' in html
    assert 'for="comment"' not in html
    retire = re.search(r'<button type="submit" class="([^"]*)">Retire</button>', html)
    assert retire and retire.group(1) == "button button--warning"  # white on red, never dark on red
