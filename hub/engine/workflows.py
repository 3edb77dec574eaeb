"""The durable workflows: a visit's safety timer, one escalation, the sweeper, deliveries.

Workflow ids are the idempotency keys:

- ``visit:{school}:{visit}``: the visit's safety timer. It loops: one recorded step
  (``wake``) reads the records, works out what is due and sends every escalation due
  and not yet recorded, then ``recv("check_in")`` with a timeout that ends at the
  next deadline. A message wakes it early: a check-in or acknowledgement that brings
  something forward, duress, staff being back (which ends it), or the sweeper's nudge.
- ``escalate:{escalation_key}``: one rung of the ladder (or the duress rung, or the
  exhausted alert) for a visit whose timer is gone (cancelled, given up, ended): the
  sweeper starts it, DBOS runs it once. It sends the rung's message like the timer
  does, and repeats the pass after durable pauses while every channel fails. (Timers
  started before the timer sent itself still start these as child workflows.)
- ``sweep:{tick}``: the overdue sweeper, one run per tick whoever asks.
- ``deliver:{key}:{round}``: one outbound push with durable pauses between attempts.

Workflow code is deterministic: every read of the store, the clock or an adapter
happens inside a step whose result DBOS records.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any

import structlog
from dbos import DBOS, DBOSConfiguredInstance, SetWorkflowID
from pydantic import Field

from hub.engine import deliveries
from hub.engine.dbos_glue import wake_waiter
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
from hub.engine.runtime import Runtime, on_the_day
from hub.models import DomainModel, Visit, VisitState
from hub.workflow import DeadlineKind, OnTheDay

log = structlog.get_logger(__name__)

INSTANCE_NAME = "doorstep"
CHECK_IN_TOPIC = "check_in"
TIMER_SENDS = "timer-sends"
"""``DBOS.patch`` name: timers started since send their escalations in their own step;
timers started before it replay the old path (a ``plan`` step and child workflows)."""
LIVE = ("PENDING", "ENQUEUED")
"""DBOS statuses of a workflow that still runs (or will, once dequeued)."""
MAX_RECOVERY_ATTEMPTS = 10
"""A workflow that crashed the process this many times is dead-lettered (not retried)."""

NUDGE_AFTER_S = 5.0
"""An escalation due this long (real seconds) and not recorded while its timer runs gets
the timer a wake-up message from the sweeper (at least two sweep intervals)."""

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


class Woke(DomainModel):
    """What one wake of a visit's timer came to."""

    now: datetime
    wake_at: datetime | None = Field(default=None, description="The next deadline; None: none.")
    finished: bool = Field(default=False, description="Staff are back: the timer ends.")
    failing: tuple[str, ...] = Field(
        default=(),
        description=(
            "Keys of escalations no channel accepted, or that the fast path was sending "
            "meanwhile: looked at again soon."
        ),
    )


class Overdue(DomainModel):
    """What the sweeper found: visits to watch, escalations to start, timers to nudge."""

    watch: tuple[tuple[str, str], ...] = ()
    escalate: tuple[tuple[str, str, Due], ...] = ()
    nudge: tuple[tuple[str, str, str], ...] = Field(
        default=(), description="(school, visit, escalation key) of late live timers."
    )


@DBOS.dbos_class()
class SafetyWorkflows(DBOSConfiguredInstance):
    """The engine's workflows, bound to one ``Runtime``."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        super().__init__(INSTANCE_NAME)

    # --- the visit's safety timer -------------------------------------------------------

    @DBOS.workflow(max_recovery_attempts=MAX_RECOVERY_ATTEMPTS)
    async def watch_visit(self, school_id: str, visit_id: str) -> str:
        """Run a visit's safety timer until staff are back.

        Each wake is one recorded step that plans and sends what is due, then one
        ``recv`` until the next deadline: about three system-database writes per
        escalation. While every channel of an escalation fails, the timer wakes again
        after the ``channel_retry_s`` pauses and tries it again.

        Each wake (live or replayed) tells the fast path's book when the visit next has
        something due; while the fast path runs, the ``recv`` lasts ``backstop_s`` longer,
        so the timer sends only what the fast path did not (``hub.engine.dispatch``).
        """
        if not await DBOS.patch_async(TIMER_SENDS):
            return await self._watch_with_children(school_id, visit_id)
        config = self.runtime.config
        failing: tuple[str, ...] = ()
        rounds = 0
        while True:
            try:
                woke = await self.wake(school_id, visit_id, failing)
            except Exception as exc:  # the store is unreachable: never end a safety timer on it
                log.warning("engine.wake_failed", visit=visit_id, error=type(exc).__name__)
                await DBOS.sleep_async(config.channel_retry_s[0])
                continue
            book = self.runtime.due
            if woke is None or woke.finished:
                book.note(school_id, visit_id, None)
                return "unknown visit" if woke is None else "back"
            book.note(school_id, visit_id, woke.wake_at)
            failing = woke.failing
            wait = self._wait(woke.wake_at)
            if failing:
                wait = min(wait, pause(config.channel_retry_s, rounds))
                rounds += 1
            else:
                rounds = 0
                if woke.wake_at is not None:
                    wait += self.runtime.backstop_s
            await DBOS.recv_async(CHECK_IN_TOPIC, timeout_seconds=wait)

    def _wait(self, wake_at: datetime | None) -> float:
        """Real seconds from now to ``wake_at`` (at most ``idle_wait_s``).

        Measured from the clock, not from the plan's ``now``: when the process died
        between the step and the ``recv``, the replay's ``recv`` is a fresh one and must
        not wait the whole interval again. (A recorded ``recv`` ignores its timeout:
        DBOS keeps its end time.)
        """
        wait = self.runtime.config.idle_wait_s
        if wake_at is not None:
            until = (wake_at - self.runtime.clock()).total_seconds()
            wait = min(wait, self.runtime.real_seconds(max(until, 0.0)))
        return wait

    @DBOS.step(**RETRY_STORE)
    async def wake(self, school_id: str, visit_id: str, failing: tuple[str, ...]) -> Woke | None:
        """Read the visit and its records, send every escalation due and not yet
        recorded (and those in ``failing`` again, unless acknowledged since), and say
        when to wake next (a recorded step; if the process dies inside it, it runs
        again and the channels drop repeats by their idempotency keys)."""
        runtime = self.runtime
        began = runtime.clock()
        found = await runtime.records(school_id, visit_id)
        if found is None:
            return None
        pack = runtime.hooks(school_id).pack
        day = on_the_day(found)
        plan = plan_visit(found.visit, pack, day, began)
        if plan.finished:
            return Woke(now=plan.now, finished=True)
        still: list[str] = []
        book = runtime.due
        for due in plan.due:
            again = due.key in failing
            if due.key in found.escalated and not again:
                continue
            if again and acknowledged_since(day, due):
                continue
            if book.was_sent(due.key):
                continue  # a channel accepted it in this process; its record follows
            if not book.claim(due.key):
                still.append(due.key)  # the fast path is sending it: look again soon
                continue
            sent = await self._send_claimed(found.visit, due, began)
            if sent.accepted is None:
                await self._sound_failing(school_id, visit_id, due)
                still.append(due.key)
        return Woke(now=plan.now, wake_at=plan.wake_at, failing=tuple(still))

    async def send_due_now(self, school_id: str, visit_id: str) -> datetime | None:
        """The fast path for one visit (not a DBOS step: see ``hub.engine.dispatch``).

        Reads the visit's records, sends every escalation due and not yet recorded (with
        channel fallback, recorded once per key like the timer's), and returns when the
        visit next has something due (None: nothing, or staff are back). An escalation
        no channel accepted is not recorded: the board shows the failure and the visit's
        timer is woken to send it with its durable retries.
        """
        runtime = self.runtime
        began = runtime.clock()
        found = await runtime.records(school_id, visit_id)
        if found is None:
            return None
        plan = plan_visit(found.visit, runtime.hooks(school_id).pack, on_the_day(found), began)
        if plan.finished:
            return None
        book = runtime.due
        for due in plan.due:
            if due.key in found.escalated or not book.claim(due.key):
                continue
            sent = Sent()
            try:
                sent = await self._send_claimed(found.visit, due, began, record_unsent=False)
                if sent.accepted is None:
                    await self._sound_failing(school_id, visit_id, due)
            except Exception as exc:  # whatever failed, the timer takes the rung at once
                log.warning("engine.fast_path_failed", visit=visit_id, error=type(exc).__name__)
            if sent.accepted is None:
                await self._hand_to_timer(school_id, visit_id, due, began)
        return plan.wake_at

    async def _send_claimed(
        self, visit: Visit, due: Due, began: datetime, *, record_unsent: bool = True
    ) -> Sent:
        """``_send`` of a key claimed in the book; releases the claim, remembering the key
        as sent when a channel accepted it."""
        sent = Sent()
        try:
            sent = await self._send(visit, due, began, record_unsent=record_unsent)
        finally:
            self.runtime.due.release(due.key, sent=sent.accepted is not None)
        return sent

    async def _hand_to_timer(
        self, school_id: str, visit_id: str, due: Due, began: datetime
    ) -> None:
        """Wake the visit's timer to send ``due`` itself (the sweeper covers a gone timer):
        a message (one per attempt: a second failure of the same rung wakes it again),
        and the in-process wake-up even if the message could not be written."""
        workflow_id = visit_workflow_id(school_id, visit_id)
        try:
            await DBOS.send_async(
                workflow_id,
                "look",
                CHECK_IN_TOPIC,
                idempotency_key=f"fast:{due.key}:{began.isoformat()}",
            )
        except Exception as exc:  # no such timer (the sweeper escalates), or a busy database
            log.warning("engine.fast_path_handover", visit=visit_id, error=type(exc).__name__)
        wake_waiter(workflow_id, CHECK_IN_TOPIC)

    async def _watch_with_children(self, school_id: str, visit_id: str) -> str:
        """The timer as it ran before ``TIMER_SENDS``: a ``plan`` step and one child
        workflow per escalation. Only timers started before that change replay it."""
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
            wait = self._wait(plan.wake_at)
            await DBOS.recv_async(CHECK_IN_TOPIC, timeout_seconds=wait)

    @DBOS.step(**RETRY_STORE)
    async def plan(self, school_id: str, visit_id: str) -> VisitPlan | None:
        """Read the visit and its records and decide what is due (the old timer's step)."""
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
        """One pass through the rung's channels (``_send``), unless staff are back."""
        runtime = self.runtime
        began = runtime.clock()
        visit = await runtime.visit(school_id, visit_id)
        if visit.state in (VisitState.RETURNED, VisitState.CLOSED):
            return Sent(skipped=True)
        return await self._send(visit, due, began)

    async def _send(
        self, visit: Visit, due: Due, began: datetime, *, record_unsent: bool = True
    ) -> Sent:
        """Offer the message to each channel in order until one accepts (a failure or
        timeout moves on at once), then show the board and record the ESCALATED event
        (once per key) in one transaction; with ``record_unsent=False``, only when a
        channel accepted."""
        runtime = self.runtime
        hooks = runtime.hooks(visit.school_id)
        deadline = due.deadline
        rung = rung_of(hooks.pack, deadline)
        channels = hooks.resolve_channel_order(visit=visit, rung=rung)
        results: list[ChannelResult] = []
        for channel in channels:
            result = await self._offer(visit, due, channel)
            results.append(result)
            if result.ok:
                break
        accepted = any(r.ok for r in results)
        if accepted or record_unsent:
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
            async with asyncio.timeout(runtime.config.channel_timeout_s):
                await hooks.send_notification(
                    notification=notification,
                    idempotency_key=channel_attempt_key(due.key, channel),
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
        await self._sound_failing(school_id, visit_id, due)
        return not acknowledged_since(await runtime.day(school_id, visit_id), due)

    async def _sound_failing(self, school_id: str, visit_id: str, due: Due) -> None:
        await self.runtime.show(
            school_id,
            visit_id,
            Board.CHANNELS_FAILING,
            rung=due.deadline.rung,
            detail="every channel of this escalation failed; still trying",
        )

    # --- the overdue sweeper ------------------------------------------------------------

    @DBOS.workflow(max_recovery_attempts=MAX_RECOVERY_ATTEMPTS)
    async def sweep(self, tick: str) -> int:
        """Start the timer of every visit out without one, escalate what is past due for
        visits whose timer is gone, and nudge a live timer that is late."""
        found = await self.find_overdue()
        for school_id, visit_id in found.watch:
            self.runtime.started.add(visit_workflow_id(school_id, visit_id))
            with SetWorkflowID(visit_workflow_id(school_id, visit_id)):
                await DBOS.start_workflow_async(self.watch_visit, school_id, visit_id)
        for school_id, visit_id, due in found.escalate:
            await self._start_escalation(school_id, visit_id, due)
        for school_id, visit_id, key in found.nudge:
            await DBOS.send_async(
                visit_workflow_id(school_id, visit_id),
                "look",
                CHECK_IN_TOPIC,
                idempotency_key=f"nudge:{key}",
            )
            wake_waiter(visit_workflow_id(school_id, visit_id), CHECK_IN_TOPIC)
        return len(found.escalate)

    @DBOS.step(**RETRY_STORE)
    async def find_overdue(self) -> Overdue:
        """Read every school's visits that are out and work out what is due now.

        An escalation due and not yet recorded is the timer's while the timer runs
        (nudged once per key when it is ``NUDGE_AFTER_S`` late); for a visit whose timer is gone it
        becomes an ``escalate:{key}`` workflow, unless that exists already. A quiet
        tick writes nothing.
        """
        runtime = self.runtime
        now = runtime.clock()
        late = now - timedelta(seconds=runtime.config.time_scale * self._nudge_after_s())
        watch: list[tuple[str, str]] = []
        waiting: list[tuple[str, str, Due]] = []
        for school in await runtime.io(runtime.store.list_schools):
            try:
                pack = runtime.hooks(school.id).pack
            except Exception as exc:  # a school that cannot start is reported by the doctor
                log.error("engine.school_skipped", school=school.id, error=type(exc).__name__)
                continue
            out = await runtime.io(runtime.out_now, school.id, OUT_STATES)
            escalated = {found.visit.id: found.escalated for found in out}
            pairs = [(found.visit, on_the_day(found)) for found in out]
            for visit, due_now in runtime.due_now(pack, pairs, now):
                if visit_workflow_id(school.id, visit.id) not in runtime.started:
                    watch.append((school.id, visit.id))
                waiting += [
                    (school.id, visit.id, due)
                    for due in due_now
                    if due.key not in escalated[visit.id]
                ]
            runtime.forget_plans(school.id, (visit.id for visit, _day in pairs))
        known = await existing_workflows([visit_workflow_id(s, v) for s, v in watch])
        runtime.started.update(known)
        timers = await workflow_statuses(sorted({visit_workflow_id(s, v) for s, v, _ in waiting}))
        nudge: dict[tuple[str, str], str] = {}
        escalate: list[tuple[str, str, Due]] = []
        for school_id, visit_id, due in waiting:
            status = timers.get(visit_workflow_id(school_id, visit_id))
            if status is None:
                continue  # no timer yet: it is started now and sends at its first wake
            if status in LIVE:
                if due.deadline.at <= late:
                    nudge.setdefault((school_id, visit_id), due.key)
            elif due.workflow_id not in runtime.started:
                escalate.append((school_id, visit_id, due))
        started = await existing_workflows([due.workflow_id for _s, _v, due in escalate])
        runtime.started.update(started)
        return Overdue(
            watch=tuple((s, v) for s, v in watch if visit_workflow_id(s, v) not in known),
            escalate=tuple(item for item in escalate if item[2].workflow_id not in started),
            nudge=tuple((s, v, key) for (s, v), key in sorted(nudge.items())),
        )

    def _nudge_after_s(self) -> float:
        """Real seconds an escalation may be late before the sweeper nudges its timer."""
        return max(NUDGE_AFTER_S, 2 * self.runtime.config.sweep_interval_s)

    # --- given-up timers (R-11) ---------------------------------------------------------

    @DBOS.workflow()
    async def resumed(self, workflow_id: str) -> str:
        """The durable marker that ``workflow_id`` (a given-up visit timer) was resumed."""
        return workflow_id

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


def acknowledged_since(day: OnTheDay, due: Due) -> bool:
    """Whether someone acknowledged after the escalation's situation began."""
    since = due.deadline.started_at
    return any(ack.at >= since for ack in day.acknowledgements)


async def workflow_statuses(workflow_ids: list[str]) -> dict[str, str]:
    """The DBOS status of each of ``workflow_ids`` that exists."""
    if not workflow_ids:
        return {}
    found = await DBOS.list_workflows_async(
        workflow_ids=workflow_ids, load_input=False, load_output=False
    )
    return {status.workflow_id: status.status for status in found}


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
