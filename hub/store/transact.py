"""One transaction with the store's error rule: database detail never leaves as an error.

The database's own message can hold row values, so ``StoreError`` is raised outside
the ``except`` block (neither its cause nor its context keeps the original).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from hub.store.errors import StoreError

T = TypeVar("T")


def transaction(sessions: sessionmaker[Session], what: str, work: Callable[[Session], T]) -> T:
    """Run ``work`` in one transaction; a database failure becomes a safe ``StoreError``."""
    try:
        with sessions.begin() as session:
            return work(session)
    except IntegrityError:
        problem = f"the database refused {what}"
    except DBAPIError as exc:
        problem = f"the database failed while {what} ({type(exc.orig).__name__})"
    raise StoreError(problem)
