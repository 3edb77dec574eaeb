"""Recording that the safety timer fired: one event per rung run, no change of state."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from hub.models import Visit, VisitEventKind
from hub.models.visit import EventValue
from hub.workflow.deadlines import ESCALATIONS, Deadline
from hub.workflow.transitions import Transition, refuse_if, step


def escalation_key(visit: Visit, deadline: Deadline) -> str:
    """The deterministic id of one escalation: the same rung of the same situation
    always gets the same key, so a timer and a sweeper running it twice run it once."""
    rung = deadline.rung if deadline.rung is not None else 0
    return (
        f"{visit.school_id}:{visit.id}:{deadline.kind.value}:"
        f"{deadline.started_at.isoformat()}:{rung}"
    )


def record_escalation(
    visit: Visit,
    deadline: Deadline,
    now: datetime,
    *,
    channels: Sequence[str],
    actor: str = "engine",
) -> Transition:
    """A ladder rung, a duress escalation or the exhausted alert ran at ``now``.

    The event carries the rung, why it ran, the channels tried in order and the
    escalation key; it never carries who was reached by name or number.
    """
    refuse_if(
        [
            None if deadline.kind in ESCALATIONS else "only escalations are recorded here",
            None if deadline.at <= now else "the escalation is not due yet",
        ]
    )
    data: dict[str, EventValue] = {
        "rung": deadline.rung,
        "reason": deadline.kind.value,
        "reaches": ",".join(target.value for target in deadline.reaches),
        "alerts": ",".join(role.value for role in deadline.alerts),
        "channels": ",".join(channels),
        "key": escalation_key(visit, deadline),
    }
    return step(visit, VisitEventKind.ESCALATED, now, actor, data=data)
