"""The durable workflows: a visit's safety timer, one escalation, the sweeper, deliveries.

Workflow ids are the idempotency keys:

- ``visit:{school}:{visit}``: the visit's safety timer. It loops: read the records
  (a step), start every escalation due, then ``recv("check_in")`` with a timeout
  that ends at the next deadline. A check-in or acknowledgement is a message that
  wakes it early; staff being back ends it.
- ``escalate:{escalation_key}``: one rung of the ladder (or the duress rung, or the
  exhausted alert). Whoever starts it, the timer or the sweeper, DBOS runs it once.
  It sends the rung's message on each channel in order until one accepts (falling
  back at once, never waiting on Retry-After), then shows the visit on the board and
  records the ESCALATED event in one transaction. The visit's timer, not the
  escalation, waits for a person's acknowledgement.
- ``sweep:{tick}``: the overdue sweeper, one run per tick whoever asks.
- ``deliver:{key}:{round}``: one outbound push with durable pauses between attempts.

Workflow code is deterministic: every read of the store, the clock or an adapter
happens inside a step whose result DBOS records.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

import structlog
from dbos import DBOS, DBOSConfiguredInstance, SetWorkflowID
from pydantic import Field

from hub.engine import deliveries
from hub.engine.plan import (
    Due,
    VisitPlan,
    channel_attempt_key,
    notification_for,
    pause,
    plan_visit,
    rung_of,
)
from hub.engine.records import Board
from hub.engine.runtime import Runtime
from hub.models import DomainModel, Visit, VisitState
from hub.workflow import DeadlineKind

log = structlog.get_logger(__name__)

INSTANCE_NAME = "doorstep"
CHECK_IN_TOPIC = "check_in"
MAX_RECOVERY_ATTEMPTS = 10
"""A workflow that crashed the process this many times is dead-lettered (not retried)."""

RETRY_STORE: dict[str, Any] = {
    "retries_allowed": True,
    "max_attempts": 5,
    "interval_seconds": 0.2,
    "backoff_rate": 2.0,
}
"""Steps that only read and write our own database retry a busy or restarting database."""

OUT_STATES = (
    VisitState.DEPARTED,
    VisitState.ON_SITE,
    VisitState.COMPLETED,
    VisitState.NO_ACCESS,
    VisitState.CANCELLED,
)


def visit_workflow_id(school_id: str, visit_id: str) -> str:
    """The id of a visit's safety-timer workflow."""
    return f"visit:{school_id}:{visit_id}"


class ChannelResult(DomainModel):
    """What one channel said to one escalation message."""

    channel: str
    ok: bool
    problem: str = Field(default="", description="The error's type; never its message.")


class Sent(DomainModel):
    """What one pass through a rung's channels came to."""

    accepted: str | None = Field(default=None, description="The channel that accepted.")
    window_s: float = Field(
        default=0.0, description="The rung's acknowledgement window in real seconds."
    )
    skipped: bool = Field(default=False, description="Staff are back already: nothing sent.")


class Overdue(DomainModel):
    """What the sweeper found: visits to watch and escalations to start."""

    watch: tuple[tuple[str, str], ...] = ()
    escalate: tuple[tuple[str, str, Due], ...] = ()


@DBOS.dbos_class()
class SafetyWorkflows(DBOSConfiguredInstance):
    """The engine's workflows, bound to one ``Runtime``."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        super().__init__(INSTANCE_NAME)

    # --- the visit's safety timer -------------------------------------------------------

    @DBOS.workflow(max_recovery_attempts=MAX_RECOVERY_ATTEMPTS)
    async def watch_visit(self, school_id: str, visit_id: str) -> str:
        """Run a visit's safety timer until staff are back."""
        started: set[str] = set()
        while True:
            try:
                plan = await self.plan(school_id, visit_id)
            except Exception:  # the store is unreachable: never end a safety timer on it
                await DBOS.sleep_async(self.runtime.config.channel_retry_s[0])
                continue
            if plan is None:
                return "unknown visit"
            for due in plan.due:
                if due.key not in started:
                    started.add(due.key)
                    await self._start_escalation(school_id, visit_id, due)
            if plan.finished:
                return "back"
            wait = self.runtime.config.idle_wait_s
            if plan.wake_at is not None:
                until = max((plan.wake_at - plan.now).total_seconds(), 0.0)
                wait = min(wait, self.runtime.real_seconds(until))
            await DBOS.recv_async(CHECK_IN_TOPIC, timeout_seconds=wait)

    @DBOS.step(**RETRY_STORE)
    async def plan(self, school_id: str, visit_id: str) -> VisitPlan | None:
        """Read the visit and its records and decide what is due (a recorded step)."""
        runtime = self.runtime
        visit, day = await runtime.situation(school_id, visit_id)
        if visit is None:
            return None
        pack = runtime.hooks(school_id).pack
        return plan_visit(visit, pack, day, runtime.clock())

    async def _start_escalation(self, school_id: str, visit_id: str, due: Due) -> None:
        self.runtime.started.add(due.workflow_id)
        with SetWorkflowID(due.workflow_id):
            await DBOS.start_workflow_async(self.escalate, school_id, visit_id, due)

    # --- one escalation -----------------------------------------------------------------

    @DBOS.workflow(max_recovery_attempts=MAX_RECOVERY_ATTEMPTS)
    async def escalate(self, school_id: str, visit_id: str, due: Due) -> str:
        """Send one rung's message with channel fallback and record it.

        One step does the sending so an escalation costs few checkpoints when a
        thousand fall due together; if the process dies inside it, the step runs
        again and the channels drop the repeat by its idempotency key. It does not
        wait for the acknowledgement: the visit's timer does (the next rung falls due
        from the acknowledgements it reads), so a waiting escalation would only add a
        ``recv`` (four system-database writes) and a pending workflow to recover.
        """
        sent = await self.send_rung(school_id, visit_id, due)
        rounds = 0
        while sent.accepted is None and not sent.skipped:
            if not await self.channels_failing(school_id, visit_id, due):
                break
            await DBOS.sleep_async(pause(self.runtime.config.channel_retry_s, rounds))
            rounds += 1
            sent = await self.send_rung(school_id, visit_id, due)
        if sent.skipped:
            return "skipped: staff are back"
        return f"sent via {sent.accepted}" if sent.accepted else "not sent"

    @DBOS.step(**RETRY_STORE)
    async def send_rung(self, school_id: str, visit_id: str, due: Due) -> Sent:
        """Offer the message to each channel in order until one accepts (a failure or
        timeout moves on at once), then show the board and record the ESCALATED event
        (once per key) in one transaction."""
        runtime = self.runtime
        began = runtime.clock()
        visit = await runtime.visit(school_id, visit_id)
        if visit.state in (VisitState.RETURNED, VisitState.CLOSED):
            return Sent(skipped=True)
        hooks = runtime.hooks(school_id)
        deadline = due.deadline
        rung = rung_of(hooks.pack, deadline)
        channels = hooks.resolve_channel_order(visit=visit, rung=rung)
        results: list[ChannelResult] = []
        for channel in channels:
            result = await self._offer(visit, due, channel)
            results.append(result)
            if result.ok:
                break
        await runtime.escalated(visit, due, tuple(r.channel for r in results), began=began)
        exhausted = deadline.kind is DeadlineKind.LADDER_EXHAUSTED
        return Sent(
            accepted=next((r.channel for r in results if r.ok), None),
            window_s=0.0 if exhausted else runtime.real_seconds(rung.ack_window_minutes * 60.0),
        )

    async def _offer(self, visit: Visit, due: Due, channel: str) -> ChannelResult:
        runtime = self.runtime
        notification = notification_for(visit, due.deadline, channel, due.key)
        hooks = runtime.hooks(visit.school_id)
        try:
            await asyncio.wait_for(
                hooks.send_notification(
                    notification=notification,
                    idempotency_key=channel_attempt_key(due.key, channel),
                ),
                timeout=runtime.config.channel_timeout_s,
            )
        except Exception as exc:  # every failure means: try the next channel now
            return ChannelResult(channel=channel, ok=False, problem=type(exc).__name__)
        return ChannelResult(channel=channel, ok=True)

    @DBOS.step(**RETRY_STORE)
    async def channels_failing(self, school_id: str, visit_id: str, due: Due) -> bool:
        """Every channel failed: sound the board. True while the escalation is still needed."""
        runtime = self.runtime
        visit = await runtime.visit(school_id, visit_id)
        if visit.state in (VisitState.RETURNED, VisitState.CLOSED):
            return False
        await runtime.show(
            school_id,
            visit_id,
            Board.CHANNELS_FAILING,
            rung=due.deadline.rung,
            detail="every channel of this escalation failed; still trying",
        )
        day = await runtime.day(school_id, visit_id)
        since = due.deadline.started_at
        return not any(ack.at >= since for ack in day.acknowledgements)

    # --- the overdue sweeper ------------------------------------------------------------

    @DBOS.workflow(max_recovery_attempts=MAX_RECOVERY_ATTEMPTS)
    async def sweep(self, tick: str) -> int:
        """Start the timer of every visit out without one and every escalation past due."""
        found = await self.find_overdue()
        for school_id, visit_id in found.watch:
            self.runtime.started.add(visit_workflow_id(school_id, visit_id))
            with SetWorkflowID(visit_workflow_id(school_id, visit_id)):
                await DBOS.start_workflow_async(self.watch_visit, school_id, visit_id)
        for school_id, visit_id, due in found.escalate:
            await self._start_escalation(school_id, visit_id, due)
        return len(found.escalate)

    @DBOS.step(**RETRY_STORE)
    async def find_overdue(self) -> Overdue:
        """Read every school's visits that are out and work out what is due now.

        Escalations whose workflow already exists (started by the timer, or by an
        earlier sweep) are left out with one look-up, so a quiet tick writes nothing.
        """
        runtime = self.runtime
        watch: list[tuple[str, str]] = []
        escalate: list[tuple[str, str, Due]] = []
        for school in await runtime.io(runtime.store.list_schools):
            try:
                pack = runtime.hooks(school.id).pack
            except Exception as exc:  # a school that cannot start is reported by the doctor
                log.error("engine.school_skipped", school=school.id, error=type(exc).__name__)
                continue
            out = await runtime.io(runtime.out_now, school.id, OUT_STATES)
            for visit, due_now in runtime.due_now(pack, out, runtime.clock()):
                if visit_workflow_id(school.id, visit.id) not in runtime.started:
                    watch.append((school.id, visit.id))
                escalate += [
                    (school.id, visit.id, due)
                    for due in due_now
                    if due.workflow_id not in runtime.started
                ]
            runtime.forget_plans(school.id, (visit.id for visit, _day in out))
        known = await existing_workflows(
            [wid for wid in (visit_workflow_id(s, v) for s, v in watch)]
            + [due.workflow_id for _s, _v, due in escalate]
        )
        runtime.started.update(known)
        return Overdue(
            watch=tuple((s, v) for s, v in watch if visit_workflow_id(s, v) not in known),
            escalate=tuple(item for item in escalate if item[2].workflow_id not in known),
        )

    # --- deliveries ---------------------------------------------------------------------

    @DBOS.workflow(max_recovery_attempts=MAX_RECOVERY_ATTEMPTS)
    async def deliver(self, school_id: str, key: str) -> str:
        """Push one delivery; pause durably between attempts; dead-letter it at the end."""
        schedule = self.runtime.config.delivery_backoff_s
        attempt = 0
        while True:
            outcome = await self.attempt(school_id, key)
            if outcome.finished:
                return outcome.status.value
            if attempt >= len(schedule):
                await self.give_up(school_id, key, outcome.reason)
                return "dead"
            await DBOS.sleep_async(schedule[attempt])
            attempt += 1

    @DBOS.step()
    async def attempt(self, school_id: str, key: str) -> deliveries.Attempt:
        """One delivery attempt (tenacity retries short faults inside the adapter)."""
        return await deliveries.attempt(self.runtime, school_id, key)

    @DBOS.step()
    async def give_up(self, school_id: str, key: str, reason: str) -> None:
        """Move the delivery to the dead letters with its reason."""
        await deliveries.give_up(self.runtime, school_id, key, reason)


async def existing_workflows(workflow_ids: list[str]) -> set[str]:
    """Which of ``workflow_ids`` DBOS already holds (in any status)."""
    if not workflow_ids:
        return set()
    found = await DBOS.list_workflows_async(
        workflow_ids=workflow_ids, load_input=False, load_output=False
    )
    return {status.workflow_id for status in found}


def sweep_workflow_id(tick: datetime) -> str:
    """The sweeper workflow id of one tick: every replica asking for it gets one run."""
    return f"sweep:{tick.isoformat()}"
