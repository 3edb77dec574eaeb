"""One workflow step, saved in one transaction: the visit, its records, events and answer.

A step of the visit workflow decides a new visit version, the events it caused and
perhaps a record (a check-in, a doorstep report, an acknowledgement, an outcome, a
risk assessment). ``Store.save_step`` writes all of it, plus the idempotent answer to
the request that asked for it, in one transaction: all or nothing, and one commit
instead of one per row (on SQLite each commit is a turn of the single writer).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

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
    AcknowledgementRow,
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


def write_step(session: Session, step: VisitStep) -> list[int]:
    """Write ``step`` in ``session``'s transaction; returns the events' numbers."""
    visit = step.visit
    school_id = visit.school_id
    save_visit_in(session, visit)
    records: list[object] = [mapping.check_in_row(school_id, c) for c in step.check_ins]
    records += [mapping.doorstep_report_row(school_id, r) for r in step.doorstep_reports]
    if step.outcome is not None:
        records.append(mapping.outcome_row(school_id, visit.id, step.outcome))
    if step.risk_assessment is not None:
        records.append(mapping.risk_assessment_row(school_id, step.risk_assessment))
    for row in records:
        if getattr(row, "visit_id", visit.id) != visit.id:
            raise UnknownRecordError("a step's records must belong to the step's visit")
        session.merge(row)
    for ack in step.acknowledgements:
        row = mapping.acknowledgement_row(school_id, ack)
        key = (row.school_id, row.visit_id, row.rung, row.by)
        if row.visit_id != visit.id:
            raise UnknownRecordError("a step's records must belong to the step's visit")
        if session.get(AcknowledgementRow, key) is None:
            session.add(row)
    seqs = append_events_in(session, visit, step.events)
    if step.answer is not None:
        keep_answer_in(session, step.answer)
    return seqs


def save_visit_in(session: Session, visit: Visit) -> None:
    """Insert ``visit``, or replace the stored one with a newer version (else stale)."""
    values = mapping.visit_values(visit)
    stored = stored_version(session, visit)
    if stored is None:
        if session.get(SchoolRow, visit.school_id) is None:
            raise UnknownRecordError(f"no school {visit.school_id}: save the school first")
        session.add(VisitRow(**values))
        session.flush()
        return
    if visit.version > stored:
        result = session.execute(
            update(VisitRow)
            .where(
                VisitRow.school_id == visit.school_id,
                VisitRow.id == visit.id,
                VisitRow.version == stored,
            )
            .values(**values)
        )
        if int(getattr(result, "rowcount", 0)) == 1:
            return
        stored = stored_version(session, visit) or 0
    same = session.get(VisitRow, (visit.school_id, visit.id))
    if same is not None and mapping.to_visit(same) == visit:
        return
    raise StaleVisitError(visit.school_id, visit.id, visit.version, stored)


def stored_version(session: Session, visit: Visit) -> int | None:
    """The stored version of ``visit``, or None when it is new."""
    return session.scalar(
        select(VisitRow.version).where(
            VisitRow.school_id == visit.school_id, VisitRow.id == visit.id
        )
    )


def append_events_in(session: Session, visit: Visit, events: tuple[VisitEvent, ...]) -> list[int]:
    """Append ``events`` to the (saved) visit's history, numbered after the last one.

    The visit row is locked first on PostgreSQL, as ``Store.append_event`` does, so
    concurrent appenders queue; on SQLite the transaction holds the only write lock.
    """
    if not events:
        return []
    lock = (
        select(VisitRow.id)
        .where(VisitRow.school_id == visit.school_id, VisitRow.id == visit.id)
        .with_for_update()
    )
    if session.scalar(lock) is None:
        raise UnknownRecordError(f"school {visit.school_id} holds no visit {visit.id}")
    last = session.scalar(
        select(func.coalesce(func.max(VisitEventRow.seq), 0)).where(
            VisitEventRow.school_id == visit.school_id, VisitEventRow.visit_id == visit.id
        )
    )
    first = int(last or 0) + 1
    seqs = list(range(first, first + len(events)))
    rows = [mapping.event_values(e) | {"seq": n} for e, n in zip(events, seqs, strict=True)]
    session.execute(insert(VisitEventRow), rows)
    return seqs


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
