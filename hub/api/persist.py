"""Saving what a workflow step decided: the visit, then its events to the observers.

The audit plugin is one of the observers, so every event reaches the school's
append-only log through ``Hooks.on_visit_event``.
"""

from __future__ import annotations

from hub.api.context import ApiContext
from hub.models import Visit, VisitEvent
from hub.workflow import Transition


async def apply(ctx: ApiContext, transition: Transition) -> Visit:
    """Save the transition's visit (optimistic concurrency) and hand over its events."""
    visit = transition.visit
    await ctx.io(ctx.store.save_visit, visit)
    await tell(ctx, visit.school_id, transition.events)
    return visit


async def tell(ctx: ApiContext, school_id: str, events: tuple[VisitEvent, ...]) -> None:
    """Hand events that change no state (a note recorded) to the observers."""
    hooks = await ctx.hooks(school_id)
    for event in events:
        await hooks.on_visit_event(event=event)
