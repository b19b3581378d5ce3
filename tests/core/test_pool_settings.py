"""How many PostgreSQL connections one app process may hold is a setting, because with several app
servers the pools add up against the server's limit (docs/deployment.md)."""
from __future__ import annotations

import pytest

from assessment.app import create_app
from assessment.config import ConfigError, load_config

POSTGRES = "postgresql+psycopg://nobody@127.0.0.1:1/unused"  # an engine connects only when first used


def test_the_pool_follows_the_settings():
    app = create_app({"TESTING": True, "DATABASE_URL": POSTGRES, "DATABASE_POOL_SIZE": 8,
                      "DATABASE_MAX_OVERFLOW": 0})
    pool = app.extensions["cop.db"].engine.pool
    assert pool.size() == 8 and pool._max_overflow == 0


def test_the_defaults_are_ten_and_twenty_more_at_a_peak():
    pool = create_app({"TESTING": True, "DATABASE_URL": POSTGRES}).extensions["cop.db"].engine.pool
    assert pool.size() == 10 and pool._max_overflow == 20


def test_the_settings_come_from_the_environment(tmp_path):
    config = load_config(tmp_path, environ={"COP_DATABASE_POOL_SIZE": "8", "COP_DATABASE_MAX_OVERFLOW": "0",
                                            "COP_SECRET_KEY": "k"})
    assert (config["DATABASE_POOL_SIZE"], config["DATABASE_MAX_OVERFLOW"]) == (8, 0)


@pytest.mark.parametrize(("key", "value"), [("DATABASE_POOL_SIZE", 0), ("DATABASE_POOL_SIZE", "8"),
                                            ("DATABASE_MAX_OVERFLOW", -1), ("DATABASE_MAX_OVERFLOW", True)])
def test_a_pool_setting_that_is_not_a_count_is_refused(tmp_path, key, value):
    with pytest.raises(ConfigError, match=key):
        load_config(tmp_path, {key: value}, environ={"COP_SECRET_KEY": "k"})


def test_the_pre_ping_is_off_unless_asked_for():
    """A ping before every request was a fifth of an autosave's time (docs/performance.md); a
    deployment that prefers it back sets DATABASE_PRE_PING."""
    assert create_app({"TESTING": True, "DATABASE_URL": POSTGRES}).extensions["cop.db"].engine.pool._pre_ping is False
    asked = create_app({"TESTING": True, "DATABASE_URL": POSTGRES, "DATABASE_PRE_PING": True})
    assert asked.extensions["cop.db"].engine.pool._pre_ping is True
