"""`doorstep config schema`: every setting with an env var that really sets it."""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SecretStr
from typer.testing import CliRunner

from hub.cli import app
from hub.cli.config import ADAPTER, SCHOOL, SettingDoc, describe_settings, type_text
from hub.settings import HubSettings, adapter_settings, load_settings

runner = CliRunner()


class WondeSettings(BaseModel):
    """A registered adapter settings model, as an adapter would declare it."""

    model_config = ConfigDict(extra="forbid", hide_input_in_errors=True)

    token: SecretStr = Field(description="The school's API token.")
    timeout_s: float = Field(10.0, description="Seconds before a request gives up.")
    page_size: int = Field(100, description="Records per page.")


def value_at(settings: HubSettings, doc: SettingDoc, school: str) -> Any:
    parts = doc.key.replace(SCHOOL, school).split(".")
    if parts[0] == "adapters" or parts[2:3] == ["adapters"]:
        return adapter_settings(settings, school, parts[-2], WondeSettings).model_dump()[parts[-1]]
    value: Any = settings
    for part in parts:
        value = value[part] if isinstance(value, dict) else getattr(value, part)
    return value


def as_text(value: Any) -> str:
    if isinstance(value, SecretStr):
        return value.get_secret_value()
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, frozenset):
        return ",".join(sorted(value))
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def test_every_listed_env_var_really_sets_its_field(monkeypatch):
    docs = describe_settings({"wonde": WondeSettings})
    leaves = [doc for doc in docs if doc.type != "table"]
    assert {doc.key for doc in leaves} >= {
        "database_url",
        "schools.<school>.policy_pack",
        "adapters.wonde.token",
        "schools.<school>.adapters.wonde.token",
    }
    base = {
        "DOORSTEP_SCHOOLS__HARROGATE__NAME": "Harrogate High",
        "DOORSTEP_SCHOOLS__HARROGATE__POLICY_PACK": "harrogate",
        "DOORSTEP_ADAPTERS__WONDE__TOKEN": "base-token",
    }
    for doc in leaves:
        env = {**base, doc.env.replace("<SCHOOL>", "HARROGATE"): doc.example}
        with monkeypatch.context() as patch:
            for name, value in env.items():
                patch.setenv(name, value)
            settings = load_settings()
            assert as_text(value_at(settings, doc, "harrogate")) == doc.example, doc.env


def test_env_names_follow_the_one_rule_and_every_setting_is_described():
    docs = describe_settings({"wonde": WondeSettings})
    for doc in docs:
        assert doc.description, doc.key
        path = doc.key.replace(SCHOOL, "<SCHOOL>").replace(ADAPTER, "<ADAPTER>").split(".")
        expected = "DOORSTEP_" + "__".join(part.upper() for part in path)
        assert doc.env in {expected, expected + "__<KEY>"}
    by_key = {doc.key: doc for doc in docs}
    token = by_key["schools.<school>.adapters.wonde.token"]
    assert token.env == "DOORSTEP_SCHOOLS__<SCHOOL>__ADAPTERS__WONDE__TOKEN"
    assert (token.type, token.default, token.secret) == ("secret", "(required)", True)
    assert by_key["log_level"].type == "one of: debug, info, warning, error, critical"
    assert by_key["load_plugins"].type == "comma list (optional)"
    assert by_key["adapters.wonde.timeout_s"].default == "10.0"


def test_core_settings_are_listed_without_adapters():
    keys = [doc.key for doc in describe_settings({})]
    assert keys[:2] == ["data_dir", "database_url"]
    assert "schools.<school>.adapters.<adapter>" in keys
    assert not any("wonde" in key for key in keys)


def test_schema_prints_text_with_env_names():
    result = runner.invoke(app, ["config", "schema"])
    assert result.exit_code == 0, result.output
    assert "DOORSTEP_DATABASE_URL\n  key:     database_url\n  type:    text\n" in result.stdout
    assert "DOORSTEP_SCHOOLS__<SCHOOL>__POLICY_PACK" in result.stdout


def test_schema_json_is_the_same_list_as_data():
    result = runner.invoke(app, ["config", "schema", "--format", "json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert rows[0] == {
        "key": "data_dir",
        "env": "DOORSTEP_DATA_DIR",
        "type": "path",
        "default": "doorstep-data",
        "description": "Where the hub keeps its files (the SQLite database by default).",
        "example": "/var/lib/doorstep",
        "secret": False,
    }


def test_an_unknown_format_is_refused():
    result = runner.invoke(app, ["config", "schema", "--format", "xml"])
    assert result.exit_code != 0
    assert "Traceback" not in result.output


def test_types_read_plainly():
    assert type_text(SecretStr | None) == "secret (optional)"
    assert type_text(dict[str, int]) == "table"
