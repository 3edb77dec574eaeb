"""``doorstep fakes serve``: every adapter's fake outside system on one local server."""

from __future__ import annotations

import tempfile
import threading
from pathlib import Path
from typing import Annotated

import typer

from hub.fakes import serve_fakes
from hub.schools import blocked_names
from hub.settings import load_settings

fakes_app = typer.Typer(
    name="fakes",
    help="Run the fakes of outside systems (for demos and tests).",
    no_args_is_help=True,
)


def register(app: typer.Typer) -> None:
    """Add the ``fakes`` command group to ``app``."""
    app.add_typer(fakes_app, name="fakes")


@fakes_app.command()
def serve(
    port: Annotated[int, typer.Option(help="Port to listen on; 0 picks a free one.")] = 8765,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    folder: Annotated[
        Path | None,
        typer.Option(help="Where file-based fakes (csv exports) write; default a temporary one."),
    ] = None,
) -> None:
    """Serve every installed adapter's fake under /fake/<adapter id> until Ctrl-C.

    Each fake is seeded with generated (Faker en_GB) data; point an adapter's base_url
    at the URL printed for it (and allow 127.0.0.0/8 in its allow_private_cidrs).
    """
    disabled = blocked_names(load_settings())
    with tempfile.TemporaryDirectory(prefix="doorstep-fakes-") as scratch:
        where = folder or Path(scratch)
        with serve_fakes(host, port, folder=where, disabled=disabled) as fakes:
            typer.echo(f"doorstep: fakes on {fakes.url}; Ctrl-C stops them")
            for adapter_id in sorted(fakes.states):
                line = f"  {adapter_id:<18} {fakes.url_for(adapter_id)}"
                if adapter_id in fakes.folders:
                    line += f"  (files in {fakes.folders[adapter_id]})"
                typer.echo(line)
            try:
                threading.Event().wait()
            except KeyboardInterrupt:
                typer.echo("doorstep: fakes stopped")
