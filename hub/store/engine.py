"""Building the SQLAlchemy engine for a database URL, with the settings the hub relies on."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.pool import StaticPool

SQLITE_BUSY_TIMEOUT_MS = 5_000
"""How long a SQLite writer waits for another writer before giving up."""


def is_sqlite_memory(url: str) -> bool:
    """Whether ``url`` names an in-memory SQLite database (one connection, shared)."""
    parsed = make_url(url)
    return parsed.get_backend_name() == "sqlite" and parsed.database in (None, "", ":memory:")


def build_engine(url: str) -> Engine:
    """An engine for ``url`` that never echoes SQL parameters into errors or logs.

    SQLite gets foreign keys on, WAL journal mode with ``synchronous=NORMAL`` (see
    ``docs/store.md``: survives a crashed process, may lose the last commits on a
    power cut) and a busy timeout on every connection; an in-memory SQLite database
    is held on one shared connection.
    """
    kwargs: dict[str, Any] = {"hide_parameters": True}
    backend = make_url(url).get_backend_name()
    if backend == "sqlite":
        kwargs["connect_args"] = {"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}
        if is_sqlite_memory(url):
            kwargs["poolclass"] = StaticPool
            kwargs["connect_args"]["check_same_thread"] = False
    else:
        kwargs["pool_pre_ping"] = True
    engine = create_engine(url, **kwargs)
    if backend == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
    finally:
        cursor.close()
