"""Which visit states may follow which.

The main path is the one every seed policy describes::

    requested → assessed → awaiting_authorisation → authorised → scheduled
      → departed → on_site → (completed | no_access | cancelled) → returned → closed

with ``rejected`` (by the authoriser) and ``withdrawn`` (by the school) possible at any
point before departure. Three extra moves keep the record true to what happens on the
day:

- ``departed → cancelled``: the visit is called off on the way (the parent rings to
  cancel, staff feel unsafe on the street), so staff never reach the door;
- ``departed → returned`` and ``on_site → returned``: staff are back at school before
  anyone recorded the outcome. The safety timer must stop when they are back, so the
  return is never refused; the outcome is recorded afterwards and closing needs it.

``rejected``, ``withdrawn`` and ``closed`` are final: a rejected visit is requested
again as a new visit, so the authoriser's decision stays on the record unchanged.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from hub.models import VisitState

S = VisitState

ALLOWED: Mapping[VisitState, frozenset[VisitState]] = MappingProxyType(
    {
        S.REQUESTED: frozenset({S.ASSESSED, S.WITHDRAWN}),
        S.ASSESSED: frozenset({S.AWAITING_AUTHORISATION, S.WITHDRAWN}),
        S.AWAITING_AUTHORISATION: frozenset({S.AUTHORISED, S.REJECTED, S.WITHDRAWN}),
        S.AUTHORISED: frozenset({S.SCHEDULED, S.WITHDRAWN}),
        S.SCHEDULED: frozenset({S.DEPARTED, S.WITHDRAWN}),
        S.DEPARTED: frozenset({S.ON_SITE, S.CANCELLED, S.RETURNED}),
        S.ON_SITE: frozenset({S.COMPLETED, S.NO_ACCESS, S.CANCELLED, S.RETURNED}),
        S.COMPLETED: frozenset({S.RETURNED}),
        S.NO_ACCESS: frozenset({S.RETURNED}),
        S.CANCELLED: frozenset({S.RETURNED}),
        S.RETURNED: frozenset({S.CLOSED}),
        S.CLOSED: frozenset(),
        S.REJECTED: frozenset(),
        S.WITHDRAWN: frozenset(),
    }
)
"""Every allowed move: state → the states that may follow it."""

BEFORE_DEPARTURE: frozenset[VisitState] = frozenset(
    {S.REQUESTED, S.ASSESSED, S.AWAITING_AUTHORISATION, S.AUTHORISED, S.SCHEDULED}
)
"""States in which the visit may still be withdrawn."""

OUT: frozenset[VisitState] = frozenset(
    {S.DEPARTED, S.ON_SITE, S.COMPLETED, S.NO_ACCESS, S.CANCELLED}
)
"""States in which staff are away from school: the safety timers run."""

AT_THE_DOOR: frozenset[VisitState] = frozenset({S.DEPARTED, S.ON_SITE})
"""States in which no outcome has been recorded yet: doorstep waits still run."""

FINAL: frozenset[VisitState] = frozenset(state for state, nxt in ALLOWED.items() if not nxt)
"""States nothing may follow."""


def can_move(current: VisitState, to: VisitState) -> bool:
    """Whether ``to`` may directly follow ``current``."""
    return to in ALLOWED[current]


def move_problem(current: VisitState, to: VisitState) -> str | None:
    """Why ``current → to`` is not allowed, in plain words, or None when it is."""
    if can_move(current, to):
        return None
    if current in FINAL:
        return f"the visit is {current.value.replace('_', ' ')} and cannot change any more"
    return (
        f"a visit that is {current.value.replace('_', ' ')} cannot become "
        f"{to.value.replace('_', ' ')}"
    )
