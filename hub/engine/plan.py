"""Pure decisions of the engine: what to wake for, who a rung reaches, what the board shows.

Nothing here does I/O or reads a clock; the durable workflows call these inside
steps, so a replay after a crash sees the recorded answers.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from pydantic import Field

from hub.engine.records import Board, BoardState
from hub.hooks.types import Notification
from hub.models import DomainModel, LadderTarget, StaffRole, Visit, VisitState
from hub.policy import PolicyPack, Rung
from hub.workflow import (
    Deadline,
    DeadlineKind,
    OnTheDay,
    all_deadlines,
    escalation_key,
)
from hub.workflow.deadlines import due_among

BACK = frozenset({VisitState.RETURNED, VisitState.CLOSED})
"""States in which the safety timer of a visit has nothing left to do."""

_ROLES_FOR: dict[LadderTarget, tuple[StaffRole, ...]] = {
    LadderTarget.OFFICE: (StaffRole.OFFICE,),
    LadderTarget.PUPIL_HOME: (StaffRole.OFFICE,),
    LadderTarget.SENIOR_LEADER: (StaffRole.DUTY_SENIOR_LEADER,),
    LadderTarget.DSL: (StaffRole.DSL,),
    LadderTarget.POLICE_PROMPT: (StaffRole.DUTY_SENIOR_LEADER,),
}
"""Who is told for each target. The office rings the pupil's home; a person, never the
hub, decides to call the police."""


class Due(DomainModel):
    """One escalation that is due, with its deterministic key."""

    key: str
    deadline: Deadline

    @property
    def workflow_id(self) -> str:
        """The one workflow that runs this escalation, whoever starts it."""
        return f"escalate:{self.key}"


class VisitPlan(DomainModel):
    """What the visit's safety workflow does next, computed at ``now``."""

    now: datetime
    due: tuple[Due, ...] = ()
    wake_at: datetime | None = Field(
        default=None, description="The next moment something falls due; None: nothing."
    )
    finished: bool = Field(default=False, description="Staff are back: the timer ends.")


def plan_visit(visit: Visit, pack: PolicyPack, day: OnTheDay, now: datetime) -> VisitPlan:
    """Every escalation due by ``now`` and when to look again."""
    if visit.state in BACK:
        return VisitPlan(now=now, finished=True)
    deadlines = all_deadlines(visit, pack, day, now)  # once, for what is due and what is next
    due = tuple(
        Due(key=escalation_key(visit, deadline), deadline=deadline)
        for deadline in due_among(deadlines, now)
    )
    later = [d.at for d in deadlines if d.at > now]
    return VisitPlan(now=now, due=due, wake_at=min(later, default=None))


def wake_needed(
    pack: PolicyPack,
    before: tuple[Visit, OnTheDay],
    after: tuple[Visit, OnTheDay],
    now: datetime,
) -> bool:
    """Whether a new record (``before`` → ``after``) must wake the visit's timer now.

    The timer sleeps until the next deadline it last planned, never later than the
    one ``before`` gives (records that moved it later did not wake it). It must wake
    when staff are back, when something is due at once that was not (duress), or when
    the next deadline moves earlier; a deadline moving later needs nothing: the timer
    wakes at the old one, plans again from the store and sleeps on.
    """
    if after[0].state in BACK:
        return before[0].state not in BACK
    old = plan_visit(before[0], pack, before[1], now)
    new = plan_visit(after[0], pack, after[1], now)
    if {d.key for d in new.due} - {d.key for d in old.due}:
        return True
    if new.wake_at is None:
        return False
    return old.wake_at is None or new.wake_at < old.wake_at


def rung_of(pack: PolicyPack, deadline: Deadline) -> Rung:
    """The ladder rung a deadline runs; the exhausted alert uses the last rung's channels."""
    number = deadline.rung if deadline.rung is not None else len(pack.escalation.rungs)
    return pack.rung(number)


def notification_for(
    visit: Visit, deadline: Deadline, channel: str, key: str, *, drill: bool = False
) -> Notification:
    """The message of one escalation on one channel.

    It names the visit by id only. A duress escalation is silent and never reaches
    the visiting staff (ringing them back could put them in danger); the exhausted
    alert goes to the pack's ``exhausted_alerts`` roles.
    """
    duress = deadline.kind is DeadlineKind.DURESS
    roles: set[StaffRole] = set(deadline.alerts)
    staff: tuple[str, ...] = ()
    for target in deadline.reaches:
        if target is LadderTarget.VISITING_STAFF:
            staff = () if duress else visit.staff_ids
        else:
            roles.update(_ROLES_FOR[target])
    if not roles and not staff:
        roles.add(StaffRole.OFFICE)
    prefix = "DRILL: " if drill else ""
    return Notification(
        id=f"{key}:{channel}",
        school_id=visit.school_id,
        visit_id=visit.id,
        channel=channel,
        staff_ids=staff,
        roles=frozenset(roles),
        subject=f"{prefix}Home visit {visit.id}: {_headline(deadline)}",
        body=f"{prefix}{deadline.says} (visit {visit.id}, school {visit.school_id})",
        urgent=True,
        silent=duress,
    )


def _headline(deadline: Deadline) -> str:
    if deadline.kind is DeadlineKind.DURESS:
        return "duress alarm"
    if deadline.kind is DeadlineKind.LADDER_EXHAUSTED:
        return "nobody acknowledged the escalation"
    return f"overdue, escalation step {deadline.rung}"


def board_for(deadline: Deadline) -> Board:
    """What the board shows once an escalation ran."""
    if deadline.kind is DeadlineKind.DURESS:
        return Board.DURESS
    if deadline.kind is DeadlineKind.LADDER_EXHAUSTED:
        return Board.EXHAUSTED
    return Board.ESCALATED


_STICKY: dict[Board, frozenset[Board]] = {
    Board.EXHAUSTED: frozenset({Board.ACKNOWLEDGED, Board.CLEAR}),
    Board.DURESS: frozenset({Board.ACKNOWLEDGED, Board.CLEAR, Board.EXHAUSTED}),
}
"""Loud states only give way to these (an acknowledgement, staff back, or louder)."""


def replaces(current: BoardState | None, new: Board) -> bool:
    """Whether the board moves from ``current`` to ``new`` (exhausted stays loud)."""
    if current is None:
        return True
    allowed = _STICKY.get(current.state)
    return allowed is None or new in allowed


def moves_after(current: BoardState | None, new: Board, since: datetime) -> bool:
    """Whether an escalation that began at ``since`` moves the board to ``new``: as
    ``replaces``, but an acknowledgement or staff being back shown since it began stays
    (the escalation writes the board only once its channels have answered)."""
    if current is not None and current.state in _SETTLED and current.since >= since:
        return False
    return replaces(current, new)


_SETTLED = frozenset({Board.ACKNOWLEDGED, Board.CLEAR})


def channel_attempt_key(key: str, channel: str) -> str:
    """The idempotency key of one escalation's message on one channel: the same on
    every retry, restart and later round, so no channel delivers it twice."""
    return f"escalate:{key}:{channel}"


def pause(schedule: Sequence[float], attempt: int) -> float:
    """The pause after failed ``attempt`` (0-based); the last value repeats."""
    return schedule[min(attempt, len(schedule) - 1)]
