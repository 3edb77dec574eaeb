"""The overdue sweeper (R-07): it catches a lost timer, and with the timer (and the fast
path) alive each rung still runs once."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from dbos import DBOS

from hub.engine.service import Engine
from hub.engine.workflows import visit_workflow_id
from hub.models import CheckInKind, VisitEventKind
from hub.policy import PolicyPack
from hub.store import Store
from tests.hub.engine.harness import check_in, make_engine, scheduled_visit, wall_time
from tests.hub.engine.ledger import LedgerChannel, read_ledger
from tests.hub.engine.test_safety import eventually


async def test_a_cancelled_timer_is_caught_by_the_sweeper_within_two_intervals(
    tmp_path: Path, store: Store, pack: PolicyPack, ledger: LedgerChannel
) -> None:
    # Without the fast path, which would send from its in-memory book for a timer
    # cancelled after its first wake: this proves the sweeper alone.
    async with make_engine(tmp_path, store, pack, ledger, fast_path=False) as engine:
        await _cancelled_timer_is_caught(engine, store, ledger)


async def _cancelled_timer_is_caught(engine: Engine, store: Store, ledger: LedgerChannel) -> None:
    visit = scheduled_visit(engine.config, "v-1", ends_in=timedelta(minutes=1))
    store.save_visit(visit)
    await engine.check_in("st-michaels", check_in(engine, "v-1", CheckInKind.DEPARTED))
    await DBOS.cancel_workflow_async(visit_workflow_id("st-michaels", "v-1"))
    assert await eventually(lambda: len(read_ledger(ledger.path)) >= 1, timeout=10)
    row = read_ledger(ledger.path)[0]
    due = wall_time(engine.config, visit.planned_end + timedelta(minutes=1))
    assert row.accepted_at - due <= 2 * engine.config.sweep_interval_s + 0.5
    assert ":overdue:" in row.key


async def test_timer_sweeper_and_fast_path_together_run_each_rung_once(
    engine: Engine, store: Store, ledger: LedgerChannel
) -> None:
    for n in range(5):
        visit = scheduled_visit(engine.config, f"v-{n}", ends_in=timedelta(minutes=1))
        store.save_visit(visit)
        await engine.check_in("st-michaels", check_in(engine, visit.id, CheckInKind.DEPARTED))
    assert await eventually(
        lambda: sum(":overdue:" in r.key for r in read_ledger(ledger.path)) >= 10, timeout=15
    )
    for later in (100, 200, 300):  # extra sweeps of other ticks change nothing
        await engine.sweep(datetime.now(UTC) + timedelta(seconds=later))
    rungs = Counter((row.visit_id, row.key.split(":")[-2]) for row in read_ledger(ledger.path))
    assert all(count == 1 for count in rungs.values())
    for n in range(5):
        keys = Counter(
            e.data["key"]
            for e in store.events("st-michaels", f"v-{n}")
            if e.kind is VisitEventKind.ESCALATED
        )
        assert keys
        assert set(keys.values()) == {1}
