"""The ``doorstep`` command line.

Each command group lives in its own module with a ``register(app)`` function.
``main()`` turns every expected failure into one line on stderr and a non-zero
exit; a traceback is never shown (it could carry personal data).
"""

from __future__ import annotations

import sys

import typer

from hub import __version__
from hub.cli import (
    config,
    deliveries,
    demo,
    doctor,
    drill,
    evidence,
    fakes,
    letters,
    plugins,
    policy,
    report,
    serve,
    sync,
    users,
)
from hub.errors import ConfigError, DoorstepError, UserError
from hub.hooks.registry import build_registry
from hub.logging import choose_log_format, configure_logging
from hub.schools import blocked_names
from hub.settings import load_settings

SETTINGS_OPTIONAL = frozenset({"doctor", "config", "version", "policy"})
"""Commands that still run when the settings are broken: they diagnose or need none."""

app = typer.Typer(
    name="doorstep",
    help="Doorstep: run school home visits safely, from a school's own policy.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def _root(ctx: typer.Context) -> None:
    """Doorstep: run school home visits safely, from a school's own policy.

    Settings come from the TOML file named by DOORSTEP_CONFIG and from DOORSTEP_*
    environment variables; `doorstep config schema` lists them all.
    """
    try:
        settings = load_settings()
    except ConfigError:
        if ctx.invoked_subcommand not in SETTINGS_OPTIONAL:
            raise
        configure_logging(choose_log_format("auto"), "warning")
        return
    configure_logging(choose_log_format(settings.log_format), settings.log_level)


@app.command()
def version() -> None:
    """Print the Doorstep version."""
    typer.echo(f"doorstep {__version__}")


for _module in (
    policy,
    plugins,
    config,
    demo,
    doctor,
    drill,
    sync,
    serve,
    deliveries,
    users,
    fakes,
    letters,
    report,
    evidence,
):
    _module.register(app)


def mount_plugin_commands(target: typer.Typer) -> list[str]:
    """Add the command groups plugins and adapters register (``doorstep ics ...``).

    A plugin that cannot be loaded costs only its own commands: the rest of the CLI
    (``doctor`` above all) must still run, so the problem is one line on stderr.
    """
    mounted = {info.name for info in target.registered_groups}
    added: list[str] = []
    try:
        settings = load_settings()
    except ConfigError:  # the command itself reports broken settings
        configure_logging(choose_log_format("auto"), "warning")
        disabled: frozenset[str] = frozenset()
    else:
        configure_logging(choose_log_format(settings.log_format), settings.log_level)
        disabled = blocked_names(settings)
    try:
        commands = build_registry(disabled=disabled).commands()
    except DoorstepError as exc:
        typer.echo(f"doorstep: warning: plugin commands not loaded: {exc}", err=True)
        return added
    for name, group in sorted(commands.items()):
        if name not in mounted:
            target.add_typer(group, name=name)
            added.append(name)
    return added


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``doorstep`` console script."""
    mount_plugin_commands(app)
    try:
        app(args=argv, prog_name="doorstep", standalone_mode=True)
    except SystemExit as exc:
        return int(exc.code or 0) if not isinstance(exc.code, str) else 1
    except UserError as exc:
        typer.echo(f"doorstep: error: {exc}", err=True)
        return 2
    except DoorstepError as exc:  # messages are written to be safe to show
        typer.echo(f"doorstep: error: {type(exc).__name__}: {exc}", err=True)
        return 1
    except KeyboardInterrupt:
        typer.echo("doorstep: interrupted", err=True)
        return 130
    except Exception as exc:  # never a traceback: it could carry pupil data
        typer.echo(
            f"doorstep: internal error ({type(exc).__name__}); "
            "run with DOORSTEP_LOG_LEVEL=debug and see the log",
            err=True,
        )
        return 70
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
