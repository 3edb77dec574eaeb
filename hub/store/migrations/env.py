"""Alembic environment for the store.

Migrations normally run through ``hub.store.migrate``, which hands over an open
connection in ``config.attributes["connection"]``. With the ``alembic`` command line
(``alembic -c hub/store/migrations/alembic.ini``) the URL comes from
``DOORSTEP_DATABASE_URL``. Logging is left to the hub: no ``fileConfig`` here.
"""

from __future__ import annotations

import os

from alembic import context
from sqlalchemy import Connection

from hub.store.engine import build_engine
from hub.store.tables import Base

config = context.config
target_metadata = Base.metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def _url() -> str:
    url = config.get_main_option("sqlalchemy.url") or os.environ.get("DOORSTEP_DATABASE_URL")
    if not url:
        raise SystemExit("set DOORSTEP_DATABASE_URL to the database to migrate")
    return url


def _run_offline() -> None:
    url = _url()
    context.configure(
        url=url,
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=url.startswith("sqlite"),
    )
    with context.begin_transaction():
        context.run_migrations()


def _run_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = build_engine(_url())
    try:
        with engine.begin() as owned:
            _run(owned)
    finally:
        engine.dispose()


if context.is_offline_mode():
    _run_offline()
else:
    _run_online()
