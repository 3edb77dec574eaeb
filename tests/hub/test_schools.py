from pathlib import Path

import pytest

from hub.errors import ConfigError
from hub.policy import bundled_packs_dir
from hub.schools import (
    blocked_names,
    hooks_for_school,
    installed_names,
    resolve_pack,
    school_and_pack,
)
from hub.settings import load_settings


def _config(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "doorstep.toml"
    path.write_text(body)
    return path


SCHOOL = """
[schools.hhs]
name = "Harrogate High School"
policy_pack = "harrogate"
"""


class Recorder:
    def __init__(self) -> None:
        self.events: list[object] = []

    def append_event(self, event: object) -> int:
        self.events.append(event)
        return len(self.events)


def test_resolve_pack_by_bundled_id_and_by_path(tmp_path: Path):
    assert resolve_pack("the-willows").doorstep.parent_absent_wait_minutes == 10
    copy = tmp_path / "packs" / "mine.toml"
    copy.parent.mkdir()
    copy.write_text((bundled_packs_dir() / "harrogate.toml").read_text())
    assert resolve_pack("packs/mine.toml", relative_to=tmp_path).id == "harrogate"


def test_resolve_pack_unknown_id_is_one_line_config_error():
    with pytest.raises(ConfigError, match="policy pack 'nowhere' is not bundled"):
        resolve_pack("nowhere")


def test_resolve_pack_broken_file_names_file_and_key(tmp_path: Path):
    broken = tmp_path / "broken.toml"
    text = (bundled_packs_dir() / "harrogate.toml").read_text()
    broken.write_text(text.replace("[overdue]", "[overdue]\nsurprise = 1", 1))
    with pytest.raises(ConfigError) as info:
        resolve_pack(str(broken))
    assert str(info.value) == f"{broken}: overdue.surprise: unknown key"


def test_school_and_pack_from_settings(tmp_path: Path):
    settings = load_settings(_config(tmp_path, SCHOOL))
    school, pack = school_and_pack(settings, "hhs")
    assert school.policy_pack == pack.id == "harrogate"
    with pytest.raises(ConfigError, match="school 'nope' is not configured"):
        school_and_pack(settings, "nope")


def test_disabled_and_allowlisted_plugins_are_blocked(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("DOORSTEP_DISABLE_PLUGINS", "audit")
    settings = load_settings(_config(tmp_path, SCHOOL))
    assert blocked_names(settings) == {"audit"}
    hooks = hooks_for_school(settings, "hhs", recorder=None)
    assert "audit" not in hooks.plugins()
    assert {"risk_rules", "ladder", "authoriser"} <= set(hooks.plugins())

    monkeypatch.delenv("DOORSTEP_DISABLE_PLUGINS")
    monkeypatch.setenv("DOORSTEP_LOAD_PLUGINS", "ladder,authoriser")
    settings = load_settings(_config(tmp_path, SCHOOL))
    assert blocked_names(settings) == installed_names() - {"ladder", "authoriser"}
    assert set(hooks_for_school(settings, "hhs", recorder=None).plugins()) == {
        "ladder",
        "authoriser",
    }


def test_every_builtin_plugin_loads_for_a_school_with_a_recorder(tmp_path: Path):
    settings = load_settings(_config(tmp_path, SCHOOL))
    hooks = hooks_for_school(settings, "hhs", recorder=Recorder())
    assert {"risk_rules", "ladder", "authoriser", "audit"} <= set(hooks.plugins())
    assert hooks.pack.id == "harrogate"


def test_an_adapter_no_one_installed_is_a_config_error(tmp_path: Path):
    settings = load_settings(_config(tmp_path, SCHOOL + "\n[schools.hhs.adapters.nowhere]\n"))
    with pytest.raises(ConfigError, match=r"schools\.hhs\.adapters\.nowhere: no installed"):
        hooks_for_school(settings, "hhs", recorder=Recorder())
