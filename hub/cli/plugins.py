"""`doorstep plugins`: placeholder until its module lands; registers nothing yet."""

import typer


def register(app: typer.Typer) -> None:
    """Add this module's commands to ``app``."""
