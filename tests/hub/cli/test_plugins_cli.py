"""`doorstep plugins` lists what is installed, with versions, kinds and hooks."""

from __future__ import annotations

import json
from importlib.metadata import entry_points, version

from typer.testing import CliRunner

from hub import hookimpl
from hub.cli import app
from hub.cli.plugins import plugin_rows, render_table
from hub.hooks.loading import Discovered
from hub.plugins import audit, ladder

runner = CliRunner()


def test_plugins_lists_every_builtin_with_version_kind_hooks_and_schools():
    result = runner.invoke(app, ["plugins"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split() == ["name", "version", "kind", "hooks", "schools"]
    rows = {line.split()[0]: line.split() for line in lines[1:]}
    plugins = {name for name, row in rows.items() if row[2] == "plugin"}
    assert plugins == {point.name for point in entry_points(group="doorstep.plugins")}
    assert {"audit", "authoriser", "ladder", "risk_rules"} <= plugins
    installed = {point.name for point in entry_points(group="doorstep.adapters")}
    assert {name for name, row in rows.items() if row[2] == "adapter"} == installed
    assert rows["audit"] == ["audit", version("doorstep"), "plugin", "on_visit_event", "all"]
    assert rows["risk_rules"][3] == "assess_visit"


def test_plugins_json_gives_the_same_rows_as_data():
    result = runner.invoke(app, ["plugins", "--json"])
    assert result.exit_code == 0, result.output
    rows = {row["name"]: row for row in json.loads(result.output)}
    assert rows["ladder"]["hooks"] == ["resolve_channel_order"]
    assert rows["authoriser"]["kind"] == "plugin"


def test_rows_show_the_schools_using_each_when_known_and_adapters_sort_first():
    class Mis:
        @hookimpl
        async def hub_pull_pupil(self, pupil_id):
            return None

    found = [
        Discovered("wonde", "adapter", Mis, "1.2.0"),
        Discovered("ladder", "plugin", ladder, "0.1.0"),
        Discovered("audit", "plugin", audit, "0.1.0"),
    ]
    rows = plugin_rows(found, schools_using={"wonde": ["harrogate", "st-michaels"]})
    assert [(r.name, r.kind, r.schools) for r in rows] == [
        ("wonde", "adapter", "harrogate, st-michaels"),
        ("audit", "plugin", "none"),
        ("ladder", "plugin", "none"),
    ]
    assert rows[0].hooks == ("pull_pupil",)
    assert "not configured" in render_table(plugin_rows(found[:1]))


def test_plugins_command_leaves_out_disabled_plugins(monkeypatch):
    from typer.testing import CliRunner

    from hub.cli import app

    monkeypatch.setenv("DOORSTEP_DISABLE_PLUGINS", "audit,ladder")
    result = CliRunner().invoke(app, ["plugins"])
    assert result.exit_code == 0
    names = {line.split()[0] for line in result.stdout.splitlines()[1:] if line.strip()}
    assert "audit" not in names
    assert "ladder" not in names
    assert "risk_rules" in names
