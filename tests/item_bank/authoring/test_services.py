import datetime as dt

import pytest
from sqlalchemy import select

from core.errors import Conflict, Forbidden, ValidationFailed
from core.notifications import Notification
from core.roles import Role
from item_bank.authoring import services as authoring
from item_bank.models import ItemMapping, ReviewEvent
from item_bank.review import services as review
from item_bank.workflow import Action, Status
from tests.item_bank.conftest import sba_content

NOW = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.timezone.utc)


def test_writer_creates_a_draft_with_sanitised_scenario(db, framework, make_user):
    writer = make_user(Role.ITEM_WRITER)
    version = authoring.create_case_study(db, actor=writer.actor, title="Spinal injury",
                                          scenario_html="<p onclick='x()'>Text<script>bad()</script></p>", now=NOW)
    assert version.status == Status.DRAFT and version.number == 1
    assert "script" not in version.scenario_html and "onclick" not in version.scenario_html


def test_only_writers_create(db, framework, make_user):
    with pytest.raises(Forbidden):
        authoring.create_case_study(db, actor=make_user(Role.CANDIDATE).actor, title="t", scenario_html="<p>s</p>",
                                    now=NOW)


def test_item_mapping_is_stored_and_unknown_codes_refused(db, make_case_study):
    version = make_case_study(n_items=1)
    item_version = version.item_versions[0]
    primary = [m for m in item_version.mappings if m.is_primary]
    assert len(primary) == 1
    author = version.case_study.author_id
    from assessment.accounts.models import User
    actor = db.get(User, author).actor
    with pytest.raises(ValidationFailed) as error:
        authoring.save_item(db, actor=actor, version_id=version.id, now=NOW, content=sba_content(primary="99.1"))
    assert error.value.problems[0].field.startswith("substandards")
    with pytest.raises(ValidationFailed) as error:
        authoring.save_item(db, actor=actor, version_id=version.id, now=NOW, content=sba_content(key="Z"))
    assert any(p.field == "key" for p in error.value.problems)


def test_submit_needs_three_items(db, make_case_study):
    version = make_case_study(n_items=2)
    from assessment.accounts.models import User
    actor = db.get(User, version.case_study.author_id).actor
    with pytest.raises(ValidationFailed) as error:
        review.transition(db, actor=actor, version_id=version.id, action=Action.SUBMIT, now=NOW)
    assert "items" in error.value.problems[0].field


def test_the_author_never_reviews_their_own(db, make_case_study, make_user):
    writer_reviewer = make_user(Role.ITEM_WRITER, Role.ITEM_REVIEWER)
    version = make_case_study(Status.SUBMITTED, author=writer_reviewer)
    with pytest.raises(Forbidden, match="cannot review a case study you wrote"):
        review.transition(db, actor=writer_reviewer.actor, version_id=version.id, action=Action.START_REVIEW, now=NOW)


def test_returning_needs_a_comment_and_tells_the_author(db, make_case_study, make_user):
    version = make_case_study(Status.IN_REVIEW)
    reviewer = make_user(Role.ITEM_REVIEWER)
    with pytest.raises(ValidationFailed, match="Add a comment"):
        review.transition(db, actor=reviewer.actor, version_id=version.id, action=Action.REQUEST_CHANGES, now=NOW)
    review.transition(db, actor=reviewer.actor, version_id=version.id, action=Action.REQUEST_CHANGES,
                      comment="Option C is also defensible", now=NOW)
    notes = db.scalars(select(Notification).where(Notification.user_id == version.case_study.author_id)).all()
    assert any("changes requested" in n.message for n in notes)
    events = db.scalars(select(ReviewEvent).where(ReviewEvent.case_study_version_id == version.id)).all()
    assert [e.action for e in events] == ["submit", "start_review", "request_changes"]
    assert events[-1].comment == "Option C is also defensible"


def test_an_approved_version_is_frozen_and_an_edit_makes_version_two(db, make_case_study):
    version = make_case_study(Status.APPROVED)
    from assessment.accounts.models import User
    actor = db.get(User, version.case_study.author_id).actor
    with pytest.raises(Conflict, match="start a new version"):
        authoring.update_case_study(db, actor=actor, version_id=version.id, title="Changed",
                                    scenario_html="<p>x</p>", now=NOW)
    v2 = authoring.start_new_version(db, actor=actor, case_study_id=version.case_study_id,
                                     change_note="Clarify the funder", now=NOW)
    assert v2.number == 2 and v2.status == Status.DRAFT
    assert [iv.item_id for iv in v2.item_versions] == [iv.item_id for iv in version.item_versions]
    authoring.update_case_study(db, actor=actor, version_id=v2.id, title="Changed", scenario_html="<p>new</p>", now=NOW)
    authoring.save_item(db, actor=actor, version_id=v2.id, item_id=v2.item_versions[0].item_id, now=NOW,
                        content=sba_content(stem="A reworded stem"))
    db.expire_all()
    assert version.title == "A road traffic collision" and "reworded" not in version.item_versions[0].content["stem"]
    assert version.status == Status.APPROVED
    assert db.scalars(select(ItemMapping).where(ItemMapping.item_version_id == v2.item_versions[0].id)).all()


def test_review_events_are_append_only(db, make_case_study):
    from core.append_only import AppendOnlyViolation

    version = make_case_study(Status.SUBMITTED)
    event = db.scalars(select(ReviewEvent)).first()
    event.comment = "rewritten"
    with pytest.raises(AppendOnlyViolation):
        db.flush()
    db.rollback()


def test_editing_an_item_with_the_same_mapping_keeps_one_row_per_substandard(db, make_case_study):
    version = make_case_study(n_items=1, primaries=("6.3",))
    from assessment.accounts.models import User
    actor = db.get(User, version.case_study.author_id).actor
    item_id = version.item_versions[0].item_id
    authoring.save_item(db, actor=actor, version_id=version.id, item_id=item_id, now=NOW,
                        content=sba_content(primary="6.3", others=["7.1"], stem="Reworded"))
    authoring.save_item(db, actor=actor, version_id=version.id, item_id=item_id, now=NOW,
                        content=sba_content(primary="7.1", others=["6.3"], stem="Reworded again"))
    rows = db.scalars(select(ItemMapping).where(ItemMapping.item_version_id == version.item_versions[0].id)).all()
    assert len(rows) == 2
    assert {r.is_primary for r in rows} == {True, False}
