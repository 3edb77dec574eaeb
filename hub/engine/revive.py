"""Visit timers given up by DBOS only because another workflow crashed the process (R-11).

DBOS counts a recovery attempt for every workflow pending when the process dies, not
only for the one that killed it: ten crashes caused by one poison workflow give up
(``MAX_RECOVERY_ATTEMPTS_EXCEEDED``) every visit timer that was merely pending. At
start-up, once DBOS has taken up the workflows pending at launch, the engine resumes
each given-up visit timer whose visit is still out, **once**: a durable marker (the
workflow ``resumed:{timer id}``) is written before the resume, so a timer given up
again after it (the crasher itself, or one that shared ten more crashes with it)
stays given up and never crash-loops the hub. Its visit still escalates: the sweeper
starts the rungs of a visit whose timer is gone.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Coroutine, Iterable
from typing import Any

import structlog
from dbos import DBOS, SetWorkflowID

log = structlog.get_logger(__name__)

GIVEN_UP = "MAX_RECOVERY_ATTEMPTS_EXCEEDED"
RESUMED_PREFIX = "resumed:"
TIMER_PREFIX = "visit:"
SETTLE_TIMEOUT_S = 10.0
SETTLE_POLL_S = 0.25

StillOut = Callable[[str, str], Awaitable[bool]]
"""Whether a school's visit is still out (its timer has work left)."""
Mark = Callable[[str], Awaitable[None]]
"""Writes the durable marker of one resume (before it happens)."""


def resumed_marker_id(workflow_id: str) -> str:
    """The id of the workflow that records that ``workflow_id`` was resumed once."""
    return f"{RESUMED_PREFIX}{workflow_id}"


def visit_of(workflow_id: str) -> tuple[str, str] | None:
    """The (school, visit) of a visit timer's workflow id, or None for another workflow."""
    if not workflow_id.startswith(TIMER_PREFIX):
        return None
    parts = workflow_id.split(":", 2)
    return (parts[1], parts[2]) if len(parts) == 3 else None


async def settle(workflow_ids: Iterable[str], since_ms: int, timeout_s: float) -> bool:
    """Wait until DBOS has taken up each of ``workflow_ids`` (pending at launch): run it
    again (PENDING, updated since ``since_ms``), finished it, or given it up. True when
    all were taken up within ``timeout_s``."""
    left = sorted(set(workflow_ids))
    deadline = time.monotonic() + timeout_s
    while left:
        found = await DBOS.list_workflows_async(
            workflow_ids=left, load_input=False, load_output=False
        )
        left = [
            s.workflow_id
            for s in found
            if s.status == "ENQUEUED" or (s.status == "PENDING" and (s.updated_at or 0) < since_ms)
        ]
        if not left:
            return True
        if time.monotonic() >= deadline:
            return False
        await asyncio.sleep(SETTLE_POLL_S)
    return True


async def revive_timers(still_out: StillOut, mark: Mark) -> list[str]:
    """Resume every given-up visit timer whose visit is still out and that was never
    resumed before; returns their ids. A timer's marker is written before its resume."""
    dead = await DBOS.list_workflows_async(
        status=GIVEN_UP, workflow_id_prefix=TIMER_PREFIX, load_input=False, load_output=False
    )
    if not dead:
        return []
    ids = [status.workflow_id for status in dead]
    markers = await DBOS.list_workflows_async(
        workflow_ids=[resumed_marker_id(i) for i in ids], load_input=False, load_output=False
    )
    marked = {status.workflow_id for status in markers}
    revived: list[str] = []
    for workflow_id in ids:
        visit = visit_of(workflow_id)
        if visit is None or resumed_marker_id(workflow_id) in marked:
            continue  # given up again after its one resume: the sweeper escalates it
        if not await still_out(*visit):
            continue
        await mark(workflow_id)
        await DBOS.resume_workflow_async(workflow_id)
        revived.append(workflow_id)
    if revived:
        log.warning("engine.timers_resumed", count=len(revived))
    return revived


async def mark_with(workflow: Callable[[str], Coroutine[Any, Any, str]], workflow_id: str) -> None:
    """Start ``workflow`` (a trivial recorded workflow) as ``workflow_id``'s marker."""
    with SetWorkflowID(resumed_marker_id(workflow_id)):
        handle = await DBOS.start_workflow_async(workflow, workflow_id)
    await handle.get_result()
