"""Running the roll sync for one school: pull through its hooks, plan, hold or write.

``run_sync`` pulls the roll (or, after a successful run, only the pupils changed since
its high-water mark) through the school's ``Hooks``, plans against the store's cache,
stops for confirmation when the mass-change hold trips, fetches contacts and
attendance with bounded concurrency, and writes everything plus the run record in
one transaction. An adapter error records a failed run (counts and the error's type
only) and propagates; nothing else is written. ``sync_school`` builds the school's
hooks from settings and is what the CLI and the durable engine's scheduled syncs call.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TypeVar, cast

import structlog

from hub.errors import DoorstepError, NotFoundError
from hub.hooks.manager import Hooks
from hub.hooks.types import AttendanceSummary
from hub.models import Contact, Pupil
from hub.schools import hooks_for_school
from hub.settings import HubSettings
from hub.store import Store, StoreError
from hub.sync.plan import (
    DEFAULT_HOLD_SHARE,
    Hold,
    PupilPlan,
    Rejection,
    attendance_window,
    check_contacts,
    mass_change_hold,
    plan_pupils,
)
from hub.sync.progress import NoProgress, SyncProgress
from hub.sync.records import SyncCounts, SyncMode, SyncRun, SyncStatus

log = structlog.get_logger(__name__)

T = TypeVar("T")
R = TypeVar("R")

SINCE_OVERLAP = timedelta(minutes=5)
"""The high-water mark is the run's start less this, so a skewed MIS clock loses nothing."""

DEFAULT_CONCURRENCY = 8
"""Contact and attendance reads in flight at once."""


@dataclass(frozen=True)
class SyncOptions:
    """How one sync runs."""

    full: bool = False
    """Pull the whole roll even after a successful run; the only way to see leavers."""
    confirm: bool = False
    """Apply a sync the mass-change hold would stop."""
    hold_share: float = DEFAULT_HOLD_SHARE
    """Hold a sync removing or rewriting more than this share of the roll."""
    concurrency: int = DEFAULT_CONCURRENCY
    contacts: bool = True
    """Refresh the contacts of every pulled pupil (all, or the changed ones when incremental)."""
    attendance: bool = True
    """Refresh attendance summaries over the pack's referral window, likewise."""


@dataclass(frozen=True)
class SyncReport:
    """What one sync did, or why it stopped."""

    school_id: str
    mode: SyncMode
    since: datetime | None
    counts: SyncCounts
    seconds: float
    held: Hold | None = None
    rejected: tuple[Rejection, ...] = ()
    run: SyncRun | None = None

    def summary(self) -> str:
        """One line of counts for the administrator."""
        c = self.counts
        head = f"{self.school_id}: {self.mode.value} sync"
        if self.held is not None:
            return f"{head} {self.held.explain()}"
        return (
            f"{head}: {c.pulled} pulled, {c.added} added, {c.changed} changed, "
            f"{c.removed} removed, {c.rejected} rejected; {c.contacts} contacts, "
            f"{c.attendance} attendance; {c.calls} calls to the MIS in {self.seconds:.1f} s"
        )


async def run_sync(
    hooks: Hooks,
    store: Store,
    *,
    now: datetime,
    options: SyncOptions = SyncOptions(),
    progress: SyncProgress | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> SyncReport:
    """Sync one school's pupils, contacts and attendance from its MIS into ``store``.

    ``now`` is when the run starts (aware UTC): it names the run and sets its
    high-water mark. Returns a held report (nothing written) when the mass-change hold
    trips without ``options.confirm``. Raises the adapter's error after recording a
    failed run.
    """
    job = _Job(hooks, store, options, progress or NoProgress(), now, clock)
    try:
        return await job.run()
    except DoorstepError as exc:
        job.record_failure(exc)
        raise
    finally:
        job.progress.close()


async def sync_school(
    settings: HubSettings,
    school_id: str,
    *,
    store: Store,
    now: datetime,
    options: SyncOptions | None = None,
    progress: SyncProgress | None = None,
) -> SyncReport:
    """Sync a configured school: the entry point of ``doorstep sync`` and scheduled syncs.

    Without ``options`` it runs as a scheduled sync would: incremental after a
    successful run, never confirming a hold, with the hold share from settings. A
    held report is an outcome, not an error: a scheduler should alert an administrator.
    """
    hooks = hooks_for_school(settings, school_id, recorder=store)
    chosen = options or SyncOptions(hold_share=hold_share_from(settings))
    return await run_sync(hooks, store, now=now, options=chosen, progress=progress)


def hold_share_from(settings: HubSettings) -> float:
    """The hold share from settings (``sync_hold_share``, default 10 %)."""
    return settings.sync_hold_share


@dataclass
class _Job:
    hooks: Hooks
    store: Store
    options: SyncOptions
    progress: SyncProgress
    now: datetime
    clock: Callable[[], float]
    began: float = 0.0
    since: datetime | None = None
    counts: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.began = self.clock()
        self.school_id = self.hooks.school.id
        last = None if self.options.full else self.store.last_sync_run(self.school_id)
        self.since = last.high_water_mark if last is not None else None
        self.mode = SyncMode.FULL if self.since is None else SyncMode.INCREMENTAL
        self.run_id = f"{self.now:%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:8]}"
        self.calls = 0

    async def run(self) -> SyncReport:
        log.info("sync.started", school=self.school_id, mode=self.mode.value)
        self.progress.stage("pupils", None)
        pulled = await self._call(self.hooks.pull_pupils(since=self.since))
        self.progress.advance(len(pulled))
        plan, roll = self._plan(pulled)
        hold = mass_change_hold(plan, roll=roll, limit=self.options.hold_share)
        if hold is not None and not self.options.confirm:
            log.warning("sync.held", school=self.school_id, removed=hold.removed, roll=roll)
            return self._report(plan, len(pulled), held=hold)
        refresh = self._kept(pulled)  # an incremental pull holds only what changed
        contacts, contact_rejections = await self._contacts(refresh)
        attendance, attendance_rejections = await self._attendance(refresh)
        rejected = plan.rejected + contact_rejections + attendance_rejections
        counts = self._counts(plan, len(pulled), rejected, contacts, attendance)
        run = self._run_record(SyncStatus.SUCCEEDED, counts)
        self.store.save_school(self.hooks.school)
        self.store.apply_sync(
            run,
            added=plan.added,
            changed=plan.changed,
            removed=plan.removed,
            contacts=contacts,
            attendance=attendance,
        )
        log.info("sync.finished", school=self.school_id, **counts.model_dump())
        return self._report(plan, len(pulled), rejected=rejected, counts=counts, run=run)

    def record_failure(self, exc: DoorstepError) -> None:
        """Keep a failed run's record (type of error, counts so far); never mask ``exc``."""
        log.warning("sync.failed", school=self.school_id, error=type(exc).__name__)
        if isinstance(exc, StoreError):
            return
        run = self._run_record(SyncStatus.FAILED, SyncCounts(calls=self.calls))
        try:
            self.store.save_school(self.hooks.school)
            self.store.save_sync_run(run.model_copy(update={"error": type(exc).__name__}))
        except StoreError:
            log.warning("sync.failure_not_recorded", school=self.school_id)

    # --- stages -------------------------------------------------------------------------

    def _plan(self, pulled: list[Pupil]) -> tuple[PupilPlan, int]:
        if self.mode is SyncMode.FULL:
            cached = self.store.cached_pupils(self.school_id)
            roll = len(cached)
        else:
            cached = self.store.cached_pupils(self.school_id, ids=[p.id for p in pulled])
            roll = self.store.count_pupils(self.school_id)
        full = self.mode is SyncMode.FULL
        return plan_pupils(self.school_id, cached, pulled, full=full), roll

    def _kept(self, pulled: list[Pupil]) -> tuple[Pupil, ...]:
        kept: dict[str, Pupil] = {}
        for pupil in pulled:
            if pupil.school_id == self.school_id:
                kept.setdefault(pupil.id, pupil)
        return tuple(kept.values())

    async def _contacts(
        self, pupils: Sequence[Pupil]
    ) -> tuple[dict[str, list[Contact]], tuple[Rejection, ...]]:
        if not self.options.contacts:
            return {}, ()
        self.progress.stage("contacts", len(pupils))

        async def fetch(pupil: Pupil) -> list[Contact] | Rejection:
            try:
                return await self._call(self.hooks.pull_contacts(pupil_id=pupil.id))
            except NotFoundError:
                return Rejection(pupil.id, "contacts", "the MIS no longer knows the pupil")

        found: dict[str, list[Contact]] = {}
        rejected: list[Rejection] = []
        results = await bounded_map(pupils, fetch, self.options.concurrency, self.progress)
        for pupil, result in zip(pupils, results, strict=True):
            if isinstance(result, Rejection):
                rejected.append(result)
                continue
            found[pupil.id], refused = check_contacts(pupil.id, result)
            rejected += refused
        return found, tuple(rejected)

    async def _attendance(
        self, pupils: Sequence[Pupil]
    ) -> tuple[list[AttendanceSummary], tuple[Rejection, ...]]:
        if not self.options.attendance:
            return [], ()
        months = self.hooks.pack.attendance.window_months
        since, until = attendance_window(self.now.date(), months)
        self.progress.stage("attendance", len(pupils))

        async def fetch(pupil: Pupil) -> AttendanceSummary | Rejection | None:
            call = self.hooks.pull_attendance(pupil_id=pupil.id, since=since, until=until)
            try:
                return await self._call(call)
            except NotFoundError:
                return Rejection(pupil.id, "attendance", "the MIS no longer knows the pupil")

        results = await bounded_map(pupils, fetch, self.options.concurrency, self.progress)
        summaries: list[AttendanceSummary] = []
        rejected: list[Rejection] = []
        for pupil, result in zip(pupils, results, strict=True):
            if isinstance(result, Rejection):
                rejected.append(result)
            elif result is not None and result.pupil_id != pupil.id:
                rejected.append(Rejection(pupil.id, "attendance", "answered for another pupil"))
            elif result is not None:
                summaries.append(result)
        return summaries, tuple(rejected)

    # --- plumbing -----------------------------------------------------------------------

    async def _call(self, call: Awaitable[T]) -> T:
        self.calls += 1
        return await call

    def _counts(
        self,
        plan: PupilPlan,
        pulled: int,
        rejected: Sequence[Rejection],
        contacts: dict[str, list[Contact]],
        attendance: Sequence[AttendanceSummary],
    ) -> SyncCounts:
        return SyncCounts(
            pulled=pulled,
            added=len(plan.added),
            changed=len(plan.changed),
            removed=len(plan.removed),
            unchanged=plan.unchanged,
            rejected=len(rejected),
            contacts=sum(len(listed) for listed in contacts.values()),
            attendance=len(attendance),
            calls=self.calls,
        )

    def _run_record(self, status: SyncStatus, counts: SyncCounts) -> SyncRun:
        succeeded = status is SyncStatus.SUCCEEDED
        return SyncRun(
            school_id=self.school_id,
            id=self.run_id,
            mode=self.mode,
            status=status,
            started_at=self.now,
            finished_at=self.now + timedelta(seconds=self.clock() - self.began),
            since=self.since,
            high_water_mark=self.now - SINCE_OVERLAP if succeeded else None,
            counts=counts,
        )

    def _report(
        self,
        plan: PupilPlan,
        pulled: int,
        *,
        held: Hold | None = None,
        rejected: Sequence[Rejection] = (),
        counts: SyncCounts | None = None,
        run: SyncRun | None = None,
    ) -> SyncReport:
        if counts is None:
            counts = self._counts(plan, pulled, plan.rejected, {}, ())
        return SyncReport(
            school_id=self.school_id,
            mode=self.mode,
            since=self.since,
            counts=counts,
            seconds=self.clock() - self.began,
            held=held,
            rejected=tuple(rejected) or plan.rejected,
            run=run,
        )


async def bounded_map(
    items: Sequence[T],
    fetch: Callable[[T], Awaitable[R]],
    limit: int,
    progress: SyncProgress | None = None,
) -> list[R]:
    """``fetch`` every item with at most ``limit`` in flight; results in item order.

    A fixed pool of workers takes items in turn, so 20,000 pupils never become 20,000
    tasks. The first failure cancels the rest and is raised as itself.
    """
    results: list[R | None] = [None] * len(items)
    queue = iter(enumerate(items))

    async def worker() -> None:
        for index, item in queue:
            results[index] = await fetch(item)
            if progress is not None:
                progress.advance()

    try:
        async with asyncio.TaskGroup() as group:
            for _ in range(min(max(limit, 1), len(items))):
                group.create_task(worker())
    except BaseExceptionGroup as grouped:
        raise grouped.exceptions[0] from None
    return cast(list[R], results)  # every slot is filled once no worker failed
