"""The daily attendance follow-up on the engine: one DBOS schedule, once per school a day.

``followup.daily_cron`` (in ``followup.daily_timezone``; default 06:00 UK time on
weekdays) fires the ``daily_followup`` workflow through a DBOS schedule
(``DBOS.apply_schedules``, named ``SCHEDULE``). It starts one child workflow per school
with the id ``followup:{school}:{date}`` (the school-time date of the run), which runs
``hub.followup.daily.run_daily`` in one step with ``now`` = the scheduled time. So:

- a replay after a crash resumes the same workflows and re-runs at most the step cut
  off (the evaluation is idempotent per day: prompt, proposal and letter ids carry
  the date or the agreement);
- a second replica firing the same schedule finds the run's workflow id taken
  (``sched-{SCHEDULE}-{time}``), and any second run on the same day (a changed cron, a
  trigger by hand) finds each school's workflow id taken: a school is evaluated once
  a day whoever asks.

A run missed while no hub was up is not made up: the next day's evaluation reads the
whole register again and raises what is due then.

Every school's workflow is started before any is awaited, so one school's MIS outage
(retried for about 3.5 minutes, ``RETRY_MIS``) never delays the others. Only an outage
is retried (``worth_retrying``): a mistake in the settings, the pack or the term
calendar, a school the store holds but the settings do not, or a refusal from the MIS
fails the school's run at once. Each evaluation builds the school's hooks and closes
them after (``Hooks.aclose``: clients closed, nothing of an export kept in memory).

``DailyFollowUp`` holds what the workflows need (the store, the settings, each school's
hooks). DBOS workflows here are plain functions, so the one running instance is
installed process-wide (``install``), as DBOS itself is. ``doorstep serve`` installs it
before the engine starts (so recovered runs find it) and applies the schedule once
the engine runs.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import structlog
from dbos import DBOS, SetWorkflowID

from hub.errors import DoorstepError, TransientError
from hub.followup.configured import daily_options
from hub.followup.daily import run_daily_and_close
from hub.followup.triggers import DailyOptions
from hub.hooks.manager import Hooks
from hub.settings import HubSettings
from hub.store import Store

log = structlog.get_logger(__name__)

SCHEDULE = "doorstep-followup-daily"
"""The DBOS schedule's name (one per hub, shared by its replicas)."""

RETRY_MIS: dict[str, Any] = {
    "retries_allowed": True,
    "max_attempts": 4,
    "interval_seconds": 30.0,
    "backoff_rate": 2.0,
}
"""A school's evaluation pulls from the MIS: retry a short outage a few times."""


def worth_retrying(error: BaseException) -> bool:
    """True for an outage (``TransientError``, or an error the hub does not know); False
    for what a retry cannot change: a ``UserError`` (settings, pack, term calendar, a
    school the settings do not name) or an MIS's refusal (any other ``AdapterError``)."""
    return isinstance(error, TransientError) or not isinstance(error, DoorstepError)


HooksFor = Callable[[str], Hooks]
OptionsFor = Callable[[str], DailyOptions]


class DailyNotInstalledError(DoorstepError):
    """A daily follow-up workflow ran in a process with no ``DailyFollowUp`` installed."""


class DailyFollowUp:
    """What the daily workflows work with, for one hub process."""

    def __init__(
        self,
        store: Store,
        *,
        hooks_for: HooksFor,
        options_for: OptionsFor,
        cron: str,
        timezone: str = "Europe/London",
        enabled: bool = True,
    ) -> None:
        self.store = store
        self.hooks_for = hooks_for
        self.options_for = options_for
        self.cron = cron
        self.timezone = timezone
        self.enabled = enabled

    @classmethod
    def from_settings(
        cls, settings: HubSettings, *, store: Store, hooks_for: HooksFor, enabled: bool = True
    ) -> DailyFollowUp:
        """The daily follow-up as ``[followup]`` configures it."""
        return cls(
            store,
            hooks_for=hooks_for,
            options_for=lambda school_id: daily_options(settings, school_id),
            cron=settings.followup.daily_cron,
            timezone=settings.followup.daily_timezone,
            enabled=enabled and settings.followup.daily,
        )

    def install(self) -> DailyFollowUp:
        """Make this the instance the daily workflows of this process use."""
        global _installed
        _installed = self
        return self

    async def schedule(self) -> bool:
        """Create or replace the DBOS schedule (the engine must be running); with the
        daily run switched off, remove it. True when it is scheduled."""
        if not self.enabled:
            if await DBOS.get_schedule_async(SCHEDULE) is not None:
                await DBOS.delete_schedule_async(SCHEDULE)
            log.info("followup.daily_off")
            return False
        await DBOS.apply_schedules_async(
            [
                {
                    "schedule_name": SCHEDULE,
                    "workflow_fn": daily_followup,
                    "schedule": self.cron,
                    "cron_timezone": self.timezone,
                }
            ]
        )
        log.info("followup.daily_scheduled", cron=self.cron, timezone=self.timezone)
        return True

    async def evaluate(self, school_id: str, now: datetime) -> str:
        """Run one school's day with its hooks, closed after; the outcome's summary line
        (counts only)."""
        options = await asyncio.to_thread(self.options_for, school_id)
        hooks = self.hooks_for(school_id)
        outcome = await run_daily_and_close(self.store, hooks, now=now, options=options)
        return outcome.summary()


_installed: DailyFollowUp | None = None


def installed() -> DailyFollowUp:
    """The instance installed in this process (``DailyNotInstalledError`` if none)."""
    if _installed is None:
        raise DailyNotInstalledError("no daily follow-up is installed in this process")
    return _installed


def uninstall() -> None:
    """Forget the installed instance (an engine stopping, a test ending)."""
    global _installed
    _installed = None


def school_workflow_id(school_id: str, day: date) -> str:
    """The id of one school's evaluation on one day: the idempotency key."""
    return f"followup:{school_id}:{day.isoformat()}"


@DBOS.workflow()
async def daily_followup(scheduled_at: datetime, context: Any) -> None:
    """Evaluate every school for the run at ``scheduled_at``.

    ``context`` is the schedule's context (unused). Every school's workflow is started
    before any is awaited, so they run side by side; a school that fails is logged and
    the others still run; its workflow holds the error.
    """
    day = scheduled_at.date()  # in the schedule's time zone: the school day
    now = scheduled_at.astimezone(UTC)
    schools = await followup_school_ids()
    handles = []
    for school_id in schools:
        with SetWorkflowID(school_workflow_id(school_id, day)):
            handles.append(await DBOS.start_workflow_async(followup_school, school_id, now))
    done = 0
    for school_id, handle in zip(schools, handles, strict=True):
        try:
            await handle.get_result()
            done += 1
        except Exception as exc:  # one school's MIS being down must not stop the others
            log.error("followup.school_failed", school=school_id, error=type(exc).__name__)
    log.info("followup.daily_done", schools=len(schools), evaluated=done)


@DBOS.step(retries_allowed=True, max_attempts=3, interval_seconds=1.0)
async def followup_school_ids() -> list[str]:
    """The schools the store holds (a recorded step)."""
    store = installed().store
    return [school.id for school in await asyncio.to_thread(store.list_schools)]


@DBOS.workflow()
async def followup_school(school_id: str, now: datetime) -> str:
    """One school's day of follow-up (id ``followup:{school}:{date}``)."""
    return await followup_evaluate(school_id, now)


@DBOS.step(**RETRY_MIS, should_retry=worth_retrying)
async def followup_evaluate(school_id: str, now: datetime) -> str:
    """Pull the register and evaluate the school (one recorded step)."""
    return await installed().evaluate(school_id, now)
