"""The durable engine's hot path: reading visits with their records, saving an escalation.

When a thousand visits fall due together every escalation reads its visit and what
was recorded about it, and then writes the board and the ESCALATED event. Here those
are prepared Core statements on one connection: one read transaction for a visit (or
for every visit of a school that is out) and one write transaction for an escalation.

A check-in or an acknowledgement reads only what the deadline calculator looks at
(``read_planning_records``), not every check-in of the day: staff check in every few
minutes, so a long visit gathers dozens.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Table, bindparam, or_, select
from sqlalchemy.engine import Connection

from hub.engine.records import BoardState
from hub.models import (
    Acknowledgement,
    CheckIn,
    CheckInKind,
    DoorstepReport,
    Visit,
    VisitEvent,
    VisitEventKind,
)
from hub.store import mapping
from hub.store.steps import append_events_in
from hub.store.tables import (
    AcknowledgementRow,
    BoardStateRow,
    CheckInRow,
    DoorstepReportRow,
    VisitEventRow,
    VisitRow,
)

KeepBoard = Callable[[BoardState | None], bool]
"""Whether the board moves from the state it shows now (None: nothing yet)."""


@dataclass(frozen=True)
class VisitRecords:
    """A visit and everything recorded about it while staff are out, oldest first."""

    visit: Visit
    check_ins: tuple[CheckIn, ...] = ()
    reports: tuple[DoorstepReport, ...] = ()
    acknowledgements: tuple[Acknowledgement, ...] = ()
    escalated: frozenset[str] = frozenset()
    """Keys of the escalations recorded (an ESCALATED event each)."""


@dataclass(frozen=True)
class PlanningRecords:
    """A visit and the records of it the deadline calculator reads at one moment,
    oldest first: its plan from these is the plan from all of them (``read_planning_records``)."""

    visit: Visit
    check_ins: tuple[CheckIn, ...] = ()
    reports: tuple[DoorstepReport, ...] = ()
    acknowledgements: tuple[Acknowledgement, ...] = ()


def _table(row_class: type[object]) -> Table:
    table: Table = row_class.__table__  # type: ignore[attr-defined]
    return table


_VISITS = _table(VisitRow)
_CHECK_INS = _table(CheckInRow)
_ACKS = _table(AcknowledgementRow)
_REPORTS = _table(DoorstepReportRow)
_EVENTS = _table(VisitEventRow)
_BOARD = _table(BoardStateRow)

_RECORDS: tuple[tuple[Table, tuple[Any, ...]], ...] = (
    (_CHECK_INS, (_CHECK_INS.c.at, _CHECK_INS.c.id)),
    (_REPORTS, (_REPORTS.c.at,)),
    (_ACKS, (_ACKS.c.at, _ACKS.c.rung)),
)
"""The records of a visit the engine plans with, each in its order (as the ``Store``'s)."""


def _of_visit(table: Table) -> Any:
    return table.c.school_id == bindparam("school_id"), table.c.visit_id == bindparam("visit_id")


_VISIT = select(_VISITS).where(
    _VISITS.c.school_id == bindparam("school_id"), _VISITS.c.id == bindparam("visit_id")
)
_RECORDS_OF_VISIT = tuple(
    select(table).where(*_of_visit(table)).order_by(*order) for table, order in _RECORDS
)
LATEST_CHECK_INS = 2
"""Latest check-ins read for planning: the last one and the one before, which becomes
the last when a check-in is saved again under its id with an earlier time."""

_LATEST = (
    select(_CHECK_INS.c.id)
    .where(*_of_visit(_CHECK_INS), _CHECK_INS.c.at <= bindparam("now"))
    .order_by(_CHECK_INS.c.at.desc(), _CHECK_INS.c.id.desc())
    .limit(LATEST_CHECK_INS)
)
_PLANNED_CHECK_INS = (
    select(_CHECK_INS)
    .where(
        *_of_visit(_CHECK_INS),
        or_(
            _CHECK_INS.c.duress.is_(True),
            _CHECK_INS.c.kind.in_([CheckInKind.LEFT.value, CheckInKind.RETURNED.value]),
            _CHECK_INS.c.id.in_(_LATEST.scalar_subquery()),
        ),
    )
    .order_by(_CHECK_INS.c.at, _CHECK_INS.c.id)
)
"""The check-ins the deadline calculator reads: the latest made by ``now`` (when the
next one is due), every duress one (each escalates), every ``left`` and ``returned``
one (staff back; a doorstep wait over). Any other is never looked at."""

_OUT = (
    _VISITS.c.school_id == bindparam("school_id"),
    _VISITS.c.state.in_(bindparam("states", expanding=True)),
)
_VISITS_OUT = select(_VISITS).where(*_OUT).order_by(_VISITS.c.planned_start, _VISITS.c.id)
_RECORDS_OUT = tuple(
    select(table)
    .where(
        table.c.school_id == bindparam("school_id"),
        table.c.visit_id.in_(select(_VISITS.c.id).where(*_OUT)),
    )
    .order_by(*order)
    for table, order in _RECORDS
)
_BOARD_OF_VISIT = select(_BOARD).where(*_of_visit(_BOARD))
_ESCALATION_DATA = select(_EVENTS.c.data).where(
    *_of_visit(_EVENTS), _EVENTS.c.kind == VisitEventKind.ESCALATED.value
)
_ESCALATIONS_OUT = select(_EVENTS.c.visit_id, _EVENTS.c.data).where(
    _EVENTS.c.school_id == bindparam("school_id"),
    _EVENTS.c.kind == VisitEventKind.ESCALATED.value,
    _EVENTS.c.visit_id.in_(select(_VISITS.c.id).where(*_OUT)),
)


def _key_of(data: Any) -> str | None:
    key = data.get("key") if isinstance(data, dict) else None
    return key if isinstance(key, str) else None


def read_visit_records(
    connection: Connection, school_id: str, visit_id: str
) -> VisitRecords | None:
    """The visit with its check-ins, doorstep reports and acknowledgements, or None."""
    where = {"school_id": school_id, "visit_id": visit_id}
    row = connection.execute(_VISIT, where).first()
    if row is None:
        return None
    found = [connection.execute(query, where).all() for query in _RECORDS_OF_VISIT]
    keys = {_key_of(data) for (data,) in connection.execute(_ESCALATION_DATA, where)}
    return _records(row, *found, escalated=frozenset(k for k in keys if k))


def read_planning_records(
    connection: Connection, school_id: str, visit_id: str, now: datetime
) -> PlanningRecords | None:
    """The visit with the records ``hub.workflow.all_deadlines`` reads at ``now`` (every
    doorstep report and acknowledgement; the check-ins of ``_PLANNED_CHECK_INS``), or
    None. Planning from these at ``now`` gives what planning from every record gives,
    also with one more check-in made by ``now`` added (or saved again under its id)."""
    where = {"school_id": school_id, "visit_id": visit_id}
    row = connection.execute(_VISIT, where).first()
    if row is None:
        return None
    check_ins = connection.execute(_PLANNED_CHECK_INS, where | {"now": now}).all()
    reports, acks = (connection.execute(query, where).all() for query in _RECORDS_OF_VISIT[1:])
    found = _records(row, check_ins, reports, acks)
    return PlanningRecords(found.visit, found.check_ins, found.reports, found.acknowledgements)


def read_school_records(
    connection: Connection, school_id: str, states: Iterable[str]
) -> list[VisitRecords]:
    """Every visit of the school in ``states`` (by planned start) with its records:
    five statements for the whole school, not four per visit."""
    where = {"school_id": school_id, "states": list(states)}
    visits = connection.execute(_VISITS_OUT, where).all()
    if not visits:
        return []
    by_table: list[dict[str, list[Any]]] = []
    for query in _RECORDS_OUT:
        grouped: dict[str, list[Any]] = {}
        for row in connection.execute(query, where):
            grouped.setdefault(row.visit_id, []).append(row)
        by_table.append(grouped)
    escalated: dict[str, set[str]] = {}
    for visit_id, data in connection.execute(_ESCALATIONS_OUT, where):
        if (key := _key_of(data)) is not None:
            escalated.setdefault(visit_id, set()).add(key)
    return [
        _records(
            row,
            *(grouped.get(row.id, []) for grouped in by_table),
            escalated=frozenset(escalated.get(row.id, ())),
        )
        for row in visits
    ]


def _records(
    visit: Any,
    check_ins: Sequence[Any],
    reports: Sequence[Any],
    acks: Sequence[Any],
    *,
    escalated: frozenset[str] = frozenset(),
) -> VisitRecords:
    return VisitRecords(
        visit=mapping.to_visit(visit),
        check_ins=tuple(mapping.to_check_in(row) for row in check_ins),
        reports=tuple(mapping.to_doorstep_report(row) for row in reports),
        acknowledgements=tuple(mapping.to_acknowledgement(row) for row in acks),
        escalated=escalated,
    )


def save_escalation_in(
    connection: Connection,
    visit: Visit,
    key: str,
    events: tuple[VisitEvent, ...],
    board: BoardState,
    keep: KeepBoard,
) -> list[int] | None:
    """Record one escalation in ``connection``'s transaction: the board (when ``keep``
    lets it move from what it shows) and ``events``, unless an ESCALATED event with
    ``key`` is recorded already (a later round: None, only the board may move).
    Returns the events' numbers."""
    where = {"school_id": visit.school_id, "visit_id": visit.id}
    current = connection.execute(_BOARD_OF_VISIT, where).first()
    shown = BoardState.model_validate(dict(current._mapping)) if current is not None else None
    if keep(shown) and not (
        shown is not None and shown.state is board.state and shown.rung == board.rung
    ):
        values = board.model_dump(mode="python") | {"state": board.state.value}
        if current is None:
            connection.execute(_BOARD.insert(), values)
        else:
            mine = (_BOARD.c.school_id == visit.school_id, _BOARD.c.visit_id == visit.id)
            connection.execute(_BOARD.update().where(*mine).values(values))
    for (data,) in connection.execute(_ESCALATION_DATA, where):
        if _key_of(data) == key:
            return None
    return append_events_in(connection, visit, events)
