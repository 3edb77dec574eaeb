"""The sync runner against in-memory and fake MIS backends, writing into a real store."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
import pytest

from hub.adapters.oneroster import OneRosterAdapter
from hub.adapters.oneroster.fake import FakeState as OneRosterState
from hub.adapters.oneroster.fake import create_app as oneroster_app
from hub.adapters.oneroster.settings import OneRosterSettings
from hub.adapters.wonde import WondeAdapter
from hub.adapters.wonde.fake import FakeState as WondeState
from hub.adapters.wonde.fake import create_app as wonde_app
from hub.adapters.wonde.settings import WondeSettings
from hub.demo.roster import DemoRoster
from hub.errors import TransientError
from hub.hooks.manager import Hooks, build_hooks
from hub.models import School
from hub.store import Store
from hub.sync.records import SyncMode, SyncStatus
from hub.sync.runner import SINCE_OVERLAP, SyncOptions, bounded_map, run_sync
from hub.testing import RecordingSleep
from tests import factories
from tests.factories import SCHOOL, T0

LATER = T0 + timedelta(days=1)


def hooks_with(school: School, name: str, adapter: object) -> Hooks:
    return build_hooks(school, pack=factories.pack(), entry_points=False, extra=[(name, adapter)])


@pytest.fixture
def roster() -> DemoRoster:
    return DemoRoster.generate(SCHOOL, pupils=25)


@pytest.fixture
def demo_hooks(school: School, roster: DemoRoster) -> Hooks:
    return hooks_with(school, "demo_roster", roster)


@pytest.fixture
def wonde_state() -> WondeState:
    return WondeState(pupils=12, page_size=5)


@pytest.fixture
async def wonde(wonde_state: WondeState) -> AsyncIterator[WondeAdapter]:
    settings = WondeSettings.model_validate(
        {"token": wonde_state.token, "school_id": wonde_state.school_id}
    )
    transport = httpx.ASGITransport(app=wonde_app(wonde_state))
    adapter = WondeAdapter(settings, transport=transport, sleep=RecordingSleep())
    yield adapter
    await adapter.stop()


async def test_a_first_sync_is_full_and_fills_the_cache(
    demo_hooks: Hooks, roster: DemoRoster, store: Store
) -> None:
    report = await run_sync(demo_hooks, store, now=T0)
    assert report.mode is SyncMode.FULL
    assert report.held is None
    assert (report.counts.pulled, report.counts.added, report.counts.contacts) == (25, 25, 25)
    assert store.cached_pupils(SCHOOL) == roster.pupils
    assert store.contacts_of(SCHOOL, "pupil-3") == roster.contacts["pupil-3"]
    run = store.last_sync_run(SCHOOL)
    assert run is not None
    assert run == report.run
    assert run.status is SyncStatus.SUCCEEDED
    assert run.high_water_mark == T0 - SINCE_OVERLAP
    assert report.counts.calls == 1 + 25 + 25  # roll, contacts, attendance (nobody holds it)


async def test_twelve_percent_removed_is_held_and_nothing_is_written(
    demo_hooks: Hooks, roster: DemoRoster, store: Store
) -> None:
    await run_sync(demo_hooks, store, now=T0)
    before = store.cached_pupils(SCHOOL)
    for pupil_id in ("pupil-2", "pupil-9", "pupil-20"):  # 3 of 25 = 12 %
        del roster.pupils[pupil_id]
    report = await run_sync(demo_hooks, store, now=LATER, options=SyncOptions(full=True))
    assert report.held is not None
    assert (report.held.removed, report.held.roll) == (3, 25)
    assert "--confirm" in report.summary()
    assert store.cached_pupils(SCHOOL) == before
    assert [r.started_at for r in store.sync_runs(SCHOOL)] == [T0]


@pytest.mark.parametrize(
    "options",
    [SyncOptions(full=True, confirm=True), SyncOptions(full=True, hold_share=0.15)],
    ids=["confirmed", "higher-share"],
)
async def test_confirmed_or_under_a_higher_share_the_leavers_are_removed(
    demo_hooks: Hooks, roster: DemoRoster, store: Store, options: SyncOptions
) -> None:
    await run_sync(demo_hooks, store, now=T0)
    for pupil_id in ("pupil-2", "pupil-9", "pupil-20"):
        del roster.pupils[pupil_id]
    report = await run_sync(demo_hooks, store, now=LATER, options=options)
    assert report.held is None
    assert report.counts.removed == 3
    assert set(store.cached_pupils(SCHOOL)) == set(roster.pupils)
    assert store.contacts_of(SCHOOL, "pupil-2") == []


async def test_rewriting_too_many_pupils_is_held_too(
    demo_hooks: Hooks, roster: DemoRoster, store: Store
) -> None:
    await run_sync(demo_hooks, store, now=T0)
    for pupil_id in ("pupil-1", "pupil-2", "pupil-3"):
        roster.pupils[pupil_id] = roster.pupils[pupil_id].model_copy(update={"year_group": "13"})
    report = await run_sync(demo_hooks, store, now=LATER)
    assert report.held is not None
    assert report.held.changed == 3
    assert store.cached_pupils(SCHOOL, ids=["pupil-1"])["pupil-1"].year_group != "13"


async def test_a_pupil_of_another_school_is_rejected_and_the_rest_kept(
    school: School, roster: DemoRoster, store: Store
) -> None:
    stranger = factories.pupil("pupil-x", school_id="other-school")
    roster.pupils[stranger.id] = stranger
    report = await run_sync(hooks_with(school, "demo_roster", roster), store, now=T0)
    assert report.counts.rejected == 1
    assert report.counts.added == 25
    assert [str(r) for r in report.rejected] == [
        "pupil of pupil pupil-x: belongs to another school"
    ]
    assert "pupil-x" not in store.cached_pupils(SCHOOL)


async def test_incremental_asks_wonde_for_changes_after_the_high_water_mark(
    school: School, wonde: WondeAdapter, wonde_state: WondeState, store: Store
) -> None:
    hooks = hooks_with(school, "wonde", wonde)
    first = await run_sync(hooks, store, now=T0)
    assert first.mode is SyncMode.FULL
    assert first.counts.added == 12
    assert first.counts.attendance == 12
    assert first.counts.contacts > 0
    touched = sorted(wonde_state.students)[:2]
    wonde_state.touch(touched, at=T0 + timedelta(hours=1))
    wonde_state.requests.clear()
    second = await run_sync(hooks, store, now=T0 + timedelta(hours=2))
    assert second.mode is SyncMode.INCREMENTAL
    assert second.since == T0 - SINCE_OVERLAP
    listing = [r for r in wonde_state.requests if r.path.endswith("/students")]
    assert listing[0].params["updated_after"] == "2026-11-23 08:55:00"
    assert second.counts.pulled == 2
    assert second.counts.calls == 1 + 2 + 2  # contacts and attendance of the two only


async def test_full_ignores_the_high_water_mark(
    school: School, wonde: WondeAdapter, wonde_state: WondeState, store: Store
) -> None:
    hooks = hooks_with(school, "wonde", wonde)
    await run_sync(hooks, store, now=T0)
    wonde_state.requests.clear()
    report = await run_sync(hooks, store, now=LATER, options=SyncOptions(full=True))
    assert report.mode is SyncMode.FULL
    assert report.since is None
    assert report.counts.unchanged == 12
    listing = [r for r in wonde_state.requests if r.path.endswith("/students")]
    assert all("updated_after" not in r.params for r in listing)


async def test_an_adapter_error_records_a_failed_run_and_writes_nothing(
    school: School, wonde: WondeAdapter, wonde_state: WondeState, store: Store
) -> None:
    wonde_state.fail_next(status=503, times=20)
    with pytest.raises(TransientError):
        await run_sync(hooks_with(school, "wonde", wonde), store, now=T0)
    assert store.cached_pupils(SCHOOL) == {}
    assert store.last_sync_run(SCHOOL) is None
    failed = store.last_sync_run(SCHOOL, status=None)
    assert failed is not None
    assert failed.status is SyncStatus.FAILED
    assert failed.error == "TransientError"
    assert failed.high_water_mark is None


async def test_oneroster_roll_and_guardians_reach_the_store(school: School, store: Store) -> None:
    state = OneRosterState(pupils=10, page_size=3)
    settings = OneRosterSettings.model_validate(
        {
            "base_url": "https://oneroster.test/ims/oneroster/rostering/v1p2",
            "token_url": "https://oneroster.test/oauth/token",
            "client_id": state.client_id,
            "client_secret": state.client_secret,
            "school_sourced_id": "org-school-1",
        }
    )
    transport = httpx.ASGITransport(app=oneroster_app(state))
    adapter = OneRosterAdapter(settings, transport=transport, sleep=RecordingSleep())
    try:
        report = await run_sync(hooks_with(school, "oneroster", adapter), store, now=T0)
    finally:
        await adapter.stop()
    assert report.counts.added == len(state.pupil_ids()) == 10
    assert set(store.cached_pupils(SCHOOL)) == set(state.pupil_ids())
    first = state.pupil_ids()[0]
    assert store.contacts_of(SCHOOL, first)
    assert all(c.pupil_id == first for c in store.contacts_of(SCHOOL, first))


async def test_bounded_map_keeps_order_and_never_exceeds_the_limit() -> None:
    in_flight = 0
    most = 0

    async def fetch(n: int) -> int:
        nonlocal in_flight, most
        in_flight += 1
        most = max(most, in_flight)
        for _ in range(3):
            await asyncio.sleep(0)  # yield to the other workers; no real waiting
        in_flight -= 1
        return n * n

    assert await bounded_map(list(range(50)), fetch, 8) == [n * n for n in range(50)]
    assert most == 8


async def test_bounded_map_raises_the_first_failure_itself() -> None:
    async def fetch(n: int) -> Any:
        if n == 7:
            raise TransientError("fake: GET /x failed", adapter="fake")
        await asyncio.sleep(0)
        return n

    with pytest.raises(TransientError, match="GET /x"):
        await bounded_map(list(range(20)), fetch, 4)
