"""``doorstep serve``: run the durable engine, the API and the web UI until SIGTERM or Ctrl-C."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from typing import Annotated

import typer
import uvicorn

from hub.engine.config import engine_config
from hub.engine.daily import DailyFollowUp
from hub.engine.lifecycle import run_until_signalled
from hub.engine.service import Engine
from hub.errors import UserError
from hub.heap import settle_heap
from hub.hooks.manager import Hooks
from hub.schools import blocked_names, hooks_for_school, school_and_pack
from hub.settings import HubSettings, load_settings
from hub.store import Store
from hub.web.app import create_web_app

GRACEFUL_HTTP_S = 10
"""Requests in flight get this long to finish on SIGTERM before the engine stops."""


def register(app: typer.Typer) -> None:
    """Add ``serve`` to ``app``."""
    app.command()(serve)


def serve(
    no_http: Annotated[
        bool, typer.Option("--no-http", help="Run the engine only: no API and no web UI.")
    ] = False,
) -> None:
    """Run the safety timers, escalations, the overdue sweeper, deliveries, the API and web UI.

    The API and web UI listen on serve_host:serve_port (DOORSTEP_SERVE_HOST,
    DOORSTEP_SERVE_PORT). Runs in the foreground until SIGTERM or Ctrl-C, then stops
    cleanly: timers and deliveries in progress resume at the next start. On SQLite only
    one hub process may run; a second one refuses to start.
    """
    settings = load_settings()
    asyncio.run(_serve(settings, http=not no_http))
    typer.echo("doorstep: stopped")


class _QuietServer(uvicorn.Server):
    """A uvicorn server that leaves SIGTERM/SIGINT to ``run_until_signalled``."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


async def _serve(settings: HubSettings, *, http: bool) -> None:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    with Store.open(settings.database_url) as store:
        for school_id in sorted(settings.schools):
            school, _pack = school_and_pack(settings, school_id)
            store.save_school(school)

        def hooks_for(school_id: str) -> Hooks:
            return hooks_for_school(settings, school_id, recorder=store)

        engine = Engine(engine_config(settings), store=store, hooks_for=hooks_for)
        daily = DailyFollowUp.from_settings(  # before start: recovered daily runs need it
            settings, store=store, hooks_for=hooks_for, enabled=_attendance_on(settings)
        ).install()
        stopping = asyncio.Event()
        server: _QuietServer | None = None
        running: asyncio.Task[None] | None = None

        async def ready() -> None:
            nonlocal server, running
            await daily.schedule()
            if http:
                app = create_web_app(
                    settings=settings, store=store, engine=engine, hooks_for=hooks_for
                )
                server = _QuietServer(
                    uvicorn.Config(
                        app,
                        host=settings.serve_host,
                        port=settings.serve_port,
                        log_config=None,
                        access_log=False,
                        timeout_graceful_shutdown=GRACEFUL_HTTP_S,
                    )
                )
                running = asyncio.create_task(_listen(server), name="doorstep-http")
                running.add_done_callback(lambda _task: stopping.set())
                while not server.started and not running.done():
                    await asyncio.sleep(0.05)
                if not server.started:
                    raise UserError(
                        f"cannot listen on {settings.serve_host}:{settings.serve_port} "
                        "(in use or not allowed); set serve_host/serve_port"
                    )
            settle_heap()  # everything alive now lives as long as the process
            count = len(settings.schools)
            where = (
                f"; API and web UI on http://{settings.serve_host}:{settings.serve_port}"
                if http
                else " (no HTTP)"
            )
            typer.echo(
                f"doorstep: engine running for {count} school{'s' if count != 1 else ''} "
                f"(version {engine.config.application_version}){where}; "
                "Ctrl-C or SIGTERM stops it"
            )

        async def stop_http() -> None:
            if server is not None and running is not None:
                server.should_exit = True
                with contextlib.suppress(Exception):
                    await running

        await run_until_signalled(engine, on_ready=ready, stop=stopping, on_stop=stop_http)
        if server is not None and not server.should_exit:
            raise UserError("the HTTP server stopped unexpectedly; see the log")


def _attendance_on(settings: HubSettings) -> bool:
    """The daily attendance run is off when the attendance plugin is disabled."""
    return "attendance" not in blocked_names(settings)


async def _listen(server: uvicorn.Server) -> None:
    """Serve until asked to stop; uvicorn's ``sys.exit`` on a failed bind becomes a return."""
    with contextlib.suppress(SystemExit):
        await server.serve()
