"""`doorstep plugins`: every installed plugin and adapter, its version and its hooks."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Annotated

import typer

from hub.errors import PluginError
from hub.hooks.loading import Discovered, discover, implemented_hooks
from hub.schools import blocked_names
from hub.settings import enabled_adapters, load_settings

HEADERS = ("name", "version", "kind", "hooks", "schools")


@dataclass(frozen=True)
class PluginRow:
    """One line of the ``doorstep plugins`` table."""

    name: str
    version: str
    kind: str
    hooks: tuple[str, ...]
    schools: str


def plugin_rows(
    found: Sequence[Discovered], schools_using: Mapping[str, Sequence[str]] | None = None
) -> list[PluginRow]:
    """A row per plugin or adapter. ``schools_using`` maps a name to the schools that
    enabled it; without it built-in plugins show ``all`` (they load for every school)."""
    rows = []
    for item in found:
        if schools_using is not None:
            schools = ", ".join(sorted(schools_using.get(item.name, ()))) or "none"
        else:
            schools = "all" if item.kind == "plugin" else "not configured"
        hooks = tuple(name.removeprefix("hub_") for name in implemented_hooks(item.target))
        rows.append(PluginRow(item.name, item.version, item.kind, hooks, schools))
    return sorted(rows, key=lambda row: (row.kind, row.name))


def render_table(rows: Sequence[PluginRow]) -> str:
    """The rows as a plain-text table with a header line."""
    cells = [HEADERS] + [
        (r.name, r.version, r.kind, ", ".join(r.hooks) or "-", r.schools) for r in rows
    ]
    widths = [max(len(line[i]) for line in cells) for i in range(len(HEADERS) - 1)]
    lines = []
    for line in cells:
        padded = [cell.ljust(width) for cell, width in zip(line, widths, strict=False)]
        lines.append("  ".join([*padded, line[-1]]).rstrip())
    return "\n".join(lines)


def plugins(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """List installed plugins and adapters: name, version, kind, hooks, schools using it.

    Plugins blocked by DOORSTEP_DISABLE_PLUGINS or left out of DOORSTEP_LOAD_PLUGINS
    are not listed.
    """
    settings = load_settings()
    blocked = blocked_names(settings)
    using: dict[str, list[str]] = {}
    for school_id in settings.schools:
        for adapter_id in enabled_adapters(settings, school_id):
            using.setdefault(adapter_id, []).append(school_id)
    try:
        found = discover(blocked=blocked)
        schools_using = None
        if settings.schools:
            every = sorted(settings.schools)
            schools_using = {
                item.name: every if item.kind == "plugin" else using.get(item.name, [])
                for item in found
            }
        rows = plugin_rows(found, schools_using)
    except PluginError as exc:
        typer.echo(f"doorstep: error: {exc}", err=True)
        raise typer.Exit(1) from None
    if as_json:
        typer.echo(json.dumps([asdict(row) for row in rows], indent=2))
    else:
        typer.echo(render_table(rows))


def register(app: typer.Typer) -> None:
    """Add this module's commands to ``app``."""
    app.command(name="plugins")(plugins)
