"""The fast path's book and dispatcher: when each visit next has something due, and one
task firing every visit due together (``hub.engine.dispatch``)."""

from __future__ import annotations

import asyncio
import threading
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from hub.engine.dispatch import Dispatcher, DueBook
from hub.engine.records import Board
from hub.engine.service import Engine
from hub.models import CheckInKind, Visit, VisitEvent, VisitEventKind
from hub.policy import PolicyPack
from hub.store import Store
from tests.factories import T0
from tests.hub.engine.harness import check_in, make_engine, scheduled_visit, wall_time
from tests.hub.engine.ledger import LedgerChannel, refusals
from tests.hub.engine.test_safety import eventually, rows_when

S = "st-michaels"


def _at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def test_the_book_gives_visits_back_in_deadline_order_once() -> None:
    book = DueBook()
    book.note(S, "v-3", _at(3))
    book.note(S, "v-1", _at(1))
    book.note(S, "v-2", _at(2))

    assert book.next_at() == _at(1)
    assert book.take_due(_at(2)) == [(S, "v-1"), (S, "v-2")]
    assert book.take_due(_at(2)) == []
    assert book.next_at() == _at(3)
    assert len(book) == 1


def test_a_visit_moved_or_forgotten_keeps_only_its_latest_moment() -> None:
    book = DueBook()
    book.note(S, "v-1", _at(5))
    book.note(S, "v-1", _at(1))  # brought forward
    book.note(S, "v-2", _at(2))
    book.note(S, "v-2", _at(9))  # moved later
    book.note(S, "v-3", _at(3))
    book.note(S, "v-3", None)  # staff back: nothing more

    assert book.take_due(_at(4)) == [(S, "v-1")]
    assert book.next_at() == _at(9)
    assert book.take_due(_at(10)) == [(S, "v-2")]
    assert book.next_at() is None


def test_the_dispatchers_later_plan_does_not_push_back_an_earlier_booking() -> None:
    book = DueBook()
    book.note(S, "v-1", _at(5))  # the timer, after a duress check-in
    book.note(S, "v-1", _at(60), earlier_only=True)  # the dispatcher's older plan
    book.note(S, "v-2", _at(60), earlier_only=True)  # nothing booked: taken as it is

    assert book.take_due(_at(59)) == [(S, "v-1")]
    assert book.next_at() == _at(60)


def test_listeners_hear_only_when_the_earliest_moment_moves_earlier() -> None:
    book = DueBook()
    heard: list[int] = []
    book.listen(lambda: heard.append(1))
    book.note(S, "v-1", _at(5))
    book.note(S, "v-2", _at(7))  # later than the earliest: nothing to wake for
    book.note(S, "v-2", _at(1))
    book.note(S, "v-2", _at(1))  # unchanged

    assert len(heard) == 2


def test_an_escalation_is_claimed_by_one_sender_at_a_time_and_never_after_it_was_sent() -> None:
    book = DueBook()
    assert book.claim("k-1")
    assert not book.claim("k-1")
    assert book.claim("k-2")
    book.release("k-1", sent=False)  # no channel accepted: the timer may try again
    assert book.claim("k-1")
    book.release("k-1", sent=True)
    assert not book.claim("k-1")  # a sender that read the records too early
    book.release("k-2", sent=True)
    assert not book.claim("k-2")


class FakeFire:
    """Records each visit fired and answers the next moment from ``then``."""

    def __init__(self, then: dict[str, datetime | None], expect: int) -> None:
        self.then = then
        self.fired: list[str] = []
        self.expect = expect
        self.done = asyncio.Event()

    async def __call__(self, school_id: str, visit_id: str) -> datetime | None:
        self.fired.append(visit_id)
        if len(self.fired) >= self.expect:
            self.done.set()
        if visit_id == "v-broken":
            raise RuntimeError("the store is unreachable")
        return self.then.pop(visit_id, None)


async def _run_until(dispatcher: Dispatcher, fire: FakeFire) -> None:
    task = asyncio.create_task(dispatcher.run())
    try:
        await asyncio.wait_for(fire.done.wait(), timeout=10)
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task


def _dispatcher(book: DueBook, fire: FakeFire, now: datetime) -> Dispatcher:
    return Dispatcher(book, fire, clock=lambda: now, real_seconds=lambda s: s)


async def test_every_visit_due_is_fired_and_its_next_moment_booked() -> None:
    book = DueBook()
    for n in range(3):
        book.note(S, f"v-{n}", _at(n))
    book.note(S, "v-later", _at(3600))
    fire = FakeFire({"v-0": _at(600), "v-1": None}, expect=3)

    await _run_until(_dispatcher(book, fire, _at(10)), fire)

    assert sorted(fire.fired) == ["v-0", "v-1", "v-2"]
    assert book.take_due(_at(601)) == [(S, "v-0")]  # booked again; v-1 and v-2 not
    assert book.next_at() == _at(3600)


async def test_a_visit_that_fails_to_fire_does_not_stop_the_others() -> None:
    book = DueBook()
    book.note(S, "v-broken", _at(0))
    book.note(S, "v-1", _at(1))
    fire = FakeFire({}, expect=2)
    dispatcher = _dispatcher(book, fire, _at(5))

    await _run_until(dispatcher, fire)

    assert sorted(fire.fired) == ["v-1", "v-broken"]
    assert dispatcher.fired == 1
    assert book.take_due(_at(5)) == []
    assert book.take_due(_at(6)) == [(S, "v-broken")]  # fired again a second later


async def test_a_slow_visit_does_not_hold_up_one_falling_due_after_it() -> None:
    book = DueBook()
    stuck = asyncio.Event()  # never set: a channel that hangs
    fired: list[str] = []
    done = asyncio.Event()

    async def fire(school_id: str, visit_id: str) -> datetime | None:
        fired.append(visit_id)
        if visit_id == "v-slow":
            await stuck.wait()
        else:
            done.set()
        return None

    dispatcher = Dispatcher(book, fire, clock=lambda: _at(10), real_seconds=lambda s: s)
    task = asyncio.create_task(dispatcher.run())
    book.note(S, "v-slow", _at(0))
    while fired != ["v-slow"]:
        await asyncio.sleep(0)
    book.note(S, "v-next", _at(1))
    try:
        await asyncio.wait_for(done.wait(), timeout=10)
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    assert fired == ["v-slow", "v-next"]


async def test_a_note_from_another_thread_wakes_an_idle_dispatcher() -> None:
    book = DueBook()
    fire = FakeFire({}, expect=1)
    dispatcher = _dispatcher(book, fire, _at(0))
    task = asyncio.create_task(dispatcher.run())
    await asyncio.sleep(0)  # it is waiting: nothing in the book
    noting = threading.Thread(target=book.note, args=(S, "v-1", _at(0)))
    noting.start()
    try:
        await asyncio.wait_for(fire.done.wait(), timeout=10)
    finally:
        noting.join()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    assert fire.fired == ["v-1"]


# --- on the engine: the fast path sends, the timer is the backstop ----------------------


async def _depart(engine: Engine, store: Store, visit_id: str) -> Visit:
    visit = scheduled_visit(engine.config, visit_id, ends_in=timedelta(minutes=1))
    store.save_visit(visit)
    await engine.check_in(visit.school_id, check_in(engine, visit.id, CheckInKind.DEPARTED))
    return visit


def _board(store: Store, visit_id: str) -> Board | None:
    state = store.board_state(S, visit_id)
    return state.state if state is not None else None


def _escalations(store: Store, visit_id: str) -> list[VisitEvent]:
    events = store.events(S, visit_id)
    return [e for e in events if e.kind is VisitEventKind.ESCALATED]


@pytest.mark.parametrize("fast_path", [True, False], ids=["fast-path", "timer-alone"])
async def test_rung_one_leaves_on_time_from_the_fast_path_or_the_timer_alone(
    tmp_path: Path, store: Store, pack: PolicyPack, ledger: LedgerChannel, fast_path: bool
) -> None:
    # With the fast path the timer sleeps an hour past the deadline: on time means the
    # fast path sent it. Without it, the timer sends at the deadline itself.
    engine = make_engine(
        tmp_path, store, pack, ledger, fast_path=fast_path, timer_backstop_s=3600.0
    )
    async with engine:
        visit = await _depart(engine, store, "v-1")
        (row,) = await rows_when(ledger.path, 1)
        due = visit.planned_end + timedelta(minutes=1)
        assert 0 <= row.accepted_at - wall_time(engine.config, due) < 2.0
        assert await eventually(lambda: len(_escalations(store, "v-1")) == 1)
        assert (engine.dispatcher is not None) is fast_path
        assert engine.runtime.backstop_s == (3600.0 if fast_path else 0.0)


async def test_when_every_channel_fails_the_fast_path_hands_the_rung_to_the_timer_at_once(
    tmp_path: Path, store: Store, pack: PolicyPack, ledger: LedgerChannel
) -> None:
    ledger.failing.update(ledger.channels)
    engine = make_engine(tmp_path, store, pack, ledger, timer_backstop_s=3600.0)
    async with engine:
        await _depart(engine, store, "v-1")
        # The fast path tried sms once; the timer, woken at once, tries it again.
        assert await eventually(
            lambda: sum(channel == "sms" for channel, _k, _t in refusals(ledger.path)) >= 2
        )
        # Each failed pass records the rung (board: escalated), then sounds the failure.
        assert await eventually(lambda: _board(store, "v-1") is Board.CHANNELS_FAILING)
        ledger.failing.clear()
        (row,) = await rows_when(ledger.path, 1)

    assert row.key.endswith(":1:sms")
    assert len(_escalations(store, "v-1")) == 1


def test_a_visit_moved_many_times_leaves_the_book_small() -> None:
    book = DueBook()
    for n in range(2000):
        book.note(S, "v-1", _at(n))
    book.note(S, "v-2", _at(5000))

    assert len(book._heap) < 600
    assert book.take_due(_at(10_000)) == [(S, "v-1"), (S, "v-2")]
