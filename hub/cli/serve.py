"""``doorstep serve``: run the durable engine in the foreground until SIGTERM or Ctrl-C."""

from __future__ import annotations

import asyncio

import typer

from hub.engine.config import engine_config
from hub.engine.lifecycle import run_until_signalled
from hub.engine.service import Engine
from hub.hooks.manager import Hooks
from hub.schools import hooks_for_school, school_and_pack
from hub.settings import HubSettings, load_settings
from hub.store import Store


def register(app: typer.Typer) -> None:
    """Add ``serve`` to ``app``."""
    app.command()(serve)


def serve() -> None:
    """Run the safety timers, escalations, the overdue sweeper and deliveries.

    Runs in the foreground until SIGTERM or Ctrl-C, then stops cleanly: timers and
    deliveries in progress resume at the next start. On SQLite only one hub process
    may run; a second one refuses to start.
    """
    settings = load_settings()
    asyncio.run(_serve(settings))
    typer.echo("doorstep: engine stopped")


async def _serve(settings: HubSettings) -> None:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    with Store.open(settings.database_url) as store:
        for school_id in sorted(settings.schools):
            school, _pack = school_and_pack(settings, school_id)
            store.save_school(school)

        def hooks_for(school_id: str) -> Hooks:
            return hooks_for_school(settings, school_id, recorder=store)

        engine = Engine(engine_config(settings), store=store, hooks_for=hooks_for)

        def ready() -> None:
            count = len(settings.schools)
            typer.echo(
                f"doorstep: engine running for {count} school{'s' if count != 1 else ''} "
                f"(version {engine.config.application_version}); Ctrl-C or SIGTERM stops it"
            )

        await run_until_signalled(engine, on_ready=ready)
