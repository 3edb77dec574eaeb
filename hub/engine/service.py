"""``Engine``: the durable engine's front door.

One ``Engine`` per hub process (DBOS is a process-wide singleton)::

    engine = Engine(engine_config(settings), store=store, hooks_for=hooks_factory)
    async with engine:                       # lock, launch DBOS, recover, start the ticker
        receipt = await engine.check_in("st-michaels", check_in)
        await engine.acknowledge("st-michaels", acknowledgement)
        await engine.record_note("st-michaels", note)   # note + outbox, one transaction

A check-in or an acknowledgement is stored first, through the pure workflow step, in
one transaction; a message wakes the visit's safety workflow only when it must (the
next deadline moved earlier, duress, staff back). The ticker runs the overdue
sweeper and drains the delivery outbox every ``sweep_interval_s``.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import time
from collections.abc import Callable
from datetime import UTC, datetime
from types import TracebackType
from typing import Self

import structlog
from dbos import DBOS, SetWorkflowID

from hub.engine import deliveries, revive
from hub.engine.config import EngineConfig
from hub.engine.dbos_glue import (
    cancel_running_workflows,
    destroy_dbos,
    forget_instance,
    launch_dbos,
    wake_waiter,
)
from hub.engine.dispatch import Dispatcher
from hub.engine.lock import ProcessLock
from hub.engine.plan import BACK, wake_needed
from hub.engine.records import Board, BoardState, Delivery, DeliveryStatus
from hub.engine.runtime import HooksFor, Runtime, UnknownVisitError, on_the_day, scaled_clock
from hub.engine.workflows import (
    CHECK_IN_TOPIC,
    OUT_STATES,
    SafetyWorkflows,
    sweep_workflow_id,
    visit_workflow_id,
)
from hub.errors import DoorstepError, UserError
from hub.models import Acknowledgement, CheckIn, DomainModel, UtcDateTime, Visit, VisitNote
from hub.store import StaleVisitError, Store
from hub.store.escalations import PlanningRecords
from hub.store.steps import VisitStep
from hub.workflow import OnTheDay, acknowledge, due_time, record_check_in

log = structlog.get_logger(__name__)

SAVE_RETRIES = 5
"""How often a check-in is re-applied when another write changed the visit meanwhile."""


class EngineNotRunningError(DoorstepError):
    """The engine was used before ``start()`` or after ``stop()``."""


class CheckInReceipt(DomainModel):
    """What staff see after checking in. A duress check-in gets exactly the same."""

    check_in_id: str
    visit_id: str
    received_at: UtcDateTime
    next_check_in_by: UtcDateTime | None


class Engine:
    """Runs safety timers, escalations, the sweeper and deliveries on DBOS."""

    def __init__(
        self,
        config: EngineConfig,
        *,
        store: Store,
        hooks_for: HooksFor,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.config = config
        self.runtime = Runtime(
            config=config, store=store, hooks_for=hooks_for, clock=clock or scaled_clock(config)
        )
        self._lock = ProcessLock(config.lock_path) if config.lock_path else None
        self._workflows: SafetyWorkflows | None = None
        self._ticker: asyncio.Task[None] | None = None
        self._dispatching: asyncio.Task[None] | None = None
        self.dispatcher: Dispatcher | None = None
        """The fast path, while the engine runs with it (``hub.engine.dispatch``)."""

    # --- life cycle ---------------------------------------------------------------------

    async def start(self, *, ticker: bool = True) -> None:
        """Take the single-process lock (SQLite), launch DBOS and recover pending work.

        ``ticker=False`` leaves the sweeper and the outbox to explicit ``sweep()`` and
        ``drain_outbox()`` calls (tests that control every step).
        """
        if self._lock is not None:
            self._lock.acquire()
        fast = ticker and self.config.fast_path
        self.runtime.backstop_s = self.config.timer_backstop_s if fast else 0.0
        launched_ms = int(time.time() * 1000) - 1
        try:
            self._workflows = SafetyWorkflows(self.runtime)
            launch_dbos(self.config)
        except BaseException:
            self._release()
            raise
        if fast:  # at once: recovered timers sleep their backstop past what fell due meanwhile
            self._start_fast_path()
        pending = await DBOS.list_workflows_async(
            status=["PENDING", "ENQUEUED"], load_input=False, load_output=False
        )
        self.runtime.started.update(status.workflow_id for status in pending)
        log.info("engine.started", version=self.config.application_version, resumed=len(pending))
        mine = [s.workflow_id for s in pending if s.executor_id == self.config.executor_id]
        await revive.settle(mine, launched_ms, revive.SETTLE_TIMEOUT_S)
        await self._revive_timers()
        if ticker:
            self._ticker = asyncio.create_task(self._tick_forever(), name="doorstep-ticker")

    def _start_fast_path(self) -> None:
        runtime = self.runtime
        dispatcher = Dispatcher(
            runtime.due,
            self.workflows.send_due_now,
            clock=runtime.clock,
            real_seconds=runtime.real_seconds,
        )
        task = asyncio.create_task(dispatcher.run(), name="doorstep-fast-path")

        def ended(done: asyncio.Task[None]) -> None:
            if done.cancelled() or self._dispatching is not done:
                return
            # It never ends on its own; if it did, timers must not wait for it.
            runtime.backstop_s = 0.0
            log.error("engine.fast_path_ended", error=type(done.exception()).__name__)

        task.add_done_callback(ended)
        self.dispatcher, self._dispatching = dispatcher, task

    async def stop(self) -> None:
        """Stop the ticker and DBOS at once.

        Running workflows are cancelled between or inside steps and stay PENDING;
        the next start resumes each from its last checkpoint. A step cut off halfway
        runs again, with the same idempotency key, so nothing is lost or doubled.
        """
        for task in (self._ticker, self._dispatching):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        self._ticker = self._dispatching = None
        self.dispatcher = None
        if self._workflows is not None:
            await cancel_running_workflows()
            await asyncio.to_thread(destroy_dbos)
        self._release()
        log.info("engine.stopped")

    def _release(self) -> None:
        if self._workflows is not None:
            forget_instance(self._workflows)
            self._workflows = None
        if self._lock is not None and self._lock.held:
            self._lock.release()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    @property
    def workflows(self) -> SafetyWorkflows:
        """The registered workflows (``EngineNotRunningError`` when stopped)."""
        if self._workflows is None:
            raise EngineNotRunningError("the engine is not running: call start() first")
        return self._workflows

    # --- visits -------------------------------------------------------------------------

    async def watch(self, school_id: str, visit_id: str) -> str:
        """Start the visit's safety workflow (once; later calls find the same one)."""
        workflow_id = visit_workflow_id(school_id, visit_id)
        if workflow_id not in self.runtime.started:
            with SetWorkflowID(workflow_id):
                await DBOS.start_workflow_async(self.workflows.watch_visit, school_id, visit_id)
            self.runtime.started.add(workflow_id)
        return workflow_id

    async def check_in(self, school_id: str, check_in: CheckIn) -> CheckInReceipt:
        """Record a check-in (one store transaction) and wake the visit's timer if it must.

        A duress check-in takes exactly the same path and gets exactly the same
        answer; the deadline calculator turns it into the duress escalation, which is
        due at once, so the timer is woken. A check-in that only moves the next
        deadline later sends nothing: the timer wakes at the old one and plans again.
        """
        runtime = self.runtime
        now = runtime.clock()
        pack = runtime.hooks(school_id).pack

        def step_for(found: PlanningRecords) -> VisitStep:
            transition = record_check_in(found.visit, check_in, now)
            return VisitStep(
                visit=transition.visit, events=transition.events, check_ins=(check_in,)
            )

        found, visit = await self._save(
            school_id,
            lambda: _read_and_save(
                runtime.store, school_id, check_in.visit_id, now, step_for, SAVE_RETRIES
            ),
        )
        before = on_the_day(found)
        others = tuple(c for c in before.check_ins if c.id != check_in.id)
        after = before.model_copy(update={"check_ins": (*others, check_in)})
        if visit.state in BACK:
            await runtime.show(school_id, visit.id, Board.CLEAR)
        if wake_needed(pack, (found.visit, before), (visit, after), now):
            await self._wake(school_id, visit.id, key=f"check-in:{check_in.id}")
        else:
            await self.watch(school_id, visit.id)
        plain = check_in.model_copy(update={"duress": False})
        return CheckInReceipt(
            check_in_id=check_in.id,
            visit_id=visit.id,
            received_at=now,
            next_check_in_by=None if visit.state in BACK else due_time(visit, plain.at, pack).at,
        )

    async def acknowledge(self, school_id: str, acknowledgement: Acknowledgement) -> None:
        """A person takes responsibility for a rung: store it (one transaction), tell the
        board, and wake the visit's timer only if that brings a deadline forward (the
        timer reads the acknowledgement when it next wakes; the ladder stops there)."""
        runtime = self.runtime
        now = runtime.clock()
        pack = runtime.hooks(school_id).pack

        def stored() -> Saved:
            actor = runtime.store.get_staff(school_id, acknowledgement.by)
            if actor is None:
                raise UserError(f"school {school_id} has no member of staff {acknowledgement.by}")

            def step_for(found: PlanningRecords) -> VisitStep:
                transition = acknowledge(found.visit, pack, actor, acknowledgement, now)
                return VisitStep(
                    visit=transition.visit,
                    events=transition.events,
                    acknowledgements=(acknowledgement,),
                )

            return _read_and_save(
                runtime.store, school_id, acknowledgement.visit_id, now, step_for, 1
            )

        found, visit = await self._save(school_id, stored)
        await runtime.show(school_id, visit.id, Board.ACKNOWLEDGED, rung=acknowledgement.rung)
        before = on_the_day(found)
        after = before.model_copy(
            update={"acknowledgements": (*before.acknowledgements, acknowledgement)}
        )
        if wake_needed(pack, (found.visit, before), (visit, after), now):
            await self._wake(school_id, visit.id, key=f"ack:{visit.id}:{acknowledgement.rung}")

    async def _save(
        self, school_id: str, stored: Callable[[], Saved]
    ) -> tuple[PlanningRecords, Visit]:
        """Run ``stored`` (blocking: reads the visit, decides its step and saves it) in
        one worker thread, one hop off the event loop rather than one per store call;
        then hand the step's events to the observers without writing them again."""
        runtime = self.runtime
        found, step, seqs = await runtime.io(stored)
        await runtime.announce(school_id, step.events, seqs)
        return found, step.visit

    async def _wake(self, school_id: str, visit_id: str, *, key: str) -> None:
        workflow_id = visit_workflow_id(school_id, visit_id)
        if workflow_id not in self.runtime.started:
            await self.watch(school_id, visit_id)  # its first wake reads every record
            return
        await DBOS.send_async(workflow_id, "look", CHECK_IN_TOPIC, idempotency_key=key)
        wake_waiter(workflow_id, CHECK_IN_TOPIC)

    async def board(self, school_id: str) -> list[BoardState]:
        """The school's board states (overdue, duress, exhausted...)."""
        return await self.runtime.io(self.runtime.store.board_states, school_id)

    async def day(self, school_id: str, visit_id: str) -> OnTheDay:
        """What is recorded about a visit while staff are out."""
        return await self.runtime.day(school_id, visit_id)

    # --- deliveries ---------------------------------------------------------------------

    async def record_note(self, school_id: str, note: VisitNote) -> tuple[Delivery, ...]:
        """Save a visit note and enqueue its deliveries atomically; start them soon."""
        runtime = self.runtime
        pack = runtime.hooks(school_id).pack
        planned = deliveries.deliveries_for(school_id, note, pack, runtime.clock())
        await runtime.io(runtime.store.save_note_with_deliveries, school_id, note, planned)
        await self.drain_outbox()
        return planned

    async def drain_outbox(self) -> int:
        """Start the delivery workflow of every pending delivery; returns how many started.

        A row is marked ``started`` before its workflow starts, and rows already
        ``started`` are started again when this process has not seen their workflow
        (after a crash between the two): the workflow id makes that harmless.
        """
        runtime = self.runtime
        store = runtime.store
        waiting = await runtime.io(
            store.deliveries, statuses=[DeliveryStatus.PENDING, DeliveryStatus.STARTED]
        )
        count = 0
        for delivery in waiting:
            if delivery.workflow_id in runtime.started:
                continue
            if delivery.status is DeliveryStatus.PENDING:
                started = delivery.model_copy(
                    update={"status": DeliveryStatus.STARTED, "updated_at": runtime.clock()}
                )
                await runtime.io(store.save_delivery, started)
            runtime.started.add(delivery.workflow_id)
            with SetWorkflowID(delivery.workflow_id):
                await DBOS.start_workflow_async(
                    self.workflows.deliver, delivery.school_id, delivery.key
                )
            count += 1
        return count

    # --- the sweeper ----------------------------------------------------------------------

    async def sweep(self, at: datetime | None = None) -> int:
        """Run the overdue sweeper for the tick containing ``at`` (default: now).

        Returns how many escalations it started. Every replica asking for the same
        tick gets the one run.
        """
        interval = self.config.sweep_interval_s
        moment = (at or datetime.now(UTC)).timestamp()
        tick = datetime.fromtimestamp(math.floor(moment / interval) * interval, UTC)
        with SetWorkflowID(sweep_workflow_id(tick)):
            handle = await DBOS.start_workflow_async(self.workflows.sweep, tick.isoformat())
        return await handle.get_result()

    async def _revive_timers(self) -> list[str]:
        """Resume visit timers DBOS gave up for another workflow's crashes (R-11)."""
        workflows = self.workflows

        async def still_out(school_id: str, visit_id: str) -> bool:
            visit = await self.runtime.io(self.runtime.store.get_visit, school_id, visit_id)
            return visit is not None and visit.state in OUT_STATES

        async def mark(workflow_id: str) -> None:
            await revive.mark_with(workflows.resumed, workflow_id)

        revived = await revive.revive_timers(still_out, mark)
        self.runtime.started.update(revived)
        return revived

    async def _tick_forever(self) -> None:
        while True:
            await asyncio.sleep(self.config.sweep_interval_s)
            try:
                await self._revive_timers()
                await self.sweep()
                await self.drain_outbox()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # keep ticking; the next tick tries again
                log.error("engine.tick_failed", error=type(exc).__name__)

    # --- guard rails ----------------------------------------------------------------------

    async def dead_workflows(self) -> list[str]:
        """Workflows given up after crashing the process ``max_recovery_attempts`` times."""
        found = await DBOS.list_workflows_async(
            status="MAX_RECOVERY_ATTEMPTS_EXCEEDED", load_input=False, load_output=False
        )
        return [status.workflow_id for status in found]


Saved = tuple[PlanningRecords, VisitStep, list[int]]
"""What a visit's step was decided from, the step, and its events' numbers."""


def _read_and_save(
    store: Store,
    school_id: str,
    visit_id: str,
    now: datetime,
    step_for: Callable[[PlanningRecords], VisitStep],
    attempts: int,
) -> Saved:
    """Read the visit with the records planning at ``now`` needs, decide its step and
    save it in one transaction (blocking). A step the visit changed under meanwhile
    (``StaleVisitError``) is decided again from a fresh read, ``attempts`` in all."""
    attempt = 1
    while True:
        found = store.planning_records(school_id, visit_id, now)
        if found is None:
            raise UnknownVisitError(f"school {school_id} holds no visit {visit_id}")
        step = step_for(found)
        try:
            return found, step, store.save_step(step)
        except StaleVisitError:
            if attempt >= attempts:
                raise
            attempt += 1
