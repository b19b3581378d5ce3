"""The appeal window is a setting: allow-listed, checked, read by the pages."""
import datetime as dt

import pytest

from assessment.config import ConfigError, load_config
from tests.assessment.results.appeals.builders import RELEASED_AT


def test_the_window_defaults_to_28_days_and_comes_from_the_environment(tmp_path):
    assert load_config(tmp_path, environ={})["APPEAL_WINDOW_DAYS"] == 28
    assert load_config(tmp_path, environ={"COP_APPEAL_WINDOW_DAYS": "14"})["APPEAL_WINDOW_DAYS"] == 14


@pytest.mark.parametrize("bad", [0, -3, True, "28"])
def test_a_window_that_is_not_a_positive_whole_number_of_days_is_refused(tmp_path, bad):
    with pytest.raises(ConfigError, match="APPEAL_WINDOW_DAYS"):
        load_config(tmp_path, {"APPEAL_WINDOW_DAYS": bad}, environ={})


def test_the_pages_use_the_configured_window(app, client, released, clock):
    app.config["APPEAL_WINDOW_DAYS"] = 7
    clock.set(RELEASED_AT + dt.timedelta(days=8))
    with client.session_transaction() as flask_session:
        flask_session["_user_id"] = released.candidate.get_id()
    page = client.get("/appeals")
    assert "within 7 days of its release" in page.text and "The time to appeal this result has passed" in page.text
