"""One transaction with the store's error rule, and the one writer of a SQLite database.

The database's own message can hold row values, so ``StoreError`` is raised outside
the ``except`` block (neither its cause nor its context keeps the original).

SQLite lets one transaction write at a time. Threads that all try at once wait in
SQLite's busy handler, which sleeps in growing steps (up to 100 ms) and wakes nobody
when the lock frees, so a burst of writers queues for seconds. ``Writer`` makes the
threads of this process take turns on a lock instead: the next writer starts the
moment the last one commits. On PostgreSQL, which has row locks, it does nothing.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from types import TracebackType
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, Row
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.sql.expression import Executable

from hub.store.errors import StoreError

T = TypeVar("T")


class Writer:
    """Held around every write transaction: one at a time on SQLite, free elsewhere.

    Repositories sharing an engine share its ``Writer`` (``Store.writer``).
    """

    def __init__(self, *, exclusive: bool) -> None:
        self._lock = threading.Lock() if exclusive else None

    @classmethod
    def for_engine(cls, engine: Engine) -> Writer:
        """A new writer for ``engine``: exclusive on SQLite."""
        return cls(exclusive=engine.dialect.name == "sqlite")

    @property
    def exclusive(self) -> bool:
        """Whether writers take turns (SQLite)."""
        return self._lock is not None

    def __enter__(self) -> None:
        if self._lock is not None:
            self._lock.acquire()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._lock is not None:
            self._lock.release()


def read_rows(
    engine: Engine, what: str, statement: Executable, params: Mapping[str, Any]
) -> Sequence[Row[Any]]:
    """Every row ``statement`` reads, on a pooled connection without an ORM session (the
    cheapest read there is, for the API's per-request look-ups)."""
    return read_with(engine, what, lambda connection: connection.execute(statement, params).all())


def read_with(engine: Engine, what: str, work: Callable[[Connection], T]) -> T:
    """Run ``work``, which only reads, in one transaction on a pooled connection without
    an ORM session; a database failure becomes a safe ``StoreError``."""
    try:
        with engine.connect() as connection:
            return work(connection)
    except DBAPIError as exc:
        problem = f"the database failed while {what} ({type(exc.orig).__name__})"
    raise StoreError(problem)


def transaction(
    sessions: sessionmaker[Session],
    what: str,
    work: Callable[[Session], T],
    *,
    writer: Writer | None = None,
) -> T:
    """Run ``work`` in one transaction (as ``writer``'s turn when given); a database
    failure becomes a safe ``StoreError``."""
    try:
        if writer is None:
            with sessions.begin() as session:
                return work(session)
        with writer, sessions.begin() as session:
            return work(session)
    except IntegrityError:
        problem = f"the database refused {what}"
    except DBAPIError as exc:
        problem = f"the database failed while {what} ({type(exc.orig).__name__})"
    raise StoreError(problem)
