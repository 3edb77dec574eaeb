"""Deliveries: note and outbox saved together, retried durably, dead-lettered with a reason."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from hub.engine import deliveries
from hub.engine.records import Delivery, DeliveryPurpose, DeliveryStatus
from hub.engine.service import Engine
from hub.models import Agreement, VisitNote, VisitState
from hub.policy import PolicyPack
from hub.store import Store, StoreError
from tests.hub.engine.fake_records import FakeRecords
from tests.hub.engine.harness import make_engine, scheduled_visit
from tests.hub.engine.ledger import LedgerChannel


@pytest.fixture
def records() -> FakeRecords:
    return FakeRecords()


@pytest.fixture
async def engine(
    tmp_path: Path, store: Store, pack: PolicyPack, ledger: LedgerChannel, records: FakeRecords
) -> AsyncIterator[Engine]:
    running = make_engine(tmp_path, store, pack, ledger, ("fake_records", records))
    await running.start()
    try:
        yield running
    finally:
        await running.stop()


def note_for(engine: Engine, visit_id: str, *, version: int = 1) -> VisitNote:
    now = engine.runtime.clock()
    agreement = Agreement(
        id=f"{visit_id}-ag-1",
        visit_id=visit_id,
        pupil_id="p-1",
        action="Pupil at the gate by 08:40.",
        owner="parent",
        made_at=now,
    )
    return VisitNote(
        id=f"{visit_id}-note",
        visit_id=visit_id,
        pupil_id="p-1",
        written_by="s-1",
        written_at=now,
        discussion="Talked about Monday absences.",
        agreements=(agreement,),
        version=version,
    )


def returned_visit(engine: Engine, store: Store, visit_id: str) -> None:
    visit = scheduled_visit(engine.config, visit_id, ends_in=timedelta(minutes=5))
    store.save_visit(visit.model_copy(update={"state": VisitState.RETURNED}))


async def settled(store: Store, count: int, timeout: float = 10.0) -> list[Delivery]:
    finished = deliveries.FINISHED
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = store.deliveries("st-michaels")
        if len(found) >= count and all(d.status in finished for d in found):
            return found
        await asyncio.sleep(0.05)
    return store.deliveries("st-michaels")


async def test_a_note_and_its_agreement_are_delivered_once_each(
    engine: Engine, store: Store, records: FakeRecords
) -> None:
    returned_visit(engine, store, "v-1")
    planned = await engine.record_note("st-michaels", note_for(engine, "v-1"))
    assert [d.purpose for d in planned] == [DeliveryPurpose.VISIT_NOTE, DeliveryPurpose.AGREEMENT]
    assert planned[0].key == "st-michaels:v-1:visit_note:v-1-note:v1:mis"
    found = await settled(store, 2)
    assert {d.status for d in found} == {DeliveryStatus.DELIVERED}
    assert sorted(records.records) == sorted(d.key for d in planned)
    await engine.record_note("st-michaels", note_for(engine, "v-1"))  # saved again: same keys
    await asyncio.sleep(0.5)
    assert len(store.deliveries("st-michaels")) == 2
    assert len(records.records) == 2


async def test_transient_failures_are_retried_after_durable_pauses(
    engine: Engine, store: Store, records: FakeRecords
) -> None:
    records.fail_next = 3
    returned_visit(engine, store, "v-2")
    await engine.record_note("st-michaels", note_for(engine, "v-2"))
    found = await settled(store, 2)
    assert {d.status for d in found} == {DeliveryStatus.DELIVERED}
    assert len(records.records) == 2
    assert sum(d.attempts for d in found) == 2 + 3


async def test_a_rejected_delivery_is_dead_with_a_reason_and_can_be_retried(
    engine: Engine, store: Store, records: FakeRecords
) -> None:
    records.reject = True
    returned_visit(engine, store, "v-3")
    await engine.record_note("st-michaels", note_for(engine, "v-3"))
    dead = await settled(store, 2)
    assert {d.status for d in dead} == {DeliveryStatus.DEAD}
    assert all(d.reason == "RejectedError (status 422)" for d in dead)
    records.reject = False
    for delivery in dead:
        store.save_delivery(deliveries.retried(delivery, engine.runtime.clock()))
    await engine.drain_outbox()
    again = await settled(store, 2)
    assert {d.status for d in again} == {DeliveryStatus.DELIVERED}
    assert {d.round for d in again} == {1}


async def test_an_outage_longer_than_the_schedule_ends_in_the_dead_letters(
    engine: Engine, store: Store, records: FakeRecords
) -> None:
    records.fail_next = 1000
    returned_visit(engine, store, "v-4")
    await engine.record_note("st-michaels", note_for(engine, "v-4"))
    dead = await settled(store, 2)
    assert {d.status for d in dead} == {DeliveryStatus.DEAD}
    assert dead[0].reason.startswith("gave up after 4 attempts: TransientError (status 503)")


def test_note_and_outbox_are_saved_together_or_not_at_all(
    store: Store, pack: PolicyPack, tmp_path: Path
) -> None:
    engine = make_engine(tmp_path, store, pack, LedgerChannel(tmp_path / "l.db"))
    returned_visit(engine, store, "v-5")
    note = note_for(engine, "v-5")
    good = deliveries.deliveries_for("st-michaels", note, pack, engine.runtime.clock())
    stray = good[0].model_copy(update={"visit_id": "v-other", "key": "stray"})
    with pytest.raises(StoreError):
        store.save_note_with_deliveries("st-michaels", note, (*good, stray))
    assert store.notes("st-michaels", "v-5") == []
    assert store.deliveries("st-michaels") == []
    store.save_note_with_deliveries("st-michaels", note, good)
    assert len(store.notes("st-michaels", "v-5")) == 1
    assert [d.status for d in store.deliveries("st-michaels")] == [DeliveryStatus.PENDING] * 2
