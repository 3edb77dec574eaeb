"""Saving what a workflow step decided, then telling the observers.

The visit, the step's record (a check-in, a doorstep report...), its events and the
idempotent answer are saved in **one** transaction (``Store.save_step``). The events
then go to the observers; the audit plugin is one of them and would append each to
the school's event log, so the hand-over runs inside ``Store.recorded``: the audit
plugin finds them already saved, with their numbers, and writes nothing again.

A school that turned the audit plugin off on purpose keeps no event log: its steps
are saved without events.
"""

from __future__ import annotations

from dataclasses import replace

from hub.api.context import ApiContext
from hub.models import Visit, VisitEvent
from hub.store.steps import VisitStep
from hub.workflow import Transition

AUDIT = "audit"


async def apply(ctx: ApiContext, transition: Transition, step: VisitStep | None = None) -> Visit:
    """Save the transition's visit and events, with the records and answer of ``step``
    (its visit and events are the transition's), in one transaction with optimistic
    concurrency; then hand the events to the observers."""
    visit = transition.visit
    hooks = await ctx.hooks(visit.school_id)
    events = transition.events if AUDIT in hooks.plugins() else ()
    whole = replace(step or VisitStep(visit=visit), visit=visit, events=events)
    seqs = await ctx.write(ctx.store.save_step, whole)
    with ctx.store.recorded(events, seqs):
        for event in transition.events:
            await hooks.on_visit_event(event=event)
    return visit


async def tell(ctx: ApiContext, school_id: str, events: tuple[VisitEvent, ...]) -> None:
    """Hand events that change no state (a note recorded) to the observers."""
    hooks = await ctx.hooks(school_id)
    for event in events:
        await hooks.on_visit_event(event=event)
