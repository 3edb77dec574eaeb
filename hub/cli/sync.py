"""``doorstep sync``: pull one school's pupils, contacts and attendance into the store.

Exit codes: 0 synced; 3 held by the mass-change hold (nothing written; run again with
``--confirm``); 1 an adapter error (one line: adapter, method, path template, status).
"""

from __future__ import annotations

import asyncio
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy.engine import make_url

from hub.errors import AdapterError
from hub.settings import load_settings
from hub.store import Store
from hub.sync.progress import progress_for
from hub.sync.runner import DEFAULT_CONCURRENCY, SyncOptions, hold_share_from, sync_school

EXIT_HELD = 3
"""``doorstep sync`` stopped by the mass-change hold."""

SHOWN_REJECTIONS = 20
"""Rejected rows listed one per line; the rest are counted."""


def register(app: typer.Typer) -> None:
    """Add ``sync`` to ``app``."""
    app.command(name="sync")(sync)


def sync(
    school: Annotated[str, typer.Option(help="The school to sync, as [schools.<id>] names it.")],
    full: Annotated[
        bool,
        typer.Option(help="Pull the whole roll, not only changes; the only way to see leavers."),
    ] = False,
    confirm: Annotated[
        bool, typer.Option(help="Apply a sync the mass-change hold stopped.")
    ] = False,
    hold_share: Annotated[
        float | None,
        typer.Option(
            min=0.0,
            max=1.0,
            help="Hold a sync removing or rewriting more than this share of pupils "
            "(default: the sync_hold_share setting, else 0.10).",
        ),
    ] = None,
    concurrency: Annotated[
        int, typer.Option(min=1, max=32, help="Contact and attendance reads at once.")
    ] = DEFAULT_CONCURRENCY,
    pupils_only: Annotated[
        bool, typer.Option(help="Sync the roll only; leave contacts and attendance as they are.")
    ] = False,
) -> None:
    """Sync a school's pupils, contacts and attendance from its MIS into the store.

    After a successful sync only changes are pulled (incremental); --full pulls the
    whole roll and removes pupils who left. A sync that would remove or rewrite more
    than the hold share of the roll stops before writing anything (exit 3).
    """
    settings = load_settings()
    options = SyncOptions(
        full=full,
        confirm=confirm,
        hold_share=hold_share if hold_share is not None else hold_share_from(settings),
        concurrency=concurrency,
        contacts=not pupils_only,
        attendance=not pupils_only,
    )
    _make_sqlite_folder(settings.database_url)
    with Store.open(settings.database_url) as store:
        progress = progress_for(school, sys.stderr)
        try:
            report = asyncio.run(
                sync_school(
                    settings,
                    school,
                    store=store,
                    now=datetime.now(UTC),
                    options=options,
                    progress=progress,
                )
            )
        except AdapterError as exc:
            typer.echo(f"doorstep sync: {school}: {type(exc).__name__}: {exc}", err=True)
            raise typer.Exit(1) from None
    if report.held is not None:
        typer.echo(report.summary(), err=True)
        raise typer.Exit(EXIT_HELD)
    typer.echo(report.summary())
    for rejection in report.rejected[:SHOWN_REJECTIONS]:
        typer.echo(f"  rejected: {rejection}")
    if len(report.rejected) > SHOWN_REJECTIONS:
        typer.echo(f"  ... and {len(report.rejected) - SHOWN_REJECTIONS} more rejected")


def _make_sqlite_folder(url: str) -> None:
    """Create the folder of a SQLite database file (the default lives in ./doorstep-data)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        Path(str(parsed.database)).parent.mkdir(parents=True, exist_ok=True)
