"""On the day and after: check-ins, the doorstep, the outcome, escalations, closing.

A check-in is never refused once the visit is scheduled: the safety timers depend on
it. A check-in that skips a step (an arrival with no departure) moves the visit
through the missing state and says so in the events.
"""

from __future__ import annotations

from datetime import datetime

from hub.models import (
    Acknowledgement,
    CheckIn,
    CheckInKind,
    DoorstepReport,
    Outcome,
    OutcomeKind,
    StaffMember,
    Visit,
    VisitEvent,
    VisitEventKind,
    VisitNote,
    VisitState,
)
from hub.models.visit import EventValue
from hub.policy import PolicyPack
from hub.workflow.guards import WRITTEN_REASON_OUTCOMES, outcome_problems
from hub.workflow.planning import same_school_problem
from hub.workflow.states import AT_THE_DOOR, OUT
from hub.workflow.transitions import (
    Transition,
    changed,
    event,
    move_reason,
    refuse_if,
    step,
)

S = VisitState
K = VisitEventKind

_CHECK_IN_MOVES: dict[CheckInKind, VisitState] = {
    CheckInKind.DEPARTED: S.DEPARTED,
    CheckInKind.ARRIVED: S.ON_SITE,
    CheckInKind.RETURNED: S.RETURNED,
}
"""The state a check-in moves the visit to, when it is not already there or beyond."""

_OUTCOME_STATES: dict[OutcomeKind, VisitState] = {
    OutcomeKind.COMPLETED: S.COMPLETED,
    OutcomeKind.NO_ACCESS: S.NO_ACCESS,
    OutcomeKind.PARENT_ABSENT: S.NO_ACCESS,
    OutcomeKind.PARENT_LATE: S.CANCELLED,
    OutcomeKind.UNSAFE: S.CANCELLED,
    OutcomeKind.ANIMALS: S.CANCELLED,
    OutcomeKind.WITHDRAWN: S.CANCELLED,
}
"""The state each outcome moves an on-site visit to."""

_NO_ACCESS = frozenset({OutcomeKind.NO_ACCESS, OutcomeKind.PARENT_ABSENT})


def _not_future(at: datetime, now: datetime, what: str) -> str | None:
    return None if at <= now else f"the {what} is later than now"


def _check_in_target(visit: Visit, kind: CheckInKind) -> VisitState:
    """Where a check-in of ``kind`` leaves the visit."""
    target = _CHECK_IN_MOVES.get(kind)
    if target is S.RETURNED and visit.state in OUT:
        return S.RETURNED
    if target is S.ON_SITE and visit.state in (S.SCHEDULED, S.DEPARTED):
        return S.ON_SITE
    if visit.state is S.SCHEDULED:
        return S.DEPARTED
    return visit.state


def record_check_in(visit: Visit, check_in: CheckIn, now: datetime) -> Transition:
    """Staff said where they are. ``departed`` → departed, ``arrived`` → on site,
    ``returned`` → returned; ``interval`` and ``left`` only feed the safety timer.

    Any check-in on a scheduled visit first marks it departed. A duress check-in is
    recorded like any other (the staff member's screen shows nothing different); the
    deadline calculator turns it into an immediate escalation.
    """
    accepting = visit.state is S.SCHEDULED or visit.state in OUT or visit.state is S.RETURNED
    refuse_if(
        [
            None if check_in.visit_id == visit.id else "the check-in is for a different visit",
            None
            if check_in.staff_id in visit.staff_ids
            else "the member of staff checking in is not on this visit",
            _not_future(check_in.at, now, "check-in"),
            None if accepting else "check-ins start once the visit is authorised and scheduled",
        ]
    )
    data: dict[str, EventValue] = {"kind": check_in.kind.value, "channel": check_in.channel.value}
    if check_in.duress:
        data["duress"] = True
    events: list[VisitEvent] = []
    current = visit
    if visit.state is S.SCHEDULED and check_in.kind is not CheckInKind.DEPARTED:
        implied = {"implied_by": check_in.kind.value}
        events.append(
            event(visit, K.STATE_CHANGED, now, check_in.staff_id, to=S.DEPARTED, data=implied)
        )
        current = visit.model_copy(update={"state": S.DEPARTED})
    target = _check_in_target(current, check_in.kind)
    to = target if target is not current.state else None
    events.append(event(current, K.CHECK_IN, now, check_in.staff_id, to=to, data=data))
    return Transition(visit=changed(visit, state=target), events=tuple(events))


def record_doorstep_report(
    visit: Visit, pack: PolicyPack, report: DoorstepReport, now: datetime
) -> Transition:
    """Staff at the door report the parent absent, running late, or present.

    The event carries the pack's limits so the board can show them; the deadline
    calculator computes when the wait or the late limit runs out.
    """
    refuse_if(
        [
            None if report.visit_id == visit.id else "the report is for a different visit",
            _not_future(report.at, now, "report"),
            None
            if visit.state in AT_THE_DOOR
            else "doorstep reports are made between departure and the outcome",
        ]
    )
    data: dict[str, EventValue] = {"kind": report.kind}
    if report.kind == "parent_absent":
        data["wait_minutes"] = pack.doorstep.parent_absent_wait_minutes
    if report.kind == "parent_late" and pack.doorstep.late_arrival_cancel_minutes is not None:
        data["cancel_after_minutes"] = pack.doorstep.late_arrival_cancel_minutes
        if report.expected_at is not None:
            late = int((report.expected_at - visit.planned_start).total_seconds() // 60)
            data["beyond_limit"] = late > pack.doorstep.late_arrival_cancel_minutes
    return step(visit, K.DOORSTEP, now, None, to=S.ON_SITE, data=data)


def record_outcome(
    visit: Visit,
    pack: PolicyPack,
    actor: StaffMember,
    kind: OutcomeKind,
    now: datetime,
    *,
    reason: str | None = None,
    calling_card_left: bool | None = None,
) -> Transition:
    """How the visit ended at the door.

    On site, the outcome sets the state (completed, no access, cancelled); on the way
    only a cancellation is possible; once staff are back the outcome is recorded
    without a change of state. Unsafe and animals cancellations need a written
    ``reason`` when the pack names who receives it, and the transition lists those
    roles in ``in_writing_to``. No access records whether a calling card was left
    (by default what the pack says staff do).
    """
    target = _OUTCOME_STATES[kind] if visit.state in AT_THE_DOOR else visit.state
    refuse_if(
        [
            same_school_problem(visit, actor),
            None
            if visit.state in AT_THE_DOOR or visit.state is S.RETURNED
            else "an outcome is recorded once staff have left for the visit and before closing",
            move_reason(visit, target),
            *outcome_problems(kind, reason, pack),
        ]
    )
    if calling_card_left is None:
        calling_card_left = kind in _NO_ACCESS and pack.doorstep.calling_card_on_no_access
    readers = pack.doorstep.cancellation_reasons_in_writing_to
    in_writing = readers if kind in WRITTEN_REASON_OUTCOMES else []
    outcome = Outcome(
        kind=kind,
        recorded_at=now,
        recorded_by=actor.id,
        calling_card_left=calling_card_left,
        reason=reason,
    )
    data: dict[str, EventValue] = {
        "outcome": kind.value,
        "calling_card_left": calling_card_left,
        "written_reason_to": ",".join(role.value for role in in_writing),
    }
    return step(
        visit,
        K.OUTCOME,
        now,
        actor.id,
        to=target,
        data=data,
        in_writing_to=in_writing,
        outcome=outcome,
    )


def acknowledge(
    visit: Visit,
    pack: PolicyPack,
    actor: StaffMember,
    acknowledgement: Acknowledgement,
    now: datetime,
) -> Transition:
    """A person takes responsibility for an escalation rung; the ladder stops climbing.

    Staff on the visit cannot acknowledge their own escalation: someone under duress
    could be made to.
    """
    rungs = len(pack.escalation.rungs)
    refuse_if(
        [
            same_school_problem(visit, actor),
            None
            if acknowledgement.visit_id == visit.id
            else "the acknowledgement is for a different visit",
            None if acknowledgement.by == actor.id else "acknowledge in your own name",
            None
            if actor.id not in visit.staff_ids
            else "staff on the visit cannot acknowledge its escalations",
            None if acknowledgement.rung <= rungs else f"this school's ladder has {rungs} rungs",
            _not_future(acknowledgement.at, now, "acknowledgement"),
            None
            if visit.state in OUT or visit.state is S.RETURNED
            else "escalations run only while staff are out",
        ]
    )
    rung = pack.rung(acknowledgement.rung)
    data: dict[str, EventValue] = {"rung": acknowledgement.rung, "rung_name": rung.name}
    return step(visit, K.ACKNOWLEDGED, now, actor.id, data=data)


def note_problems(note: VisitNote | None, visit: Visit, pack: PolicyPack) -> list[str]:
    """What a completed visit's note lacks, against ``pack.records.required_fields``."""
    if note is None:
        return ["write the visit note before closing a completed visit"]
    if note.visit_id != visit.id:
        return ["the visit note belongs to a different visit"]
    present = {
        "time": True,
        "pupil": True,
        "discussion": True,
        "agreements": True,
        "concerns": True,
        "location": bool(note.location),
        "seen": bool(note.seen),
        "parent_signature": any(sig.signer == "parent" for sig in note.signatures),
        "staff_signature": any(sig.signer == "staff" for sig in note.signatures),
    }
    return [
        f"the visit note needs: {field.replace('_', ' ')}"
        for field in pack.records.required_fields
        if not present[field]
    ]


def close(
    visit: Visit,
    pack: PolicyPack,
    actor: StaffMember,
    now: datetime,
    *,
    outcome: Outcome | None,
    note: VisitNote | None = None,
) -> Transition:
    """Close the returned visit: ``returned → closed``.

    Needs the outcome; a completed visit also needs its note with every field the
    pack requires (signatures, location, who was seen).
    """
    completed = outcome is not None and outcome.kind is OutcomeKind.COMPLETED
    refuse_if(
        [
            same_school_problem(visit, actor),
            move_reason(visit, S.CLOSED),
            None if outcome is not None else "record the outcome before closing the visit",
            *(note_problems(note, visit, pack) if completed else []),
        ]
    )
    data: dict[str, EventValue] = {
        "outcome": outcome.kind.value if outcome else None,
        "note": note is not None,
    }
    return step(visit, K.CLOSED, now, actor.id, to=S.CLOSED, data=data)
