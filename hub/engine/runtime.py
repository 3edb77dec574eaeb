"""What the durable workflows work with: the store, each school's hooks and the clock.

The workflows never hold these themselves; they reach them through the ``Runtime``
the ``Engine`` built, inside steps. Store calls are blocking, so they run in worker
threads (``io``) and a thousand timers falling due together do not stall the loop.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import ParamSpec, TypeVar

from hub.engine.config import EngineConfig
from hub.engine.dispatch import DueBook
from hub.engine.plan import Due, VisitPlan, board_for, moves_after, plan_visit, replaces
from hub.engine.records import Board, BoardState
from hub.errors import UserError
from hub.hooks.manager import Hooks
from hub.models import Visit, VisitEvent, VisitState
from hub.policy import PolicyPack
from hub.store import Store
from hub.store.escalations import PlanningRecords, VisitRecords
from hub.store.steps import VisitStep
from hub.workflow import OnTheDay, Transition, record_escalation

P = ParamSpec("P")
T = TypeVar("T")

IO_SLOTS = 12
"""How many blocking store calls run at once (below the store's pool of 15 connections)."""

HooksFor = Callable[[str], Hooks]
"""Builds one school's hooks (``hub.schools.hooks_for_school`` in production)."""


def on_the_day(found: VisitRecords | PlanningRecords) -> OnTheDay:
    """What the workflow rules need of a visit's records (all of them, or only those
    planning reads: ``Store.planning_records``)."""
    return OnTheDay(
        check_ins=found.check_ins,
        reports=found.reports,
        acknowledgements=found.acknowledgements,
    )


@dataclass(frozen=True)
class _Planned:
    """The sweeper's last plan of one visit and what it was computed from."""

    pack: PolicyPack
    visit: Visit
    day: OnTheDay
    plan: VisitPlan

    def still(self, pack: PolicyPack, visit: Visit, day: OnTheDay, now: datetime) -> bool:
        """Whether planning again at ``now`` would find the same escalations due."""
        then = self.plan.now
        if pack is not self.pack or now < then or visit != self.visit or day != self.day:
            return False
        if self.plan.wake_at is not None and now >= self.plan.wake_at:
            return False
        dated = [c.at for c in day.check_ins] + [r.at for r in day.reports]
        return all(at <= then for at in dated + [a.at for a in day.acknowledgements])


class UnknownVisitError(UserError):
    """The school holds no such visit."""


def utc_now() -> datetime:
    """The wall clock, in UTC."""
    return datetime.now(UTC)


def scaled_clock(config: EngineConfig) -> Callable[[], datetime]:
    """The engine's clock: the wall clock, or policy time running ``time_scale`` times
    faster from ``clock_anchor`` (the same in every process, so restarts agree)."""
    if config.time_scale == 1.0:
        return utc_now
    anchor, scale = config.clock_anchor, config.time_scale

    def now() -> datetime:
        return anchor + (datetime.now(UTC) - anchor) * scale

    return now


@dataclass
class Runtime:
    """The engine's resources, shared by every workflow of this process."""

    config: EngineConfig
    store: Store
    hooks_for: HooksFor
    clock: Callable[[], datetime] = utc_now
    _hooks: dict[str, Hooks] = field(default_factory=dict)
    _io_slots: asyncio.Semaphore = field(default_factory=lambda: asyncio.Semaphore(IO_SLOTS))
    started: set[str] = field(default_factory=set)
    """Workflow ids this process started or saw running (a cache, never the truth)."""
    _plans: dict[tuple[str, str], _Planned] = field(default_factory=dict)
    due: DueBook = field(default_factory=DueBook)
    """When each visit this process watches next has something due (the fast path's book)."""
    backstop_s: float = 0.0
    """Real seconds a timer sleeps past a deadline: the fast path sends first (0: no fast
    path runs, the timer sends at the deadline)."""

    def real_seconds(self, policy_seconds: float) -> float:
        """How long to really wait for ``policy_seconds`` of the engine's clock."""
        return policy_seconds / self.config.time_scale

    def hooks(self, school_id: str) -> Hooks:
        """The school's hooks, built once per process."""
        found = self._hooks.get(school_id)
        if found is None:
            found = self._hooks[school_id] = self.hooks_for(school_id)
        return found

    async def io(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """Run a blocking call (the store) in a worker thread, a few at a time.

        A thousand timers falling due together would otherwise start a thousand
        threads queueing for a handful of pooled connections (and SQLite's one
        writer), and the last in the queue would wait many seconds; taking turns
        first come, first served keeps every wait short.
        """
        async with self._io_slots:
            return await asyncio.to_thread(fn, *args, **kwargs)

    def due_now(
        self, pack: PolicyPack, visits: Iterable[tuple[Visit, OnTheDay]], now: datetime
    ) -> list[tuple[Visit, tuple[Due, ...]]]:
        """What is due by ``now`` for each of one school's visits out (``plan_visit``).

        The sweeper asks every tick about every visit out. A visit whose record is
        unchanged since the last tick, with no record dated after that tick and no
        deadline passed since, has the same escalations due: its last plan is reused.
        Plans of visits no longer out are dropped.
        """
        answers: list[tuple[Visit, tuple[Due, ...]]] = []
        for visit, day in visits:
            key = (visit.school_id, visit.id)
            last = self._plans.get(key)
            if last is None or not last.still(pack, visit, day, now):
                last = _Planned(pack, visit, day, plan_visit(visit, pack, day, now))
            self._plans[key] = last
            answers.append((visit, last.plan.due))
        return answers

    def forget_plans(self, school_id: str, keep: Iterable[str]) -> None:
        """Drop the sweeper's plans of the school's visits not in ``keep``."""
        kept = set(keep)
        for key in [k for k in self._plans if k[0] == school_id and k[1] not in kept]:
            del self._plans[key]

    async def visit(self, school_id: str, visit_id: str) -> Visit:
        """The visit, or ``UnknownVisitError``."""
        found = await self.io(self.store.get_visit, school_id, visit_id)
        if found is None:
            raise UnknownVisitError(f"school {school_id} holds no visit {visit_id}")
        return found

    async def situation(self, school_id: str, visit_id: str) -> tuple[Visit | None, OnTheDay]:
        """The visit (None when unknown) and its records, read in one transaction."""
        found = await self.io(self.store.visit_records, school_id, visit_id)
        if found is None:
            return None, OnTheDay()
        return found.visit, on_the_day(found)

    async def records(self, school_id: str, visit_id: str) -> VisitRecords | None:
        """The visit with its records and recorded escalations (one read), or None."""
        return await self.io(self.store.visit_records, school_id, visit_id)

    def out_now(self, school_id: str, states: Iterable[VisitState]) -> list[VisitRecords]:
        """Every visit of the school in ``states`` with its records (blocking: use ``io``)."""
        return self.store.visits_out(school_id, states)

    async def day(self, school_id: str, visit_id: str) -> OnTheDay:
        """Everything recorded about the visit while staff are out."""
        return await self.io(self._day, school_id, visit_id)

    def _day(self, school_id: str, visit_id: str) -> OnTheDay:
        found = self.store.visit_records(school_id, visit_id)
        return on_the_day(found) if found is not None else OnTheDay()

    async def escalated(
        self, visit: Visit, due: Due, channels: tuple[str, ...], *, began: datetime
    ) -> None:
        """Record that the escalation ``due`` ran on ``channels``: the board and the
        ESCALATED event in one transaction (the event once per key, whatever the round),
        then hand the event to the observers without writing it again."""
        deadline = due.deadline
        transition = record_escalation(
            visit, deadline, max(self.clock(), deadline.at), channels=channels
        )
        board = BoardState(
            school_id=visit.school_id,
            visit_id=visit.id,
            state=board_for(deadline),
            since=self.clock(),
            rung=deadline.rung,
        )
        events = transition.events
        seqs = await self.io(
            self.store.save_escalation,
            visit,
            due.key,
            events,
            board,
            lambda current: moves_after(current, board.state, began),
        )
        if seqs is None:
            return
        await self.announce(visit.school_id, events, seqs)

    async def announce(
        self, school_id: str, events: Sequence[VisitEvent], seqs: Sequence[int]
    ) -> None:
        """Hand events saved with numbers ``seqs`` to the observers (the audit plugin)
        without writing them again."""
        hooks = self.hooks(school_id)
        with self.store.recorded(events, seqs):
            for event in events:
                await hooks.on_visit_event(event=event)

    async def save_step(self, step: VisitStep) -> Visit:
        """Save a workflow step whole (visit, records, events) in one transaction, then
        hand its events to the observers without writing them again."""
        seqs = await self.io(self.store.save_step, step)
        await self.announce(step.visit.school_id, step.events, seqs)
        return step.visit

    async def apply(self, transition: Transition) -> Visit:
        """Save the visit, then hand its events to the observers (the audit plugin)."""
        visit = transition.visit
        await self.io(self.store.save_visit, visit)
        hooks = self.hooks(visit.school_id)
        for event in transition.events:
            await hooks.on_visit_event(event=event)
        return visit

    async def show(
        self,
        school_id: str,
        visit_id: str,
        state: Board,
        *,
        rung: int | None = None,
        detail: str = "",
    ) -> bool:
        """Put ``state`` on the board unless a louder state must stay; True if shown."""
        return await self.io(self._show, school_id, visit_id, state, rung, detail)

    def _show(
        self, school_id: str, visit_id: str, state: Board, rung: int | None, detail: str
    ) -> bool:
        current = self.store.board_state(school_id, visit_id)
        if not replaces(current, state):
            return False
        if current is not None and current.state is state and current.rung == rung:
            return True
        self.store.set_board_state(
            BoardState(
                school_id=school_id,
                visit_id=visit_id,
                state=state,
                since=self.clock(),
                rung=rung,
                detail=detail,
            )
        )
        return True
