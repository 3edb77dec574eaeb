"""Hub settings: TOML plus DOORSTEP_ env, secret references, per-school adapter settings."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import structlog
from pydantic import BaseModel, ConfigDict, Field, SecretStr

from hub.errors import ConfigError
from hub.logging import assert_no_personal_data, capture_redacted_logs
from hub.settings import (
    DEFAULT_DATABASE_URL,
    adapter_settings,
    enabled_adapters,
    env_var_for,
    load_settings,
)

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "contrib" / "config" / "doorstep.example.toml"

SCHOOL = """
[schools.harrogate]
name = "Harrogate High"
policy_pack = "harrogate"
"""


class WondeSettings(BaseModel):
    """An adapter settings model as an adapter would register it."""

    model_config = ConfigDict(extra="forbid", hide_input_in_errors=True)

    base_url: str = Field("https://api.wonde.test/v1.0", description="API root.")
    token: SecretStr = Field(description="The school's API token.")
    timeout_s: float = Field(10.0, gt=0, description="Seconds before a request gives up.")


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    for name in list(os.environ):
        if name.startswith("DOORSTEP_"):
            monkeypatch.delenv(name)


@pytest.fixture
def toml(tmp_path):
    def write(text: str) -> Path:
        path: Path = tmp_path / "doorstep.toml"
        path.write_text(text, encoding="utf-8")
        return path

    return write


def one_line_error(excinfo: pytest.ExceptionInfo[ConfigError]) -> str:
    message = str(excinfo.value)
    assert "\n" not in message
    return message


def test_defaults_need_no_file_and_keep_the_database_in_the_data_dir():
    settings = load_settings()
    assert settings.database_url == DEFAULT_DATABASE_URL
    assert settings.log_format == "auto"
    assert settings.log_level == "info"
    assert settings.disable_plugins == frozenset()
    assert settings.load_plugins is None
    assert settings.config_file is None
    moved = load_settings(data_dir="/var/lib/doorstep")
    assert moved.database_url == "sqlite:////var/lib/doorstep/doorstep.db"


def test_env_beats_the_file_and_overrides_beat_env(toml, monkeypatch):
    path = toml('log_level = "warning"\ntrace_hooks = true\n' + SCHOOL)
    assert load_settings(path).log_level == "warning"
    monkeypatch.setenv("DOORSTEP_LOG_LEVEL", "DEBUG")
    settings = load_settings(path)
    assert settings.log_level == "debug"
    assert settings.trace_hooks is True
    assert settings.config_file == path
    assert load_settings(path, log_level="error").log_level == "error"


def test_the_file_comes_from_doorstep_config_and_a_missing_file_is_refused(
    toml, monkeypatch, tmp_path
):
    monkeypatch.setenv("DOORSTEP_CONFIG", str(toml(SCHOOL)))
    assert load_settings().schools["harrogate"].name == "Harrogate High"
    monkeypatch.setenv("DOORSTEP_CONFIG", str(tmp_path / "nope.toml"))
    with pytest.raises(ConfigError) as excinfo:
        load_settings()
    assert one_line_error(excinfo).startswith("DOORSTEP_CONFIG: ")


def test_nested_env_vars_reach_school_and_adapter_tables(toml, monkeypatch):
    monkeypatch.setenv("DOORSTEP_SCHOOLS__HARROGATE__TIMEZONE", "Europe/Dublin")
    monkeypatch.setenv("DOORSTEP_ADAPTERS__WONDE__TIMEOUT_S", "4")
    monkeypatch.setenv("DOORSTEP_SCHOOLS__HARROGATE__ADAPTERS__WONDE__TOKEN", "env-token-1")
    settings = load_settings(toml(SCHOOL + '[adapters.wonde]\nbase_url = "https://w.test"\n'))
    assert settings.schools["harrogate"].timezone == "Europe/Dublin"
    wonde = adapter_settings(settings, "harrogate", "wonde", WondeSettings)
    assert wonde.timeout_s == 4
    assert wonde.base_url == "https://w.test"
    assert wonde.token.get_secret_value() == "env-token-1"


def test_comma_lists_from_env_become_sets(monkeypatch):
    monkeypatch.setenv("DOORSTEP_DISABLE_PLUGINS", "audit, ladder")
    monkeypatch.setenv("DOORSTEP_LOAD_PLUGINS", "")
    settings = load_settings()
    assert settings.disable_plugins == frozenset({"audit", "ladder"})
    assert settings.load_plugins == frozenset()


@pytest.mark.parametrize(
    ("text", "env", "expected"),
    [
        ("colour = 'blue'\n", {}, "colour (DOORSTEP_COLOUR): unknown key"),
        (
            SCHOOL + "motto = 'Ever onwards'\n",
            {},
            "schools.harrogate.motto (DOORSTEP_SCHOOLS__HARROGATE__MOTTO): unknown key",
        ),
        (
            SCHOOL,
            {"DOORSTEP_SCHOOLS__HARROGATE__HEADTEACHER": "Ms Example"},
            "schools.harrogate.headteacher (DOORSTEP_SCHOOLS__HARROGATE__HEADTEACHER): unknown key",
        ),
        (
            "[schools.harrogate]\nname = 'Harrogate High'\n",
            {},
            "schools.harrogate.policy_pack (DOORSTEP_SCHOOLS__HARROGATE__POLICY_PACK): missing",
        ),
        (
            SCHOOL + "timezone = 'Mars/Olympus_Mons'\n",
            {},
            "schools.harrogate.timezone (DOORSTEP_SCHOOLS__HARROGATE__TIMEZONE): "
            "not a known IANA time zone",
        ),
    ],
)
def test_bad_settings_give_one_line_naming_the_key(toml, monkeypatch, text, env, expected):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as excinfo:
        load_settings(toml(text))
    assert one_line_error(excinfo) == expected


def test_a_bad_value_is_never_echoed(toml):
    with pytest.raises(ConfigError) as excinfo:
        load_settings(toml('log_level = "Jayden-Smith-07700900123"\n'))
    message = one_line_error(excinfo)
    assert message.startswith("log_level (DOORSTEP_LOG_LEVEL): Input should be")
    assert "Jayden" not in message
    assert "07700900123" not in message


def test_invalid_toml_names_the_file(toml):
    path = toml("log_level = \n")
    with pytest.raises(ConfigError) as excinfo:
        load_settings(path)
    assert one_line_error(excinfo).startswith(f"{path}: is not valid TOML")


def test_secret_references_resolve_from_env_and_file(toml, monkeypatch, tmp_path):
    secret_file = tmp_path / "wonde-token"
    secret_file.write_text("file-token-2\n", encoding="utf-8")
    monkeypatch.setenv("WONDE_TOKEN_GLOBAL", "env-token-3")
    path = toml(
        SCHOOL
        + f'[schools.harrogate.adapters.wonde]\ntoken = {{ file = "{secret_file}" }}\n'
        + '[adapters.wonde]\ntoken = { env = "WONDE_TOKEN_GLOBAL" }\n'
        + '[schools.leeds]\nname = "Leeds"\npolicy_pack = "st-michaels"\n'
        + "[schools.leeds.adapters.wonde]\n"
    )
    settings = load_settings(path)
    school = adapter_settings(settings, "harrogate", "wonde", WondeSettings)
    assert school.token.get_secret_value() == "file-token-2"
    shared = adapter_settings(settings, "leeds", "wonde", WondeSettings)
    assert shared.token.get_secret_value() == "env-token-3"


def test_a_reference_to_a_missing_env_var_or_file_is_refused_by_name(toml, tmp_path):
    with pytest.raises(ConfigError) as excinfo:
        load_settings(toml('[adapters.wonde]\ntoken = { env = "NOT_SET_ANYWHERE_42" }\n'))
    assert one_line_error(excinfo) == (
        "adapters.wonde.token (DOORSTEP_ADAPTERS__WONDE__TOKEN): "
        "refers to env var NOT_SET_ANYWHERE_42, which is not set"
    )
    missing = tmp_path / "absent"
    with pytest.raises(ConfigError) as excinfo:
        load_settings(toml(f'database_url = {{ file = "{missing}" }}\n'))
    assert f"secret file {missing} cannot be read" in one_line_error(excinfo)


def test_a_literal_secret_in_the_file_is_refused_outside_dev_mode(toml):
    path = toml(SCHOOL + '[schools.harrogate.adapters.wonde]\ntoken = "literal-token-4"\n')
    settings = load_settings(path)
    with pytest.raises(ConfigError) as excinfo:
        adapter_settings(settings, "harrogate", "wonde", WondeSettings)
    message = one_line_error(excinfo)
    assert message.startswith(
        "schools.harrogate.adapters.wonde.token "
        "(DOORSTEP_SCHOOLS__HARROGATE__ADAPTERS__WONDE__TOKEN): a secret written in the config"
    )
    assert "literal-token-4" not in message
    dev = load_settings(path, dev_mode=True)
    token = adapter_settings(dev, "harrogate", "wonde", WondeSettings).token
    assert token.get_secret_value() == "literal-token-4"


def test_a_database_password_in_the_file_is_refused_but_not_from_env(toml, monkeypatch):
    path = toml('database_url = "postgresql+psycopg://hub:pa55word@db/doorstep"\n')
    with pytest.raises(ConfigError) as excinfo:
        load_settings(path)
    message = one_line_error(excinfo)
    assert message.startswith("database_url (DOORSTEP_DATABASE_URL): holds a password")
    assert "pa55word" not in message
    assert load_settings(toml('database_url = "postgresql+psycopg://hub@db/doorstep"\n'))
    monkeypatch.setenv("DOORSTEP_DATABASE_URL", "postgresql+psycopg://hub:pa55word@db/doorstep")
    assert load_settings(toml("")).database_url.endswith("@db/doorstep")


def test_the_secrets_dir_follows_the_env_var_rule(toml, monkeypatch, tmp_path):
    secrets = tmp_path / "secrets"
    secrets.mkdir()
    name = env_var_for(["schools", "harrogate", "adapters", "wonde", "token"])
    (secrets / name).write_text("dir-token-5", encoding="utf-8")
    monkeypatch.setenv("DOORSTEP_SECRETS_DIR", str(secrets))
    settings = load_settings(toml(SCHOOL))
    wonde = adapter_settings(settings, "harrogate", "wonde", WondeSettings)
    assert wonde.token.get_secret_value() == "dir-token-5"
    monkeypatch.setenv("DOORSTEP_SECRETS_DIR", str(tmp_path / "absent"))
    with pytest.raises(ConfigError):
        load_settings()


def test_adapter_errors_name_the_key_path_and_never_the_value(toml, monkeypatch):
    monkeypatch.setenv("DOORSTEP_SCHOOLS__HARROGATE__ADAPTERS__WONDE__TOKEN", "t")
    path = toml(
        SCHOOL
        + "[adapters.wonde]\ntimeout_s = 'Oliver Example'\n"
        + "[schools.harrogate.adapters.wonde]\nretries = 3\n"
    )
    settings = load_settings(path)
    with pytest.raises(ConfigError) as excinfo:
        adapter_settings(settings, "harrogate", "wonde", WondeSettings)
    message = one_line_error(excinfo)
    assert message.startswith("adapters.wonde.timeout_s (DOORSTEP_ADAPTERS__WONDE__TIMEOUT_S): ")
    assert "Oliver" not in message
    assert "(and 1 more problem)" in message
    monkeypatch.delenv("DOORSTEP_SCHOOLS__HARROGATE__ADAPTERS__WONDE__TOKEN")
    missing = load_settings(toml(SCHOOL + "[schools.harrogate.adapters.wonde]\n"))
    with pytest.raises(ConfigError) as excinfo:
        adapter_settings(missing, "harrogate", "wonde", WondeSettings)
    assert one_line_error(excinfo).endswith("ADAPTERS__WONDE__TOKEN): missing")
    with pytest.raises(ConfigError, match=r"^schools\.leeds: no such school"):
        adapter_settings(missing, "leeds", "wonde", WondeSettings)


def test_a_school_enables_the_adapters_it_has_tables_for(toml):
    settings = load_settings(
        toml(SCHOOL + "[schools.harrogate.adapters.wonde]\n[schools.harrogate.adapters.csv]\n")
    )
    assert enabled_adapters(settings, "harrogate") == ["csv", "wonde"]
    assert enabled_adapters(settings, "leeds") == []


def test_repr_and_logs_never_show_a_secret(toml, monkeypatch):
    monkeypatch.setenv("DOORSTEP_SCHOOLS__HARROGATE__ADAPTERS__WONDE__TOKEN", "tok-zebra-6")
    monkeypatch.setenv("DOORSTEP_DATABASE_URL", "postgresql+psycopg://hub:pw-lemur-7@db/x")
    settings = load_settings(toml(SCHOOL))
    wonde = adapter_settings(settings, "harrogate", "wonde", WondeSettings)
    for text in (repr(settings), str(settings), repr(wonde), str(wonde)):
        assert "tok-zebra-6" not in text
        assert "pw-lemur-7" not in text
    with capture_redacted_logs() as events:
        structlog.get_logger("test").info(
            "settings.loaded",
            settings=settings,
            adapter=wonde,
            token=wonde.token,
            tables=settings.schools["harrogate"].adapters,
            database=settings.database_url,
        )
    assert events
    assert_no_personal_data(events, ["tok-zebra-6", "pw-lemur-7"])


def test_the_example_config_loads(monkeypatch):
    monkeypatch.setenv("WONDE_TOKEN_HARROGATE", "example-token")
    settings = load_settings(EXAMPLE)
    assert set(settings.schools) == {"harrogate", "st_michaels"}
    assert settings.log_format == "json"
    assert settings.database_url == "sqlite:////var/lib/doorstep/doorstep.db"
    assert enabled_adapters(settings, "harrogate") == ["wonde"]
    assert enabled_adapters(settings, "st_michaels") == []
    table = settings.schools["harrogate"].adapters["wonde"]
    assert table["token"] == "example-token"
    assert not settings.is_literal_in_file(("schools", "harrogate", "adapters", "wonde", "token"))
