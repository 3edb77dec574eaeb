"""One workflow step, saved in one transaction: the visit, its records, events and answer.

A step of the visit workflow decides a new visit version, the events it caused and
perhaps a record (a check-in, a doorstep report, an acknowledgement, an outcome, a
risk assessment). ``Store.save_step`` writes all of it, plus the idempotent answer to
the request that asked for it, in one transaction: all or nothing, and one commit
instead of one per row (on SQLite each commit is a turn of the single writer).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import Table, bindparam, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection

from hub.models import (
    Acknowledgement,
    CheckIn,
    DoorstepReport,
    Outcome,
    RiskAssessment,
    Visit,
    VisitEvent,
)
from hub.store import mapping
from hub.store.errors import StaleVisitError, UnknownRecordError
from hub.store.requests import IdempotentAnswer, keep_answer_in
from hub.store.tables import (
    SchoolRow,
    VisitEventRow,
    VisitRow,
)

_SAVED: ContextVar[Mapping[int, tuple[VisitEvent, int]] | None] = ContextVar(
    "doorstep_saved_events", default=None
)
"""Events saved by a step, announced to the observers in this task or thread."""


@dataclass(frozen=True)
class VisitStep:
    """What one workflow step decided about one visit; ``Store.save_step`` saves it whole.

    ``visit`` is saved with optimistic concurrency (``Store.save_visit``'s rules);
    ``events`` are appended in order; the records are upserted by their keys, except an
    acknowledgement, of which the first per person and rung stays.
    """

    visit: Visit
    events: tuple[VisitEvent, ...] = ()
    check_ins: tuple[CheckIn, ...] = ()
    doorstep_reports: tuple[DoorstepReport, ...] = ()
    acknowledgements: tuple[Acknowledgement, ...] = ()
    outcome: Outcome | None = None
    risk_assessment: RiskAssessment | None = None
    answer: IdempotentAnswer | None = None

    def __post_init__(self) -> None:
        for made in self.events:
            if (made.school_id, made.visit_id) != (self.visit.school_id, self.visit.id):
                raise UnknownRecordError("a step's events must belong to the step's visit")


def write_step(connection: Connection, step: VisitStep) -> list[int]:
    """Write ``step`` in ``connection``'s transaction; returns the events' numbers.

    Prepared Core statements, not the ORM's unit of work: this is the check-in's hot
    path, and on SQLite each write waits for the one before it.
    """
    visit = step.visit
    school_id = visit.school_id
    save_visit_in(connection, visit)
    records: list[Any] = [mapping.check_in_row(school_id, c) for c in step.check_ins]
    records += [mapping.doorstep_report_row(school_id, r) for r in step.doorstep_reports]
    if step.outcome is not None:
        records.append(mapping.outcome_row(school_id, visit.id, step.outcome))
    if step.risk_assessment is not None:
        records.append(mapping.risk_assessment_row(school_id, step.risk_assessment))
    acks = [mapping.acknowledgement_row(school_id, ack) for ack in step.acknowledgements]
    for row in (*records, *acks):
        if row.visit_id != visit.id:
            raise UnknownRecordError("a step's records must belong to the step's visit")
    for row in records:
        connection.execute(_upsert(row.__table__, connection.dialect.name), _values(row))
    for row in acks:
        connection.execute(_insert_new(row.__table__, connection.dialect.name), _values(row))
    seqs = append_events_in(connection, visit, step.events)
    if step.answer is not None:
        keep_answer_in(connection, step.answer)
    return seqs


def save_visit_in(connection: Connection, visit: Visit) -> None:
    """Insert ``visit``, or replace the stored one with a newer version (else stale).

    One ``UPDATE ... WHERE version < new`` does the usual case; only when it changes
    nothing is the stored row read (a new visit, a harmless retry, or a stale save).
    """
    values = mapping.visit_values(visit)
    where = {"w_school_id": visit.school_id, "w_id": visit.id, "w_version": visit.version}
    if int(getattr(connection.execute(_VISIT_UPDATE, values | where), "rowcount", 0)) == 1:
        return
    stored = connection.execute(_VISIT_READ, where).first()
    if stored is None:
        school = connection.execute(select(SchoolRow.id).where(SchoolRow.id == visit.school_id))
        if school.first() is None:
            raise UnknownRecordError(f"no school {visit.school_id}: save the school first")
        connection.execute(insert(_VISITS), values)
        return
    if mapping.to_visit(stored) == visit:
        return
    raise StaleVisitError(visit.school_id, visit.id, visit.version, stored.version)


def append_events_in(
    connection: Connection, visit: Visit, events: tuple[VisitEvent, ...]
) -> list[int]:
    """Append ``events`` to the (saved) visit's history, numbered after the last one.

    Each number is worked out inside its INSERT, as ``Store.append_event`` does. On
    PostgreSQL the visit row is locked first so concurrent appenders queue; on SQLite
    the transaction already holds the database's only write lock.
    """
    if not events:
        return []
    where = {"e_school_id": visit.school_id, "e_visit_id": visit.id}
    if connection.dialect.name != "sqlite":
        connection.execute(_VISIT_LOCK, where)
    return [
        int(connection.execute(_EVENT_INSERT, mapping.event_values(made) | where).scalar_one())
        for made in events
    ]


def _values(row: Any) -> dict[str, Any]:
    return {column.key: getattr(row, column.key) for column in row.__table__.columns}


_VISITS: Table = VisitRow.__table__  # type: ignore[assignment]
_EVENTS: Table = VisitEventRow.__table__  # type: ignore[assignment]

_VISIT_UPDATE = update(_VISITS).where(
    _VISITS.c.school_id == bindparam("w_school_id"),
    _VISITS.c.id == bindparam("w_id"),
    _VISITS.c.version < bindparam("w_version"),
)
"""Replace a visit by a newer version; SET takes the columns given at execution."""

_VISIT_READ = select(_VISITS).where(
    _VISITS.c.school_id == bindparam("w_school_id"), _VISITS.c.id == bindparam("w_id")
)

_VISIT_LOCK = (
    select(_VISITS.c.id)
    .where(_VISITS.c.school_id == bindparam("e_school_id"), _VISITS.c.id == bindparam("e_visit_id"))
    .with_for_update()
)

_EVENT_INSERT = (
    insert(_EVENTS)
    .values(
        seq=select(func.coalesce(func.max(_EVENTS.c.seq), 0) + 1)
        .where(
            _EVENTS.c.school_id == bindparam("e_school_id"),
            _EVENTS.c.visit_id == bindparam("e_visit_id"),
        )
        .scalar_subquery()
    )
    .returning(_EVENTS.c.seq)
)
"""Append one event numbered after the visit's last; the other columns at execution."""


@lru_cache(maxsize=32)
def _upsert(table: Table, dialect: str) -> Any:
    """INSERT, or replace the row with the same primary key (``session.merge``'s effect)."""
    statement = _INSERTS[dialect](table)
    keys = [column.key for column in table.primary_key.columns]
    changes = {c.key: statement.excluded[c.key] for c in table.columns if c.key not in keys}
    return statement.on_conflict_do_update(index_elements=keys, set_=changes)


@lru_cache(maxsize=32)
def _insert_new(table: Table, dialect: str) -> Any:
    """INSERT unless a row with the same primary key exists (the first one stays)."""
    return _INSERTS[dialect](table).on_conflict_do_nothing()


_INSERTS: dict[str, Callable[[Table], Any]] = {
    "sqlite": sqlite_insert,
    "postgresql": postgresql_insert,
}
"""The backends the store supports, each with its INSERT ... ON CONFLICT."""


@contextmanager
def recorded(events: Sequence[VisitEvent], seqs: Sequence[int]) -> Iterator[None]:
    """While inside, ``saved_seq`` knows these event objects (by identity) and their numbers."""
    saved = {id(made): (made, seq) for made, seq in zip(events, seqs, strict=True)}
    token = _SAVED.set(saved)
    try:
        yield
    finally:
        _SAVED.reset(token)


def saved_seq(event: VisitEvent) -> int | None:
    """The number of ``event`` if a step saved this very object (inside ``recorded``)."""
    found = (_SAVED.get() or {}).get(id(event))
    return found[1] if found is not None and found[0] is event else None
