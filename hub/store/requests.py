"""What the API remembers about requests: idempotency keys and who read which visit.

- ``begin``/``finish``/``release`` keep the first response to each ``Idempotency-Key``
  of each user, with a hash of the request, so any hub process can replay it. The
  primary key ``(principal, key)`` makes a concurrent duplicate lose its INSERT and
  see the first request still in flight.
- ``record_read`` writes one audit row per read of a visit's record: who, when, with
  which roles, and whether the visit had risk flags. Never what was read.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TypeVar

from sqlalchemy import Engine, Table, delete, insert, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from hub.store.tables import IdempotencyRow, VisitReadRow
from hub.store.transact import Writer, transaction

T = TypeVar("T")

IN_FLIGHT = "in_flight"
DONE = "done"

ABANDONED_AFTER = timedelta(minutes=5)
"""An in-flight key older than this belongs to a process that died; a retry takes it over."""


class KeyState(StrEnum):
    """What ``begin`` found for an idempotency key."""

    NEW = "new"
    """First use: handle the request, then ``finish`` (or ``release`` on failure)."""
    REPLAY = "replay"
    """Same request seen and answered: send the stored response."""
    MISMATCH = "mismatch"
    """The key was used for a different request."""
    IN_FLIGHT = "in_flight"
    """The same key is being handled right now."""


@dataclass(frozen=True)
class KeyFound:
    """``begin``'s answer, with the stored response for a replay."""

    state: KeyState
    status: int | None = None
    body: str | None = None


@dataclass(frozen=True)
class VisitRead:
    """One audited read of a visit's record."""

    school_id: str
    visit_id: str
    user_id: str
    roles: str
    at: datetime
    risk_flags: bool
    risk_detail: bool


@dataclass(frozen=True)
class IdempotentAnswer:
    """The response to keep for one user's ``Idempotency-Key`` (claimed by ``begin``)."""

    principal: str
    key: str
    status: int
    body: str


class RequestStore:
    """Repository of idempotency keys and visit reads."""

    def __init__(self, engine: Engine, *, writer: Writer | None = None) -> None:
        self._engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self._writer = writer or Writer.for_engine(engine)

    def begin(self, principal: str, key: str, request_hash: str, now: datetime) -> KeyFound:
        """Claim ``key`` for this request, or say why it cannot be handled again.

        The claim is one Core INSERT (no ORM unit of work: a keyed check-in pays for it).
        """
        values = {
            "principal": principal,
            "key": key,
            "request_hash": request_hash,
            "status": IN_FLIGHT,
            "created_at": now,
        }
        try:
            with self._writer, self._engine.begin() as connection:
                connection.execute(_CLAIM, values)
            return KeyFound(KeyState.NEW)
        except IntegrityError:
            pass
        row = IdempotencyRow(**values)
        return self._run("reading an idempotency key", lambda s: _found(s, row, now))

    def finish(self, principal: str, key: str, status: int, body: str) -> None:
        """Keep the response to replay it."""

        answer = IdempotentAnswer(principal, key, status, body)
        self._run("saving an idempotent response", lambda s: keep_answer_in(s.connection(), answer))

    def release(self, principal: str, key: str) -> None:
        """Forget an in-flight key whose request failed, so a retry runs it again."""
        statement = delete(IdempotencyRow).where(
            IdempotencyRow.principal == principal,
            IdempotencyRow.key == key,
            IdempotencyRow.status == IN_FLIGHT,
        )
        self._run("releasing an idempotency key", lambda s: s.execute(statement))

    def purge(self, before: datetime) -> int:
        """Delete keys created before ``before``; returns how many."""
        statement = delete(IdempotencyRow).where(IdempotencyRow.created_at < before)
        return self._run(
            "purging idempotency keys", lambda s: int(getattr(s.execute(statement), "rowcount", 0))
        )

    def record_read(self, read: VisitRead) -> None:
        """Audit one read of a visit's record."""
        row = VisitReadRow(
            school_id=read.school_id,
            visit_id=read.visit_id,
            user_id=read.user_id,
            roles=read.roles,
            at=read.at,
            risk_flags=read.risk_flags,
            risk_detail=read.risk_detail,
        )
        self._run("auditing a visit read", lambda s: s.add(row))

    def reads(self, school_id: str, visit_id: str) -> list[VisitRead]:
        """Audited reads of a visit, oldest first."""
        query = (
            select(VisitReadRow)
            .where(VisitReadRow.school_id == school_id, VisitReadRow.visit_id == visit_id)
            .order_by(VisitReadRow.id)
        )
        rows = self._read("reading visit reads", lambda s: list(s.scalars(query)))
        return [
            VisitRead(
                school_id=r.school_id,
                visit_id=r.visit_id,
                user_id=r.user_id,
                roles=r.roles,
                at=r.at,
                risk_flags=r.risk_flags,
                risk_detail=r.risk_detail,
            )
            for r in rows
        ]

    def _run(self, what: str, work: Callable[[Session], T]) -> T:
        return transaction(self._sessions, what, work, writer=self._writer)

    def _read(self, what: str, work: Callable[[Session], T]) -> T:
        return transaction(self._sessions, what, work)


_KEYS: Table = IdempotencyRow.__table__  # type: ignore[assignment]
_CLAIM = insert(_KEYS)
"""Claim a key: the row in flight (the values at execution)."""


def keep_answer_in(connection: Connection, answer: IdempotentAnswer) -> None:
    """Keep the response to a claimed key, in ``connection``'s transaction (a key released
    or purged meanwhile is left alone)."""
    connection.execute(
        update(IdempotencyRow)
        .where(IdempotencyRow.principal == answer.principal, IdempotencyRow.key == answer.key)
        .values(status=DONE, response_status=answer.status, response_body=answer.body)
    )


def _found(session: Session, claim: IdempotencyRow, now: datetime) -> KeyFound:
    row = session.get(IdempotencyRow, (claim.principal, claim.key), with_for_update=True)
    if row is None:  # released meanwhile: claim it now
        session.add(claim)
        return KeyFound(KeyState.NEW)
    if row.request_hash != claim.request_hash:
        return KeyFound(KeyState.MISMATCH)
    if row.status == DONE:
        return KeyFound(KeyState.REPLAY, row.response_status, row.response_body)
    if now - row.created_at > ABANDONED_AFTER:
        row.created_at = now
        return KeyFound(KeyState.NEW)
    return KeyFound(KeyState.IN_FLIGHT)
