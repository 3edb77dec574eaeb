"""Running the store's Alembic migrations from code.

The Alembic configuration is built here, with ``script_location`` taken from this
package, so migrations run the same from a source tree or an installed wheel and
never depend on the working directory. ``hub/store/migrations/alembic.ini`` exists
only for developers who want the ``alembic`` command line.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine

from hub.store.engine import build_engine

MIGRATIONS = Path(__file__).with_name("migrations")
"""The folder holding ``env.py``, ``script.py.mako`` and ``versions/``."""


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic ``Config`` for the store; ``connection`` is the one migrations run on."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Migrate the database at ``url`` up to ``revision`` (the newest by default)."""
    _on_engine(url, lambda engine: upgrade_engine(engine, revision))


def downgrade(url: str, revision: str = "base") -> None:
    """Migrate the database at ``url`` down to ``revision`` (empty by default)."""

    def run(engine: Engine) -> None:
        with engine.begin() as connection:
            command.downgrade(alembic_config(connection), revision)

    _on_engine(url, run)


def upgrade_engine(engine: Engine, revision: str = "head") -> None:
    """Migrate the database behind ``engine`` up to ``revision`` in one transaction."""
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), revision)


def current_revision(engine: Engine) -> str | None:
    """The revision the database behind ``engine`` is at, or None when never migrated."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str:
    """The newest revision the package ships."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, "the store ships at least one migration"
    return head


def _on_engine(url: str, run: Callable[[Engine], None]) -> None:
    engine = build_engine(url)
    try:
        run(engine)
    finally:
        engine.dispose()
