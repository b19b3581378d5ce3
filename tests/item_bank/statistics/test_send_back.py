"""An examiner sends a flagged item back to review from its statistics."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from core.audit import AuditEntry
from core.errors import Conflict, Forbidden, ValidationFailed
from core.notifications import Notification
from core.roles import SYSTEM, Role
from item_bank.models import ReviewAction, ReviewEvent
from item_bank.statistics.services import send_back_to_review
from item_bank.workflow import Status
from tests.item_bank.statistics.conftest import NOW


@pytest.fixture
def flagged(make_case_study, record):
    version = make_case_study(Status.APPROVED)
    [row] = record(version.item_versions[1:2], sitting_title="Spring 2027", run=77,
                   flags=("possible_miskey", "negative_discrimination"), facility=0.31)
    return version, row


def test_a_flagged_approved_item_starts_a_new_draft_with_a_comment_citing_the_flag_and_run(db, flagged, make_user):
    version, row = flagged
    examiner = make_user(Role.EXAMINER)
    sent = send_back_to_review(db, actor=examiner.actor, statistic_id=row.id, note="Check option C against the key.",
                               now=NOW)
    assert sent.is_new_version and sent.version.number == 2 and sent.version.status == Status.DRAFT
    assert sent.version.created_by_id == examiner.id
    # The approved version does not change.
    db.refresh(version)
    assert version.status == Status.APPROVED
    comment = sent.comment
    assert comment.action == ReviewAction.COMMENT and comment.item_id == row.item_id
    assert comment.case_study_version_id == sent.version.id and comment.actor_id == examiner.id
    for words in ("Spring 2027", "scoring run 77", "Possible miskey", "Negative discrimination", "0.31",
                  "Check option C against the key."):
        assert words in comment.comment
    assert "scoring run 77" in sent.version.change_note
    note = db.scalars(select(Notification).where(Notification.user_id == version.case_study.author_id)
                      .order_by(Notification.id.desc())).first()
    assert "sent an item" in note.message and note.link.endswith("/versions/2")
    entry = db.scalars(select(AuditEntry).where(AuditEntry.action == "item.sent_back_to_review")).one()
    assert entry.actor_id == examiner.id and entry.target_id == str(row.item_id)
    assert '"scoring_run_id": 77' in entry.after_summary


def test_the_new_draft_goes_through_review_as_usual(db, flagged, make_user):
    from assessment.accounts.models import User
    from item_bank.authoring import services as authoring
    from item_bank.review import services as review
    from item_bank.workflow import Action

    version, row = flagged
    sent = send_back_to_review(db, actor=make_user(Role.EXAMINER).actor, statistic_id=row.id, note="Look again",
                               now=NOW)
    author = db.get(User, version.case_study.author_id).actor
    item = next(iv for iv in sent.version.item_versions if iv.item_id == row.item_id)
    content = {**item.content, "stem": "<p>A clearer question?</p>"}
    authoring.save_item(db, actor=author, version_id=sent.version.id, item_id=row.item_id, content=content, now=NOW)
    submitted = review.transition(db, actor=author, version_id=sent.version.id, action=Action.SUBMIT, now=NOW)
    assert submitted.status == Status.SUBMITTED


def test_when_a_new_version_is_already_open_the_comment_goes_there(db, flagged, make_user):
    from assessment.accounts.models import User
    from item_bank.authoring import services as authoring

    version, row = flagged
    author = db.get(User, version.case_study.author_id).actor
    draft = authoring.start_new_version(db, actor=author, case_study_id=version.case_study_id, change_note="Typo",
                                        now=NOW)
    sent = send_back_to_review(db, actor=make_user(Role.EXAMINER).actor, statistic_id=row.id, note="And the key",
                               now=NOW)
    assert not sent.is_new_version and sent.version.id == draft.id
    assert len(version.case_study.versions) == 2


def test_only_examiners_send_back(db, flagged, make_user):
    _, row = flagged
    for role in (Role.ITEM_WRITER, Role.ITEM_REVIEWER, Role.CANDIDATE, Role.INVIGILATOR):
        with pytest.raises(Forbidden):
            send_back_to_review(db, actor=make_user(role).actor, statistic_id=row.id, note="x", now=NOW)
    with pytest.raises(Forbidden, match="person"):
        send_back_to_review(db, actor=SYSTEM, statistic_id=row.id, note="x", now=NOW)


def test_an_unflagged_or_superseded_row_or_a_missing_note_is_refused(db, make_case_study, record, make_user):
    examiner = make_user(Role.EXAMINER).actor
    version = make_case_study(Status.APPROVED)
    [clean] = record(version.item_versions[:1], run=80)
    with pytest.raises(Conflict, match="no flag"):
        send_back_to_review(db, actor=examiner, statistic_id=clean.id, note="x", now=NOW)
    [old] = record(version.item_versions[1:2], run=81, sitting_id=5, flags=("too_hard",))
    record(version.item_versions[1:2], run=82, sitting_id=5)
    with pytest.raises(Conflict, match="newer scoring run"):
        send_back_to_review(db, actor=examiner, statistic_id=old.id, note="x", now=NOW)
    [flag] = record(version.item_versions[2:3], run=83, flags=("too_easy",))
    with pytest.raises(ValidationFailed) as error:
        send_back_to_review(db, actor=examiner, statistic_id=flag.id, note="   ", now=NOW)
    assert error.value.problems[0].field == "note"
    assert db.scalars(select(ReviewEvent).where(ReviewEvent.case_study_version_id != version.id,
                                                ReviewEvent.item_id == flag.item_id)).all() == []


def test_a_retired_case_study_is_not_sent_back(db, flagged, make_user):
    from item_bank.review import services as review
    from item_bank.workflow import Action

    version, row = flagged
    examiner = make_user(Role.EXAMINER).actor
    review.transition(db, actor=examiner, version_id=version.id, action=Action.RETIRE, comment="Old", now=NOW)
    with pytest.raises(Conflict, match="retired"):
        send_back_to_review(db, actor=examiner, statistic_id=row.id, note="x", now=NOW)
