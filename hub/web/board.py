"""The office board's lines, worked out from the records: pure, no I/O, ``now`` injected.

One line per visit of the day (planned to start today in the school's timezone, out
now, or with an alarm). The alarm (overdue, duress, exhausted...) comes from the
engine's ``BoardState`` and, before the engine has escalated, from the deadline
calculator. A member of staff on the visit never sees its alarm (duress must look
normal to them).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from hub.api.access import sees_board_alarm
from hub.auth.roles import Membership
from hub.engine.records import Board, BoardState
from hub.models import Pupil, StaffMember, Visit, VisitState
from hub.policy import PolicyPack
from hub.workflow import DeadlineKind, OnTheDay, local_time, next_deadline, rungs_due
from hub.workflow.states import OUT

ALARMS = frozenset({Board.ESCALATED, Board.CHANNELS_FAILING, Board.DURESS, Board.EXHAUSTED})
"""Board states shown in red with an acknowledge button."""

_BACK = frozenset({VisitState.RETURNED, VisitState.CLOSED})
_NOT_GOING = frozenset({VisitState.REJECTED, VisitState.WITHDRAWN})


@dataclass(frozen=True)
class BoardLine:
    """One visit on the board, as the office sees it."""

    visit_id: str
    state: VisitState
    staff: tuple[str, ...]
    place: str
    planned_start: datetime
    planned_end: datetime
    next_deadline: datetime | None
    next_deadline_kind: str
    alarm: Board | None
    rung: int | None
    rung_name: str
    overdue: bool
    duress: bool = False

    @property
    def alarm_label(self) -> str:
        """What the red badge says: the engine's board state, else duress or overdue.

        A duress alarm stays named until someone acknowledges it, even once the ladder
        has climbed further or run out: the office must never lose sight of it.
        """
        state = self.alarm.value.replace("_", " ") if self.alarm is not None else None
        if self.duress and self.alarm is not Board.ACKNOWLEDGED:
            return "duress" if state in (None, "duress") else f"duress, {state}"
        return state or "overdue"

    @property
    def red(self) -> bool:
        """Shown in red: overdue, duress, failing channels or an exhausted ladder."""
        return self.overdue or self.alarm in ALARMS

    @property
    def loud(self) -> bool:
        """Sounds the board's alarm."""
        return self.red and self.alarm is not Board.ACKNOWLEDGED

    @property
    def out(self) -> bool:
        """Staff are away from school."""
        return self.state in OUT


@dataclass(frozen=True)
class BoardInput:
    """Everything the board needs, read from the store for one school."""

    visits: list[Visit]
    boards: Mapping[str, BoardState]
    days: Mapping[str, OnTheDay]
    staff: Mapping[str, StaffMember]
    pupils: Mapping[str, Pupil]


def on_the_board(visit: Visit, board: BoardState | None, pack: PolicyPack, now: datetime) -> bool:
    """Whether a visit belongs on today's board."""
    if visit.state in _NOT_GOING:
        return False
    if visit.state in OUT or (board is not None and board.state in ALARMS):
        return True
    return local_time(visit.planned_start, pack).date() == local_time(now, pack).date()


def board_lines(
    found: BoardInput, pack: PolicyPack, membership: Membership, now: datetime
) -> list[BoardLine]:
    """The board's lines, loudest first, then by planned start."""
    lines = [
        _line(visit, found, pack, membership, now)
        for visit in found.visits
        if on_the_board(visit, found.boards.get(visit.id), pack, now)
    ]
    return sorted(lines, key=lambda line: (not line.red, not line.out, line.planned_start))


def _line(
    visit: Visit, found: BoardInput, pack: PolicyPack, membership: Membership, now: datetime
) -> BoardLine:
    day = found.days.get(visit.id, OnTheDay())
    shows_alarm = sees_board_alarm(membership, visit)
    board = found.boards.get(visit.id) if shows_alarm else None
    due = rungs_due(visit, pack, day, now) if shows_alarm and visit.state not in _BACK else ()
    deadline = next_deadline(visit, pack, day, now) if visit.state not in _BACK else None
    if deadline is not None and not shows_alarm and deadline.kind is DeadlineKind.DURESS:
        deadline = None
    due_rung = max((d.rung for d in due if d.rung is not None), default=None)
    rung = board.rung if board is not None and board.state is not Board.CLEAR else None
    if rung is None:
        rung = due_rung
    pupil = found.pupils.get(visit.pupil_id)
    return BoardLine(
        visit_id=visit.id,
        state=visit.state,
        staff=tuple(_name(found.staff, staff_id) for staff_id in visit.staff_ids),
        place=pupil.address.town if pupil and pupil.address else "",
        planned_start=visit.planned_start,
        planned_end=visit.planned_end,
        next_deadline=deadline.at if deadline else None,
        next_deadline_kind=deadline.kind.value.replace("_", " ") if deadline else "",
        alarm=board.state if board is not None and board.state is not Board.CLEAR else None,
        rung=rung,
        rung_name=_rung_name(pack, rung),
        overdue=_unacknowledged(due_rung, day, board),
        duress=any(d.kind is DeadlineKind.DURESS for d in due),
    )


def _unacknowledged(rung: int | None, day: OnTheDay, board: BoardState | None) -> bool:
    if rung is None or (board is not None and board.state is Board.ACKNOWLEDGED):
        return False
    return not any(ack.rung >= rung for ack in day.acknowledgements)


def _name(staff: Mapping[str, StaffMember], staff_id: str) -> str:
    member = staff.get(staff_id)
    return member.name if member else staff_id


def _rung_name(pack: PolicyPack, rung: int | None) -> str:
    rungs = pack.escalation.rungs
    if rung is None or not 1 <= rung <= len(rungs):
        return ""
    return rungs[rung - 1].name.replace("-", " ")


def counts_by_state(lines: list[BoardLine]) -> dict[str, int]:
    """How many visits are in each state, for the board's summary."""
    counts: dict[str, int] = {}
    for line in lines:
        counts[line.state.value] = counts.get(line.state.value, 0) + 1
    return counts
