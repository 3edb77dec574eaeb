"""``doorstep drill --school X`` and ``doorstep drill ack``: rehearse the escalation ladder.

``doorstep drill --school X`` sends a synthetic overdue visit (id ``DRILL-...``, no real
pupil, never stored) through every rung on the school's real channels, every message
marked DRILL, and waits for each rung to be acknowledged: from another terminal,
``doorstep drill ack --school X --rung N --by STAFF``. It prints how long each rung took
and writes the report as JSON next to the acknowledgements
(``data_dir/drills/SCHOOL/DRILL_ID/``). The police rung is a drill prompt only.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from hub.engine.drill import (
    DrillReport,
    DrillRung,
    FileAcks,
    drill_visit,
    new_drill_id,
    run_drill,
    summary,
)
from hub.errors import UserError
from hub.models import Visit
from hub.schools import hooks_for_school, school_and_pack
from hub.settings import HubSettings, load_settings
from hub.store import Store

app = typer.Typer(
    help="Rehearse the escalation ladder on the school's real channels, marked DRILL.",
    invoke_without_command=True,
)

CURRENT = "current"
"""The file naming a school's running (or last) drill."""


def register(root: typer.Typer) -> None:
    """Add ``drill`` to ``root``."""
    root.add_typer(app, name="drill")


def drills_dir(settings: HubSettings, school_id: str) -> Path:
    """Where a school's drills keep their acknowledgements and reports."""
    return settings.data_dir / "drills" / school_id


@app.callback()
def drill(
    ctx: typer.Context,
    school: Annotated[str | None, typer.Option(help="The school whose ladder to drill.")] = None,
    staff: Annotated[
        list[str] | None,
        typer.Option(help="Staff id playing the visiting staff (repeatable; a real one)."),
    ] = None,
    window: Annotated[
        float | None,
        typer.Option(help="Seconds to wait for each acknowledgement (default: the pack's)."),
    ] = None,
) -> None:
    """Run a drill: a fake overdue visit through the whole ladder, each rung timed."""
    if ctx.invoked_subcommand is not None:
        return
    if school is None:
        raise UserError("name the school to drill: doorstep drill --school SCHOOL")
    settings = load_settings()
    school_and_pack(settings, school)  # an unknown school stops here, with a clear line
    report = asyncio.run(_drill(settings, school, tuple(staff or ("drill-staff",)), window))
    for line in summary(report):
        typer.echo(line)
    if not report.passed:
        raise typer.Exit(1)


async def _drill(
    settings: HubSettings, school_id: str, staff: tuple[str, ...], window: float | None
) -> DrillReport:
    now = datetime.now(UTC)
    drill_id = new_drill_id(now)
    base = drills_dir(settings, school_id)
    directory = base / drill_id
    directory.mkdir(parents=True, exist_ok=True)
    (base / CURRENT).write_text(drill_id, encoding="utf-8")
    visit = drill_visit(school_id, now, staff_ids=staff, drill_id=drill_id)
    with Store.open(settings.database_url) as store:  # the audit plugin's recorder; the
        return await _run(settings, store, visit, directory, window)  # drill records nothing


async def _run(
    settings: HubSettings, store: Store, visit: Visit, directory: Path, window: float | None
) -> DrillReport:
    school_id = visit.school_id
    drill_id = visit.id.removeprefix("DRILL-")
    hooks = hooks_for_school(settings, school_id, recorder=store)

    def prompt(rung: DrillRung) -> None:
        what = "police prompt, drill only" if rung.police_prompt else rung.name
        via = rung.channel or "no channel (all failed)"
        typer.echo(
            f"DRILL {drill_id} rung {rung.number} ({what}) sent via {via}; acknowledge with: "
            f"doorstep drill ack --school {school_id} --rung {rung.number} --by STAFF_ID"
        )

    await hooks.start()
    try:
        report = await run_drill(
            hooks,
            visit,
            acks=FileAcks(directory),
            clock=lambda: datetime.now(UTC),
            window_s=window,
            on_rung=prompt,
        )
    finally:
        await hooks.aclose()
    (directory / "report.json").write_text(report.model_dump_json(indent=2), encoding="utf-8")
    return report


@app.command("ack")
def ack(
    school: Annotated[str, typer.Option(help="The school being drilled.")],
    rung: Annotated[int, typer.Option(min=1, help="The rung to acknowledge (from 1).")],
    by: Annotated[str, typer.Option(help="Your staff id.")],
    drill_id: Annotated[
        str | None, typer.Option("--drill", help="The drill id (default: the school's latest).")
    ] = None,
) -> None:
    """Acknowledge one rung of a running drill, as a person would acknowledge an escalation."""
    settings = load_settings()
    school_and_pack(settings, school)
    base = drills_dir(settings, school)
    current = base / CURRENT
    if drill_id is None:
        if not current.exists():
            raise UserError(f"school {school} has no drill running")
        drill_id = current.read_text(encoding="utf-8").strip()
    directory = base / drill_id
    if not directory.is_dir():
        raise UserError(f"school {school} has no drill {drill_id}")
    FileAcks(directory).ack(rung, by)
    typer.echo(f"DRILL {drill_id} rung {rung} acknowledged by {by}")
