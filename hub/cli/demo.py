"""``doorstep demo``: one whole visit on embedded defaults, with fake data."""

from __future__ import annotations

import asyncio
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from hub.demo.run import run_demo
from hub.errors import UserError
from hub.logging import choose_log_format, configure_logging
from hub.policy import PolicyError, bundled_packs_dir, load_pack
from hub.schools import blocked_names
from hub.settings import load_settings
from hub.store import Store


def register(app: typer.Typer) -> None:
    """Add ``demo`` to ``app``."""
    app.command()(demo)


def demo(
    pack: Annotated[
        str,
        typer.Option(help="Bundled policy pack id (see contrib/policies) or a pack file."),
    ] = "st-michaels",
    database_url: Annotated[
        str | None,
        typer.Option(help="Keep the demo's records in this database instead of a temporary one."),
    ] = None,
    log_level: Annotated[
        str,
        typer.Option(help="Log level for the demo's log lines on stderr (info shows each hook)."),
    ] = "warning",
) -> None:
    """Run one home visit from request to return with fake pupils and staff.

    The demo drives its own clock from deadline to deadline, so a visit that an
    office would follow for hours takes seconds. It shows the risk findings, the
    authorisation, every check-in, the deadlines, an overdue escalation and its
    acknowledgement. Nothing is sent to anyone.
    """
    configure_logging(choose_log_format("auto"), log_level)
    path = Path(pack)
    if not path.suffix:
        path = bundled_packs_dir() / f"{pack}.toml"
    try:
        policy = load_pack(path)
    except PolicyError as exc:
        raise UserError(str(exc)) from None
    began = time.monotonic()
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
        f"Demo finished in {time.monotonic() - began:.1f} s: visit {summary.final_state}, "
        f"{len(summary.escalations)} escalation rung(s), "
        f"acknowledged at rung {summary.acknowledged_rung}."
    )
