"""``doorstep drill --school X`` and ``doorstep drill ack``: rehearse the escalation ladder.

``doorstep drill --school X`` sends a synthetic overdue visit (id ``DRILL-...``, no real
pupil, never stored) through every rung on the school's real channels, every message
marked DRILL, and waits for each rung to be acknowledged: from another terminal,
``doorstep drill ack --school X --rung N --by STAFF``, or with the office board's
"Acknowledge" button (``doorstep serve`` on the same data_dir). It prints how long each
rung took and writes the report as JSON next to the acknowledgements
(``data_dir/drills/SCHOOL/DRILL_ID/``, laid out in ``hub.drills``). The police rung is
a drill prompt only.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from hub.drills import (
    SentRung,
    current_drill,
    drill_folder,
    finish_drill,
    mark_rung_sent,
    start_drill,
    waits_until,
)
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


def register(root: typer.Typer) -> None:
    """Add ``drill`` to ``root``."""
    root.add_typer(app, name="drill")


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
    directory = start_drill(settings.data_dir, school_id, drill_id)
    visit = drill_visit(school_id, now, staff_ids=staff, drill_id=drill_id)
    with Store.open(settings.database_url) as store:  # the audit plugin's recorder; the
        return await _run(settings, store, visit, directory, window)  # drill records nothing


async def _run(
    settings: HubSettings, store: Store, visit: Visit, directory: Path, window: float | None
) -> DrillReport:
    school_id = visit.school_id
    drill_id = visit.id.removeprefix("DRILL-")
    hooks = hooks_for_school(settings, school_id, recorder=store)
    rungs = hooks.pack.escalation.rungs

    def prompt(rung: DrillRung) -> None:
        window_s = window if window is not None else rungs[rung.number - 1].ack_window_minutes * 60
        mark_rung_sent(
            directory,
            SentRung(
                drill_id=drill_id,
                number=rung.number,
                name=rung.name,
                police_prompt=rung.police_prompt,
                sent_at=rung.sent_at,
                waits_until=waits_until(rung.sent_at, window_s),
            ),
        )
        what = "police prompt, drill only" if rung.police_prompt else rung.name
        via = rung.channel or "no channel (all failed)"
        typer.echo(
            f"DRILL {drill_id} rung {rung.number} ({what}) sent via {via}; acknowledge with: "
            f"doorstep drill ack --school {school_id} --rung {rung.number} --by STAFF_ID "
            "(or the board's Acknowledge button)"
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
    finish_drill(directory, report.model_dump_json(indent=2))
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
    if drill_id is None:
        drill_id = current_drill(settings.data_dir, school)
        if drill_id is None:
            raise UserError(f"school {school} has no drill running")
    directory = drill_folder(settings.data_dir, school, drill_id)
    if directory is None:
        raise UserError(f"school {school} has no drill {drill_id}")
    FileAcks(directory).ack(rung, by)
    typer.echo(f"DRILL {drill_id} rung {rung} acknowledged by {by}")
