"""The deadline calculator: when the next thing must happen on a visit, and what it is.

Everything is computed in UTC from the visit, its check-ins, doorstep reports and
acknowledgements, the school's pack and ``now``; nothing is stored and no clock is
read. The durable engine calls ``rungs_due`` (run everything due, idempotently) and
then sleeps until ``next_deadline``.

The rules, in the order they are applied:

- **Duress.** A check-in with ``duress=True`` escalates at once, at the moment of the
  check-in, to rung ``pack.duress.rung``; unless a person acknowledges that rung or a
  later one, the following rungs run after each rung's acknowledgement window. While
  a duress escalation is unacknowledged it replaces the overdue timer.
- **Check-in due.** After the last check-in at ``t`` the next sign of life is due at
  the earlier of the planned end (while ``t`` is before it) and ``t`` plus the pack's
  interval. A check-in after the planned end with no interval makes ``t`` itself the
  due time, so staff get one grace period from their late check-in.
- **Overdue ladder.** Rung 1 runs ``pack.overdue.grace_minutes`` after the due time;
  rung N+1 runs when rung N's ``ack_window_minutes`` passes with no acknowledgement.
  The first acknowledgement stops the ladder until the next check-in, which starts
  the timer again from rung 1. When the last rung's window passes unacknowledged,
  ``pack.escalation.exhausted_alerts`` are alerted.
- **Parent absent.** ``pack.doorstep.parent_absent_wait_minutes`` after a
  ``parent_absent`` report the wait is over: leave, record no access.
- **Parent late.** ``pack.doorstep.late_arrival_cancel_minutes`` after the arranged
  time (the planned start), when a ``parent_late`` report came: cancel.

Doorstep waits end when a later report, a ``left``/``returned`` check-in or the
outcome arrives. Nothing is pending before departure or once staff are back.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TypeVar

from pydantic import Field

from hub.models import (
    Acknowledgement,
    CheckIn,
    CheckInKind,
    DomainModel,
    DoorstepReport,
    LadderTarget,
    StaffRole,
    UtcDateTime,
    Visit,
    VisitState,
)
from hub.policy import PolicyPack
from hub.workflow.states import AT_THE_DOOR, OUT

_Record = TypeVar("_Record", CheckIn, DoorstepReport, Acknowledgement)

_BACK = frozenset({VisitState.RETURNED, VisitState.CLOSED})
_NEVER_OUT = frozenset({VisitState.REJECTED, VisitState.WITHDRAWN})


class DeadlineKind(StrEnum):
    """What happens when a deadline arrives."""

    CHECK_IN_DUE = "check_in_due"
    """The interval check-in is due; remind staff."""
    RETURN_DUE = "return_due"
    """The planned end of the visit: staff should be back or have checked in."""
    OVERDUE = "overdue"
    """No check-in within the grace period: run ladder rung ``rung``."""
    DURESS = "duress"
    """A duress check-in: run ladder rung ``rung`` now, silently."""
    LADDER_EXHAUSTED = "ladder_exhausted"
    """Nobody acknowledged the last rung: alert the roles in ``alerts``."""
    PARENT_ABSENT_WAIT = "parent_absent_wait"
    """The wait for an absent parent is over: leave and record no access."""
    LATE_ARRIVAL_LIMIT = "late_arrival_limit"
    """A late parent is now too late: cancel the visit."""


ESCALATIONS = frozenset({DeadlineKind.OVERDUE, DeadlineKind.DURESS, DeadlineKind.LADDER_EXHAUSTED})


class Deadline(DomainModel):
    """One moment at which something must happen, and what it is."""

    at: UtcDateTime
    kind: DeadlineKind
    says: str = Field(description="What the person reached must do, in plain words.")
    rung: int | None = Field(default=None, ge=1, description="Ladder rung, counted from 1.")
    reaches: tuple[LadderTarget, ...] = ()
    alerts: tuple[StaffRole, ...] = Field(
        default=(), description="Roles alerted when the ladder is exhausted."
    )
    started_at: UtcDateTime = Field(
        description="When this situation began (due time or duress check-in); with kind "
        "and rung it makes an idempotency key."
    )


def _ladder(
    pack: PolicyPack,
    kind: DeadlineKind,
    start: datetime,
    first_rung: int,
    stop: datetime | None,
) -> list[Deadline]:
    """Rungs ``first_rung``.. from ``start``, then the exhausted alert.

    The first rung always runs; each later one only if no acknowledgement came by
    the end of the previous rung's window (``stop`` is the first acknowledgement).
    """
    out: list[Deadline] = []
    at = start
    for number in range(first_rung, len(pack.escalation.rungs) + 1):
        if number > first_rung and stop is not None and stop <= at:
            return out
        rung = pack.rung(number)
        says = f"Duress: {rung.says}" if kind is DeadlineKind.DURESS else rung.says
        out.append(
            Deadline(
                at=at,
                kind=kind,
                says=says,
                rung=number,
                reaches=tuple(rung.reaches),
                started_at=start,
            )
        )
        at += timedelta(minutes=rung.ack_window_minutes)
    if stop is None or stop > at:
        alerts = tuple(pack.escalation.exhausted_alerts)
        out.append(
            Deadline(
                at=at,
                kind=DeadlineKind.LADDER_EXHAUSTED,
                says="Nobody acknowledged the last rung of the escalation; take charge now.",
                alerts=alerts,
                started_at=start,
            )
        )
    return out


def _first_ack(
    acknowledgements: Iterable[Acknowledgement], since: datetime, min_rung: int = 1
) -> datetime | None:
    times = [ack.at for ack in acknowledgements if ack.at >= since and ack.rung >= min_rung]
    return min(times, default=None)


def _duress_deadlines(
    pack: PolicyPack, check_ins: Sequence[CheckIn], acks: Sequence[Acknowledgement]
) -> tuple[list[Deadline], bool]:
    """Every duress check-in's escalation, and whether any is still unacknowledged."""
    rung = pack.rung_number(pack.duress.rung)
    deadlines: list[Deadline] = []
    active = False
    for check_in in check_ins:
        if not check_in.duress:
            continue
        stop = _first_ack(acks, check_in.at, min_rung=rung)
        active = active or stop is None
        deadlines += _ladder(pack, DeadlineKind.DURESS, check_in.at, rung, stop)
    return deadlines, active


def due_time(visit: Visit, last_check_in: datetime | None, pack: PolicyPack) -> Deadline:
    """When the next check-in is due after ``last_check_in`` (None: none yet)."""
    interval = pack.check_ins.interval_minutes
    end = visit.planned_end
    by_interval = (
        last_check_in + timedelta(minutes=interval)
        if interval is not None and last_check_in is not None
        else None
    )
    before_end = last_check_in is None or last_check_in < end
    if before_end and (by_interval is None or end <= by_interval):
        return Deadline(
            at=end,
            kind=DeadlineKind.RETURN_DUE,
            says="The visit was planned to end now: staff check in or come back.",
            started_at=end,
        )
    if by_interval is not None:
        return Deadline(
            at=by_interval,
            kind=DeadlineKind.CHECK_IN_DUE,
            says=f"Staff check in every {interval} minutes while out: a check-in is due.",
            started_at=by_interval,
        )
    assert last_check_in is not None
    return Deadline(
        at=last_check_in,
        kind=DeadlineKind.RETURN_DUE,
        says="Staff checked in after the planned end: the grace period runs from now.",
        started_at=last_check_in,
    )


def _overdue_deadlines(
    visit: Visit, pack: PolicyPack, check_ins: Sequence[CheckIn], acks: Sequence[Acknowledgement]
) -> list[Deadline]:
    last = check_ins[-1].at if check_ins else None
    due = due_time(visit, last, pack)
    start = due.at + timedelta(minutes=pack.overdue.grace_minutes)
    stop = _first_ack(acks, start)
    return [due, *_ladder(pack, DeadlineKind.OVERDUE, start, 1, stop)]


def _doorstep_deadlines(
    visit: Visit, pack: PolicyPack, check_ins: Sequence[CheckIn], reports: Sequence[DoorstepReport]
) -> list[Deadline]:
    if visit.state not in AT_THE_DOOR or not reports:
        return []
    report = reports[-1]
    gone = any(
        c.kind in (CheckInKind.LEFT, CheckInKind.RETURNED) and c.at >= report.at for c in check_ins
    )
    if gone:
        return []
    if report.kind == "parent_absent":
        wait = pack.doorstep.parent_absent_wait_minutes
        at = report.at + timedelta(minutes=wait)
        return [
            Deadline(
                at=at,
                kind=DeadlineKind.PARENT_ABSENT_WAIT,
                says=f"The {wait}-minute wait for the parent is over: leave and record no access.",
                started_at=report.at,
            )
        ]
    limit = pack.doorstep.late_arrival_cancel_minutes
    if report.kind == "parent_late" and limit is not None:
        return [
            Deadline(
                at=visit.planned_start + timedelta(minutes=limit),
                kind=DeadlineKind.LATE_ARRIVAL_LIMIT,
                says=f"The parent is over {limit} minutes late: cancel the visit.",
                started_at=report.at,
            )
        ]
    return []


def _sorted_before(items: Iterable[_Record], visit: Visit, now: datetime) -> list[_Record]:
    return sorted((i for i in items if i.visit_id == visit.id and i.at <= now), key=lambda i: i.at)


class OnTheDay(DomainModel):
    """What has been recorded while staff are out: the calculator's input besides the visit."""

    check_ins: tuple[CheckIn, ...] = ()
    reports: tuple[DoorstepReport, ...] = ()
    acknowledgements: tuple[Acknowledgement, ...] = ()


def all_deadlines(visit: Visit, pack: PolicyPack, day: OnTheDay, now: datetime) -> list[Deadline]:
    """Every deadline of the visit's current situation, past and future, in time order.

    Only records of this visit made by ``now`` count.
    """
    ins = _sorted_before(day.check_ins, visit, now)
    acks = _sorted_before(day.acknowledgements, visit, now)
    found, duress_active = _duress_deadlines(pack, ins, acks)
    departed = visit.state in OUT or visit.state in _BACK or bool(ins)
    back = visit.state in _BACK or any(c.kind is CheckInKind.RETURNED for c in ins)
    if departed and not back and visit.state not in _NEVER_OUT:
        if not duress_active:
            found += _overdue_deadlines(visit, pack, ins, acks)
        found += _doorstep_deadlines(visit, pack, ins, _sorted_before(day.reports, visit, now))
    return sorted(found, key=lambda d: (d.at, d.kind is not DeadlineKind.DURESS))


def next_deadline(visit: Visit, pack: PolicyPack, day: OnTheDay, now: datetime) -> Deadline | None:
    """The next deadline at or after ``now``, or None when nothing is pending.

    A deadline exactly at ``now`` is returned, so a duress check-in recorded now
    yields its escalation at once; anything earlier is in ``rungs_due``.
    """
    return next((d for d in all_deadlines(visit, pack, day, now) if d.at >= now), None)


def rungs_due(visit: Visit, pack: PolicyPack, day: OnTheDay, now: datetime) -> tuple[Deadline, ...]:
    """Every escalation that is due by ``now``, in time order, so none can be skipped.

    The overdue ladder's rungs always come as 1..k; a duress escalation's as
    duress rung..k. The engine runs each once, keyed by ``(kind, started_at, rung)``.
    """
    return due_among(all_deadlines(visit, pack, day, now), now)


def due_among(deadlines: Sequence[Deadline], now: datetime) -> tuple[Deadline, ...]:
    """The escalations among ``deadlines`` (from ``all_deadlines``) due by ``now``: for a
    caller that needs the later deadlines too and computes them once."""
    return tuple(d for d in deadlines if d.kind in ESCALATIONS and d.at <= now)
