"""core.db.get_or_raise: one way to load a row by id, or say plainly that there is none (404)."""
import pytest

from core.db import get_or_raise
from core.errors import NotFound
from assessment.delivery.models import AdjustmentRequest, Sitting
from item_bank.models import CaseStudyVersion, ExamSpec


def test_it_returns_the_row(db, make_user):
    from assessment.accounts.models import User

    user = make_user()
    assert get_or_raise(db, User, user.id) is user


@pytest.mark.parametrize(("model", "words"), [
    (Sitting, "There is no such sitting."), (ExamSpec, "There is no such exam spec."),
    (CaseStudyVersion, "There is no such case study version."),
    (AdjustmentRequest, "There is no such adjustment request."),
])
def test_a_missing_row_is_not_found_in_words_named_after_the_model(db, model, words):
    for ident in (999999, None):
        with pytest.raises(NotFound) as error:
            get_or_raise(db, model, ident)
        assert error.value.message == words


def test_the_message_can_be_given(db):
    with pytest.raises(NotFound, match="^There is no such request.$"):
        get_or_raise(db, AdjustmentRequest, 999999, "There is no such request.")
