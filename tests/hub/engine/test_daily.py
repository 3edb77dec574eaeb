"""The daily attendance follow-up on a running engine: scheduled once, a school
evaluated once a day whoever asks (a backfill of the same run, a second run that day)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from dbos import DBOS

from hub import hookimpl
from hub.engine.daily import (
    SCHEDULE,
    DailyFollowUp,
    daily_followup,
    school_workflow_id,
    uninstall,
    worth_retrying,
)
from hub.engine.service import Engine
from hub.errors import AdapterError, AuthError, ConfigError, TransientError, UserError
from hub.followup.configured import followup_dir
from hub.followup.daily import register_since
from hub.followup.register import SessionMark
from hub.followup.repository import FollowUpStore
from hub.followup.triggers import DailyOptions
from hub.hooks.manager import Hooks
from hub.models import School, VisitReason
from hub.policy import PolicyPack
from hub.settings import load_settings
from hub.store import Store
from tests.hub.engine.harness import SCHOOL_ID, hooks_factory
from tests.hub.engine.ledger import LedgerChannel

CRON = "0 6 * * 1-5"
LONDON = ZoneInfo("Europe/London")
RUN_DAY = date(2026, 11, 23)  # a Monday, in GMT


class RegisterDouble:
    """An MIS holding the register: p-1 away every Monday and Tuesday (60 %)."""

    def __init__(self) -> None:
        self.pulls: list[tuple[date, date]] = []
        self.stops = 0

    async def stop(self) -> None:
        self.stops += 1

    @hookimpl
    async def hub_pull_session_marks(self, since: date, until: date) -> list[SessionMark]:
        self.pulls.append((since, until))
        marks = []
        day = since
        while day <= until:
            if day.weekday() < 5:
                code = "N" if day.weekday() < 2 else "/"
                marks += [
                    SessionMark(pupil_id="p-1", day=day, session=s, code=code) for s in ("am", "pm")
                ]
            day += timedelta(days=1)
        return marks


@pytest.fixture
async def daily(
    engine: Engine, store: Store, pack: PolicyPack, ledger: LedgerChannel
) -> AsyncIterator[tuple[DailyFollowUp, RegisterDouble]]:
    register = RegisterDouble()
    running = DailyFollowUp(
        store,
        hooks_for=hooks_factory(store, pack, ledger, ("register", register)),
        options_for=lambda _school: DailyOptions(pdf=False),
        cron=CRON,
    ).install()
    try:
        yield running, register
    finally:
        uninstall()


async def backfill(start: datetime, end: datetime) -> list[object]:
    handles = await asyncio.to_thread(DBOS.backfill_schedule, SCHEDULE, start, end)
    return [await asyncio.to_thread(handle.get_result) for handle in handles]


async def test_the_daily_run_is_scheduled_and_evaluates_each_school_once_a_day(
    daily: tuple[DailyFollowUp, RegisterDouble], store: Store, tmp_path: Path
) -> None:
    running, register = daily
    assert await running.schedule()
    schedule = await DBOS.get_schedule_async(SCHEDULE)
    assert schedule is not None
    assert (schedule["schedule"], schedule["cron_timezone"]) == (CRON, "Europe/London")

    window = (datetime(2026, 11, 23, 5, tzinfo=UTC), datetime(2026, 11, 23, 7, tzinfo=UTC))
    assert len(await backfill(*window)) == 1  # 06:00 UK time: one run

    assert register.pulls == [(register_since(RUN_DAY, 3), RUN_DAY)]
    followups = FollowUpStore(store.engine)
    prompts = followups.prompts(SCHOOL_ID, pupil_id="p-1")
    assert "penalty_notice" in {p.measure for p in prompts}
    assert {p.raised_at for p in prompts} == {datetime(2026, 11, 23, 6, tzinfo=UTC)}
    [proposal] = followups.proposals(SCHOOL_ID, pupil_id="p-1")
    assert proposal.reason is VisitReason.ATTENDANCE_CONCERN
    school_run = await DBOS.get_workflow_status_async(school_workflow_id(SCHOOL_ID, RUN_DAY))
    assert school_run is not None
    assert school_run.status == "SUCCESS"

    # The same run again (a replica, a backfill) and a second run that day: no new pull.
    await backfill(*window)
    later = datetime(2026, 11, 23, 9, tzinfo=LONDON)
    handle = await DBOS.start_workflow_async(daily_followup, later, None)
    await handle.get_result()
    assert len(register.pulls) == 1
    assert len(followups.prompts(SCHOOL_ID, pupil_id="p-1")) == len(prompts)
    assert register.stops == 1  # the run's hooks were closed after it


async def test_switched_off_the_schedule_is_removed(
    daily: tuple[DailyFollowUp, RegisterDouble],
) -> None:
    running, _ = daily
    assert await running.schedule()
    running.enabled = False
    assert not await running.schedule()
    assert await DBOS.get_schedule_async(SCHEDULE) is None


def test_the_settings_give_the_schedule(store: Store, pack: PolicyPack, ledger: LedgerChannel):
    settings = load_settings(followup={"daily_cron": "30 5 * * 1-5", "daily_timezone": "UTC"})
    hooks_for = hooks_factory(store, pack, ledger)
    daily = DailyFollowUp.from_settings(settings, store=store, hooks_for=hooks_for)
    assert (daily.cron, daily.timezone, daily.enabled) == ("30 5 * * 1-5", "UTC", True)
    assert daily.options_for(SCHOOL_ID).letters_dir == followup_dir(settings)
    off = load_settings(followup={"daily": False})
    assert not DailyFollowUp.from_settings(off, store=store, hooks_for=hooks_for).enabled
    plugin_off = DailyFollowUp.from_settings(
        settings, store=store, hooks_for=hooks_for, enabled=False
    )
    assert not plugin_off.enabled


@pytest.mark.parametrize(
    ("error", "retried"),
    [
        (TransientError("mis: 503"), True),
        (OSError("connection reset"), True),
        (UserError("no term calendar"), False),
        (ConfigError("school 'x' is not in the settings"), False),
        (AuthError("mis: 401"), False),
        (AdapterError("wonde: 12 of 120 marks carry unknown codes"), False),
    ],
)
def test_only_an_outage_is_retried(error: Exception, retried: bool) -> None:
    assert worth_retrying(error) is retried


async def test_a_school_that_cannot_be_evaluated_fails_at_once_and_the_others_run(
    engine: Engine, store: Store, pack: PolicyPack, ledger: LedgerChannel
) -> None:
    store.save_school(School(id="gone", name="Closed School", policy_pack=pack.id))
    register = RegisterDouble()
    working = hooks_factory(store, pack, ledger, ("register", register))
    asked: list[str] = []

    def hooks_for(school_id: str) -> Hooks:
        asked.append(school_id)
        if school_id == "gone":
            raise ConfigError("school 'gone' is in the store but not in the settings")
        return working(school_id)

    DailyFollowUp(
        store,
        hooks_for=hooks_for,
        options_for=lambda _school: DailyOptions(pdf=False),
        cron=CRON,
    ).install()
    try:
        started = time.monotonic()
        handle = await DBOS.start_workflow_async(
            daily_followup, datetime(2026, 11, 23, 6, tzinfo=LONDON), None
        )
        await asyncio.wait_for(handle.get_result(), timeout=25)  # a retry waits 30 s
        took = time.monotonic() - started
    finally:
        uninstall()
    assert asked.count("gone") == 1  # not retried
    assert SCHOOL_ID in asked
    assert took < 25
    failed = await DBOS.get_workflow_status_async(school_workflow_id("gone", RUN_DAY))
    done = await DBOS.get_workflow_status_async(school_workflow_id(SCHOOL_ID, RUN_DAY))
    assert (failed and failed.status, done and done.status) == ("ERROR", "SUCCESS")
    assert register.stops == 1
