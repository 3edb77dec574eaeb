"""`doorstep policy check|explain`: validate policy packs and read them as rules.

``check`` names every bad file with the key and what is wrong, one line each, and
never echoes the bad value; ``explain`` prints a pack as numbered rules for staff.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from hub.policy import PolicyError, load_pack
from hub.policy_explain import explain as explain_pack

policy_app = typer.Typer(
    name="policy",
    help="Check and explain school policy packs.",
    no_args_is_help=True,
)


@policy_app.command()
def check(
    files: Annotated[list[Path], typer.Argument(help="Policy pack files (TOML).")],
) -> None:
    """Validate each pack: 'ok: FILE (id)' or one line naming the file, key and problem."""
    failed = 0
    for file in files:
        try:
            pack = load_pack(file)
        except PolicyError as exc:
            failed += 1
            typer.echo(str(exc), err=True)
        else:
            typer.echo(f"ok: {file} ({pack.id})")
    if failed:
        raise typer.Exit(code=1)


@policy_app.command()
def explain(
    file: Annotated[Path, typer.Argument(help="A policy pack file (TOML).")],
    reveal_code_phrase: Annotated[
        bool,
        typer.Option("--reveal-code-phrase", help="Show the duress code phrase (keep it safe)."),
    ] = False,
) -> None:
    """Print the pack as numbered plain-English rules a member of staff can read."""
    try:
        pack = load_pack(file)
    except PolicyError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(code=1) from None
    typer.echo(explain_pack(pack, reveal_code_phrase=reveal_code_phrase), nl=False)


def register(app: typer.Typer) -> None:
    """Add the ``policy`` command group to ``app``."""
    app.add_typer(policy_app)
