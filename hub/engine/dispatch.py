"""The fast path: escalations sent the moment they fall due, many at once.

Every visit's safety timer is a durable DBOS workflow, and each of its wakes costs
several system-database writes. When a thousand deadlines fall within seconds, a
single SQLite writer cannot checkpoint a thousand timers fast enough, and the last
escalations would leave many seconds late. So the engine also keeps, **in memory**,
when each visit watched by this process next has something due (the ``DueBook``),
and one task (the ``Dispatcher``) wakes at those moments and sends what is due for
every visit falling due together, without a checkpoint: the escalation is recorded
in the store (once per key) and the channel drops a repeat by its idempotency key.

Nothing here is durable, and nothing needs to be: the timers stay the guarantee.
While the dispatcher runs, a timer sleeps ``timer_backstop_s`` past each deadline;
it then finds the escalation recorded and only plans its next wake. If the process
died, or the dispatcher could not send (every channel failed, or it failed itself),
the timer sends it, with its own retries; the sweeper still watches the timers.

The book is fed by the timers' workflow code after every wake, live or replayed
(recovered workflows run on DBOS's own event-loop thread, so it is thread-safe), and
by the dispatcher's own plans.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import threading
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

import structlog

log = structlog.get_logger(__name__)

VisitKey = tuple[str, str]
"""(school id, visit id)."""

FIRE_AT_ONCE = 512
"""How many visits the dispatcher handles at the same time (store calls queue behind
``Runtime.io``'s slots; channels answer concurrently)."""

RETRY_S = 1.0
"""Real seconds before a visit whose firing failed is fired again."""

SENT_REMEMBERED = 20_000
"""How many accepted escalation keys the book remembers (oldest forgotten first)."""

COMPACT_SLACK = 256
"""Moved or forgotten entries stay in the heap until they reach its top; past twice the
live entries plus this many, the heap is rebuilt from the live ones."""

IDLE_WAIT_S = 60.0
"""How long the dispatcher sleeps with nothing in the book (a new entry wakes it)."""


class DueBook:
    """When each visit next has something due, in memory and thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._at: dict[VisitKey, datetime] = {}
        self._heap: list[tuple[datetime, str, str]] = []
        self._listeners: list[Callable[[], None]] = []
        self._sending: set[str] = set()
        self._sent: dict[str, None] = {}

    def __len__(self) -> int:
        with self._lock:
            return len(self._at)

    def listen(self, wake: Callable[[], None]) -> None:
        """Call ``wake`` (from any thread) whenever the earliest moment moves earlier."""
        with self._lock:
            self._listeners.append(wake)

    def unlisten(self, wake: Callable[[], None]) -> None:
        with self._lock:
            if wake in self._listeners:
                self._listeners.remove(wake)

    def note(
        self, school_id: str, visit_id: str, at: datetime | None, *, earlier_only: bool = False
    ) -> None:
        """The visit next has something due ``at`` (None: nothing more; forget it).

        ``earlier_only`` keeps a moment already booked when it is earlier (the
        dispatcher's plan, made before a send that took a while, must not push back a
        moment the timer booked since).
        """
        key = (school_id, visit_id)
        with self._lock:
            if at is None:
                self._at.pop(key, None)
                return
            booked = self._at.get(key)
            if booked == at or (earlier_only and booked is not None and booked < at):
                return
            earliest = self._heap[0][0] if self._heap else None
            self._at[key] = at
            heapq.heappush(self._heap, (at, school_id, visit_id))
            if len(self._heap) > 2 * len(self._at) + COMPACT_SLACK:
                self._heap = [(when, s, v) for (s, v), when in self._at.items()]
                heapq.heapify(self._heap)
            listeners = list(self._listeners) if earliest is None or at < earliest else []
        for wake in listeners:
            wake()

    def next_at(self) -> datetime | None:
        """The earliest moment something is due, or None."""
        with self._lock:
            self._drop_stale()
            return self._heap[0][0] if self._heap else None

    def take_due(self, now: datetime) -> list[VisitKey]:
        """Remove and return every visit with something due by ``now``."""
        taken: list[VisitKey] = []
        with self._lock:
            while self._heap:
                self._drop_stale()
                if not self._heap or self._heap[0][0] > now:
                    break
                _at, school_id, visit_id = heapq.heappop(self._heap)
                del self._at[(school_id, visit_id)]
                taken.append((school_id, visit_id))
        return taken

    def claim(self, escalation_key: str) -> bool:
        """Claim sending ``escalation_key`` in this process; False while another sender
        holds it, or once a channel accepted it here (a sender that read the records
        before the other recorded it must not send it again)."""
        with self._lock:
            if escalation_key in self._sending or escalation_key in self._sent:
                return False
            self._sending.add(escalation_key)
            return True

    def was_sent(self, escalation_key: str) -> bool:
        """Whether a channel accepted ``escalation_key`` in this process."""
        with self._lock:
            return escalation_key in self._sent

    def release(self, escalation_key: str, *, sent: bool) -> None:
        """Let go of a claim: ``sent`` when a channel accepted (it is never claimed again
        in this process), else it may be claimed again (the timer's retries)."""
        with self._lock:
            self._sending.discard(escalation_key)
            if sent:
                self._sent[escalation_key] = None
                if len(self._sent) > SENT_REMEMBERED:
                    del self._sent[next(iter(self._sent))]

    def _drop_stale(self) -> None:
        """Pop heap entries the book no longer holds (moved or forgotten)."""
        while self._heap:
            at, school_id, visit_id = self._heap[0]
            if self._at.get((school_id, visit_id)) == at:
                return
            heapq.heappop(self._heap)


Fire = Callable[[str, str], Awaitable[datetime | None]]
"""Sends what is due for one visit now; returns when it next has something due."""


class Dispatcher:
    """One task: sleep until the book's earliest moment, then fire every visit due.

    Each visit fired is its own task, so one slow channel (up to ``channel_timeout_s``
    per channel) never holds up visits falling due after it; store calls still take
    turns through ``Runtime.io``. A visit whose firing failed is booked again
    ``RETRY_S`` later (its timer also sends after its backstop).
    """

    def __init__(
        self,
        book: DueBook,
        fire: Fire,
        *,
        clock: Callable[[], datetime],
        real_seconds: Callable[[float], float],
    ) -> None:
        self.book = book
        self._fire = fire
        self._clock = clock
        self._real_seconds = real_seconds
        self._changed = asyncio.Event()
        self._loop = asyncio.get_running_loop()
        self._slots = asyncio.Semaphore(FIRE_AT_ONCE)
        self._firing: set[asyncio.Task[None]] = set()
        self.fired = 0
        """Visits fired since start (for tests and logs)."""

    def _wake(self) -> None:
        self._loop.call_soon_threadsafe(self._changed.set)

    async def run(self) -> None:
        """Fire visits as they fall due until cancelled (an error is logged, never fatal)."""
        self.book.listen(self._wake)
        try:
            while True:
                self._changed.clear()
                try:
                    await self._sleep_until(self.book.next_at())
                    for school_id, visit_id in self.book.take_due(self._clock()):
                        task = asyncio.create_task(self._one(school_id, visit_id))
                        self._firing.add(task)
                        task.add_done_callback(self._firing.discard)
                except Exception as exc:  # never let the fast path die: wait, then go on
                    log.error("engine.fast_path_error", error=type(exc).__name__)
                    await asyncio.sleep(RETRY_S)
        finally:
            self.book.unlisten(self._wake)
            for task in list(self._firing):
                task.cancel()
            await asyncio.gather(*self._firing, return_exceptions=True)

    async def _sleep_until(self, at: datetime | None) -> None:
        wait = IDLE_WAIT_S
        if at is not None:
            wait = min(wait, self._real_seconds((at - self._clock()).total_seconds()))
        if wait <= 0:
            return
        # asyncio.timeout, not wait_for: on Python 3.11 wait_for swallows a cancellation
        # that arrives as the event is set, and stop() would wait on the task for ever.
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(wait):
                await self._changed.wait()

    async def _one(self, school_id: str, visit_id: str) -> None:
        async with self._slots:
            try:
                at = await self._fire(school_id, visit_id)
            except Exception as exc:  # try again soon; the timer sends it after its backstop
                log.warning("engine.fast_path_failed", visit=visit_id, error=type(exc).__name__)
                retry = timedelta(seconds=RETRY_S / self._real_seconds(1.0))
                self.book.note(school_id, visit_id, self._clock() + retry, earlier_only=True)
                return
            self.fired += 1
            if at is not None:
                self.book.note(school_id, visit_id, at, earlier_only=True)
