"""``doorstep demo``: one whole visit with fake data, on the engine or simulated."""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from hub.demo.board import until_enter, until_stopped
from hub.demo.live import BoardOptions, LiveSummary, run_live_demo
from hub.demo.run import run_demo
from hub.demo.settings import DEMO_FAKES
from hub.errors import UserError
from hub.fakes import serve_fakes
from hub.logging import choose_log_format, configure_logging
from hub.policy import PolicyError, bundled_packs_dir, load_pack
from hub.schools import blocked_names
from hub.settings import load_settings
from hub.store import Store


def register(app: typer.Typer) -> None:
    """Add ``demo`` to ``app``."""
    app.command()(demo)


def demo(
    simulated: Annotated[
        bool,
        typer.Option(
            "--simulated",
            help="Run the old in-process visit on a simulated clock (fast, no engine, no fakes).",
        ),
    ] = False,
    pack: Annotated[
        str | None,
        typer.Option(
            help="With --simulated: a bundled pack id (contrib/policies) or a file "
            "[default: st-michaels]."
        ),
    ] = None,
    database_url: Annotated[
        str | None,
        typer.Option(help="With --simulated: keep the records in this database."),
    ] = None,
    log_level: Annotated[
        str,
        typer.Option(help="Log level for the demo's log lines on stderr (info shows each hook)."),
    ] = "warning",
    port: Annotated[
        int,
        typer.Option(min=0, max=65535, help="Serve the board on this port [default: a free one]."),
    ] = 0,
    exit_at_once: Annotated[
        bool,
        typer.Option(
            "--exit",
            help="Do not wait in a terminal: start the visit at once and stop when it ends.",
        ),
    ] = False,
) -> None:
    """Run one home visit from request to close with fake pupils, staff and systems.

    By default the visit runs on the durable engine in real time, with a short demo
    pack, against fakes of CPOMS, the MIS (csv exports), Outlook, GOV.UK Notify and
    Teams served on 127.0.0.1: an overdue escalation reaches the fake channels, the
    office acknowledges it, the note lands in CPOMS, the agreement in the MIS outbox
    and the calendar event is updated. It takes about 15 seconds.

    The API and web UI are served on 127.0.0.1 throughout; the board's URL and a demo
    login per role are printed first. In a terminal the demo waits for Enter before the
    visit (sign in and open the board first) and serves the board after it until
    Ctrl-C; --exit, or output that is not a terminal, runs straight through and exits.

    --simulated drives its own clock instead (no engine, nothing sent), on any pack.
    """
    configure_logging(choose_log_format("auto"), log_level)
    began = time.monotonic()
    if simulated and (port or exit_at_once):
        raise UserError("--port and --exit apply to the live demo; --simulated serves no board")
    if simulated:
        _simulated(pack or "st-michaels", database_url)
    elif pack is not None or database_url is not None:
        raise UserError(
            "--pack and --database-url apply to --simulated only; "
            "the live demo runs its own short pack in a scratch folder"
        )
    else:
        _live(_board_options(port, interactive=sys.stdout.isatty() and not exit_at_once))
    typer.echo(f"Demo finished in {time.monotonic() - began:.1f} s.")


def _board_options(port: int, *, interactive: bool) -> BoardOptions:
    """Straight through, or (in a terminal) wait for Enter before and Ctrl-C after."""
    if not interactive:
        return BoardOptions(port=port, after_visit=_show)
    return BoardOptions(
        port=port,
        before_visit=_press_enter if sys.stdin.isatty() else None,
        after_visit=_serve_on,
    )


async def _press_enter() -> None:
    typer.echo("Sign in and open the board, then press Enter to start the visit.")
    await until_enter()


async def _show(summary: LiveSummary) -> None:
    typer.echo(summary.describe())


async def _serve_on(summary: LiveSummary) -> None:
    await _show(summary)
    typer.echo(f"The board is still served at {summary.board_url}/web/; press Ctrl-C to stop.")
    await until_stopped()


def _live(board: BoardOptions) -> None:
    with tempfile.TemporaryDirectory(prefix="doorstep-demo-") as scratch:
        folder = Path(scratch)
        with serve_fakes(folder=folder / "fakes", only=DEMO_FAKES) as fakes:
            asyncio.run(run_live_demo(typer.echo, scratch=folder, fakes=fakes, board=board))


def _simulated(pack: str, database_url: str | None) -> None:
    path = Path(pack)
    if not path.suffix:
        path = bundled_packs_dir() / f"{pack}.toml"
    try:
        policy = load_pack(path)
    except PolicyError as exc:
        raise UserError(str(exc)) from None
    with tempfile.TemporaryDirectory(prefix="doorstep-demo-") as scratch:
        url = database_url or f"sqlite:///{Path(scratch) / 'demo.db'}"
        with Store.open(url) as store:
            summary = asyncio.run(
                run_demo(
                    typer.echo,
                    pack=policy,
                    store=store,
                    start=datetime.now(UTC),
                    disabled=blocked_names(load_settings()),
                )
            )
    typer.echo(
        f"Simulated visit {summary.final_state}: {len(summary.escalations)} escalation "
        f"rung(s), acknowledged at rung {summary.acknowledged_rung}."
    )
