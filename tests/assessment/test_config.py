import pytest

from assessment.config import ConfigError, load_config


def test_layers_apply_in_order(tmp_path):
    (tmp_path / "config.py").write_text("PASSWORD_RESET_TTL_S = 100\nLOGIN_THROTTLE = False\n", encoding="utf-8")
    config = load_config(tmp_path, {"LOGIN_THROTTLE": True},
                         environ={"COP_PASSWORD_RESET_TTL_S": "200", "COP_SECRET_KEY": "k"})
    assert config["PASSWORD_RESET_TTL_S"] == 200  # environment beats the instance file
    assert config["LOGIN_THROTTLE"] is True  # overrides beat everything
    assert config["DATABASE_URL"] == f"sqlite:///{tmp_path / 'cop.sqlite3'}"


def test_unknown_keys_are_errors(tmp_path):
    (tmp_path / "config.py").write_text("DATABSE_URL = 'x'\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="DATABSE_URL"):
        load_config(tmp_path, environ={})
    with pytest.raises(ConfigError, match="NOPE"):
        load_config(tmp_path / "elsewhere", {"NOPE": 1}, environ={})


def test_environment_values_are_checked(tmp_path):
    with pytest.raises(ConfigError, match="COP_LOGIN_THROTTLE must be true or false"):
        load_config(tmp_path, environ={"COP_LOGIN_THROTTLE": "perhaps", "COP_SECRET_KEY": "k"})
    with pytest.raises(ConfigError, match="whole number"):
        load_config(tmp_path, environ={"COP_PASSWORD_RESET_TTL_S": "soon", "COP_SECRET_KEY": "k"})


def test_database_url_from_environment(tmp_path):
    config = load_config(tmp_path, environ={"COP_DATABASE_URL": "postgresql+psycopg://x@h/db", "COP_SECRET_KEY": "k"})
    assert config["DATABASE_URL"] == "postgresql+psycopg://x@h/db"


def test_secret_key_is_generated_once_into_the_instance_folder(tmp_path):
    first = load_config(tmp_path, environ={})["SECRET_KEY"]
    second = load_config(tmp_path, environ={})["SECRET_KEY"]
    assert first == second and len(first) >= 40
    key_file = tmp_path / "secret_key"
    assert key_file.read_text(encoding="utf-8") == first
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"
    assert load_config(tmp_path, environ={"COP_SECRET_KEY": "from-env"})["SECRET_KEY"] == "from-env"
