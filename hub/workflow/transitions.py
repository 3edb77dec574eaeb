"""What every workflow step returns, and the one place a visit is changed.

Each step (request, authorise, record a check-in, ...) checks its guards, collects
every reason to refuse, and either raises ``TransitionRefusedError`` with all of them
or returns a ``Transition``: the new frozen visit (version bumped) and the events it
produced, plus who must now be told.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from pydantic import Field

from hub.errors import TransitionRefusedError
from hub.models import (
    DomainModel,
    Outcome,
    StaffRole,
    Visit,
    VisitEvent,
    VisitEventKind,
    VisitState,
)
from hub.models.visit import EventValue
from hub.workflow.states import move_problem


class Transition(DomainModel):
    """The result of one workflow step."""

    visit: Visit
    events: tuple[VisitEvent, ...] = Field(min_length=1)
    notify: tuple[StaffRole, ...] = Field(
        default=(), description="Roles that must be told of this step (e.g. a solo visit)."
    )
    in_writing_to: tuple[StaffRole, ...] = Field(
        default=(), description="Roles that must receive the written reason for this step."
    )
    outcome: Outcome | None = Field(default=None, description="Set by record_outcome.")


def refuse_if(reasons: Iterable[str | None]) -> None:
    """Raise ``TransitionRefusedError`` with every non-empty reason, if there is any."""
    found = [reason for reason in reasons if reason]
    if found:
        raise TransitionRefusedError(found)


def move_reason(visit: Visit, to: VisitState) -> str | None:
    """Why ``visit`` may not move to ``to`` (None when it may, or when it stays put)."""
    return None if visit.state is to else move_problem(visit.state, to)


def event(
    visit: Visit,
    kind: VisitEventKind,
    now: datetime,
    actor: str | None,
    *,
    to: VisitState | None = None,
    data: Mapping[str, EventValue] | None = None,
) -> VisitEvent:
    """One event about ``visit``; ``to`` records a change of state."""
    return VisitEvent(
        school_id=visit.school_id,
        visit_id=visit.id,
        kind=kind,
        at=now,
        actor=actor,
        state_from=visit.state if to is not None else None,
        state_to=to,
        data=dict(data or {}),
    )


def changed(visit: Visit, **update: Any) -> Visit:
    """``visit`` with ``update`` applied and its version bumped."""
    return visit.model_copy(update={**update, "version": visit.version + 1})


def step(
    visit: Visit,
    kind: VisitEventKind,
    now: datetime,
    actor: str | None,
    *,
    to: VisitState | None = None,
    data: Mapping[str, EventValue] | None = None,
    update: Mapping[str, Any] | None = None,
    notify: Iterable[StaffRole] = (),
    in_writing_to: Iterable[StaffRole] = (),
    outcome: Outcome | None = None,
) -> Transition:
    """Apply one already-checked step: new visit, one event, and who to tell.

    When ``to`` equals the current state the event records no change of state.
    """
    moves = to is not None and to is not visit.state
    new_state = {"state": to} if moves else {}
    return Transition(
        visit=changed(visit, **new_state, **(update or {})),
        events=(event(visit, kind, now, actor, to=to if moves else None, data=data),),
        notify=tuple(dict.fromkeys(notify)),
        in_writing_to=tuple(dict.fromkeys(in_writing_to)),
        outcome=outcome,
    )
