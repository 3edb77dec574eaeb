"""The visit safety workflow end to end, in process, on a fast clock (a minute a second)."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from dbos import DBOS, WorkflowHandleAsync

from hub.engine.records import Board
from hub.engine.service import Engine
from hub.engine.workflows import visit_workflow_id
from hub.models import Acknowledgement, CheckInKind, StaffRole, VisitEventKind
from hub.store import Store
from tests.hub.engine.harness import OFFICE_ID, check_in, scheduled_visit, wall_time
from tests.hub.engine.ledger import LedgerChannel, LedgerRow, read_ledger, refusals


async def eventually(test: Callable[[], bool], timeout: float = 15.0) -> bool:
    """Whether ``test()`` holds within ``timeout`` seconds (polling, never sleeping long)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if test():
            return True
        await asyncio.sleep(0.05)
    return test()


async def rows_when(path: Path, count: int, timeout: float = 15.0) -> list[LedgerRow]:
    await eventually(lambda: len(read_ledger(path)) >= count, timeout)
    return read_ledger(path)


async def depart(engine: Engine, store: Store, visit_id: str, ends_in_minutes: int = 1) -> None:
    visit = scheduled_visit(engine.config, visit_id, ends_in=timedelta(minutes=ends_in_minutes))
    store.save_visit(visit)
    await engine.check_in(visit.school_id, check_in(engine, visit.id, CheckInKind.DEPARTED))


async def test_overdue_visit_escalates_rung_one_once_on_time(
    engine: Engine, store: Store, ledger: LedgerChannel
) -> None:
    await depart(engine, store, "v-1")
    visit = store.get_visit("st-michaels", "v-1")
    assert visit is not None
    rows = await rows_when(ledger.path, 1)
    assert [row.channel for row in rows] == ["sms"]
    assert ":overdue:" in rows[0].key
    assert rows[0].key.endswith(":1:sms")
    assert set(rows[0].staff_ids) == {"s-1", "s-2"}
    due = visit.planned_end + timedelta(minutes=1)
    assert 0 <= rows[0].accepted_at - wall_time(engine.config, due) < 2.0
    await eventually(
        lambda: any(e.kind is VisitEventKind.ESCALATED for e in store.events("st-michaels", "v-1"))
    )
    escalated = [
        e for e in store.events("st-michaels", "v-1") if e.kind is VisitEventKind.ESCALATED
    ]
    assert len(escalated) == 1
    assert escalated[0].data["channels"] == "sms"
    board = store.board_state("st-michaels", "v-1")
    assert board is not None
    assert board.state is Board.ESCALATED
    assert board.rung == 1


async def test_a_failing_channel_falls_back_to_the_next_at_once(
    engine: Engine, store: Store, ledger: LedgerChannel
) -> None:
    ledger.failing.add("sms")
    await depart(engine, store, "v-2")
    rows = await rows_when(ledger.path, 1)
    assert [row.channel for row in rows] == ["email"]
    refused = [r for r in refusals(ledger.path) if r[1].endswith(":1:sms")]
    assert len(refused) == 1
    assert rows[0].accepted_at - refused[0][2] < 1.0


async def test_a_hanging_channel_times_out_and_falls_back(
    engine: Engine, store: Store, ledger: LedgerChannel
) -> None:
    ledger.hanging.add("sms")
    await depart(engine, store, "v-3")
    rows = await rows_when(ledger.path, 1)
    assert [row.channel for row in rows] == ["email"]


async def test_an_acknowledgement_stops_the_ladder(
    engine: Engine, store: Store, ledger: LedgerChannel
) -> None:
    await depart(engine, store, "v-4")
    await rows_when(ledger.path, 1)
    ack = Acknowledgement(visit_id="v-4", rung=1, by=OFFICE_ID, at=engine.runtime.clock())
    await engine.acknowledge("st-michaels", ack)
    board = store.board_state("st-michaels", "v-4")
    assert board is not None
    assert board.state is Board.ACKNOWLEDGED
    await asyncio.sleep(3.0)  # a whole acknowledgement window (2 policy minutes) passes
    assert len(read_ledger(ledger.path)) == 1


async def test_an_unacknowledged_ladder_is_exhausted_and_stays_loud(
    engine: Engine, store: Store, ledger: LedgerChannel
) -> None:
    await depart(engine, store, "v-5")
    assert await eventually(
        lambda: any(":ladder_exhausted:" in row.key for row in read_ledger(ledger.path)),
        timeout=20,
    )
    keys = [row.key for row in read_ledger(ledger.path)]
    rungs = [key.split(":")[-2] for key in keys if ":overdue:" in key]
    assert rungs == ["1", "2", "3", "4"]
    alert = next(row for row in read_ledger(ledger.path) if ":ladder_exhausted:" in row.key)
    assert set(alert.roles) >= {StaffRole.SENIOR_LEADER.value, StaffRole.HEADTEACHER.value}
    await eventually(
        lambda: getattr(store.board_state("st-michaels", "v-5"), "state", None) is Board.EXHAUSTED,
        timeout=2,
    )
    board = store.board_state("st-michaels", "v-5")
    assert board is not None
    assert board.state is Board.EXHAUSTED
    assert board.state.loud


async def test_duress_escalates_at_once_silently_and_answers_like_a_normal_check_in(
    engine: Engine, store: Store, ledger: LedgerChannel
) -> None:
    first = scheduled_visit(engine.config, "v-6", ends_in=timedelta(minutes=30))
    for visit in (first, first.model_copy(update={"id": "v-7"})):
        store.save_visit(visit)
        await engine.check_in("st-michaels", check_in(engine, visit.id, CheckInKind.DEPARTED))
    normal = await engine.check_in("st-michaels", check_in(engine, "v-6", CheckInKind.ARRIVED, n=2))
    sent = time.time()
    duress = await engine.check_in(
        "st-michaels", check_in(engine, "v-7", CheckInKind.ARRIVED, n=2, duress=True)
    )
    assert normal.model_dump(exclude={"check_in_id", "visit_id", "received_at"}) == (
        duress.model_dump(exclude={"check_in_id", "visit_id", "received_at"})
    )
    assert set(type(normal).model_fields) == set(type(duress).model_fields)
    rows = await rows_when(ledger.path, 1, timeout=5)
    assert len(rows) == 1
    assert ":duress:" in rows[0].key
    assert rows[0].visit_id == "v-7"
    assert rows[0].silent
    assert rows[0].staff_ids == ()
    assert rows[0].accepted_at - sent < 2.0
    # The board is written once the channels have answered, just after the ledger row.
    await eventually(lambda: store.board_state("st-michaels", "v-7") is not None, timeout=2)
    board = store.board_state("st-michaels", "v-7")
    assert board is not None
    assert board.state is Board.DURESS


def messages(tmp_path: Path) -> int:
    """How many messages were sent to workflows (DBOS's notifications)."""
    with sqlite3.connect(tmp_path / "doorstep-engine.db") as db:
        return int(db.execute("SELECT count(*) FROM notifications").fetchone()[0])


async def test_a_check_in_that_brings_nothing_forward_sends_no_message_and_the_timer_keeps_time(
    engine: Engine, store: Store, ledger: LedgerChannel, tmp_path: Path
) -> None:
    await depart(engine, store, "v-9")
    visit = store.get_visit("st-michaels", "v-9")
    assert visit is not None
    await engine.check_in("st-michaels", check_in(engine, "v-9", CheckInKind.ARRIVED, n=2))
    assert messages(tmp_path) == 0  # the departure started the timer; the arrival woke nothing
    rows = await rows_when(ledger.path, 1)
    due = wall_time(engine.config, visit.planned_end + timedelta(minutes=1))
    assert [row.visit_id for row in rows] == ["v-9"]
    assert abs(rows[0].accepted_at - due) < 1.0


async def test_a_duress_check_in_wakes_the_timer_with_a_message(
    engine: Engine, store: Store, ledger: LedgerChannel, tmp_path: Path
) -> None:
    await depart(engine, store, "v-10", ends_in_minutes=30)
    await engine.check_in(
        "st-michaels", check_in(engine, "v-10", CheckInKind.ARRIVED, n=2, duress=True)
    )
    assert messages(tmp_path) == 1
    rows = await rows_when(ledger.path, 1, timeout=5)
    assert ":duress:" in rows[0].key


def waiting(tmp_path: Path, workflow_id: str) -> bool:
    """Whether the workflow has begun its ``recv`` (DBOS records the recv's sleep first)."""
    with sqlite3.connect(tmp_path / "doorstep-engine.db") as db:
        found = db.execute(
            "SELECT count(*) FROM operation_outputs"
            " WHERE workflow_uuid = ? AND function_name = 'DBOS.sleep'",
            (workflow_id,),
        ).fetchone()[0]
    return int(found) > 0


async def test_a_message_wakes_a_timer_already_waiting_at_once(
    engine: Engine, store: Store, ledger: LedgerChannel, tmp_path: Path
) -> None:
    """The check-in's message wakes a timer of this process in its ``recv`` at once,
    not at SQLite's next notification poll (30 s)."""
    await depart(engine, store, "v-11", ends_in_minutes=30)
    workflow_id = visit_workflow_id("st-michaels", "v-11")
    until = time.time() + 5
    while not waiting(tmp_path, workflow_id) and time.time() < until:
        await asyncio.sleep(0.05)
    assert waiting(tmp_path, workflow_id), "the timer never reached its recv"
    await asyncio.sleep(0.2)  # well inside the recv's wait
    sent = time.time()
    await engine.check_in(
        "st-michaels", check_in(engine, "v-11", CheckInKind.ARRIVED, n=2, duress=True)
    )
    rows = await rows_when(ledger.path, 1, timeout=5)
    assert [row.visit_id for row in rows] == ["v-11"]
    assert rows[0].accepted_at - sent < 2.0


async def test_returning_ends_the_timer_without_escalating(
    engine: Engine, store: Store, ledger: LedgerChannel
) -> None:
    await depart(engine, store, "v-8", ends_in_minutes=2)
    await engine.check_in("st-michaels", check_in(engine, "v-8", CheckInKind.RETURNED, n=2))
    handle: WorkflowHandleAsync[str] = await DBOS.retrieve_workflow_async(
        visit_workflow_id("st-michaels", "v-8")
    )
    assert await asyncio.wait_for(handle.get_result(), timeout=5) == "back"
    await asyncio.sleep(4.0)  # past the planned end and the grace period
    assert read_ledger(ledger.path) == []
