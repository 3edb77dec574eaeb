"""One school's day of follow-up: pull the register from the MIS, then evaluate.

``run_daily`` is what the engine's daily workflow (``hub.engine.daily``) runs for each
school, and what ``doorstep attendance evaluate`` runs by hand. Time is given
(``now``), never read here. The register comes through ``Hooks.pull_session_marks``
for the academic year to date (or the pack's window, when that reaches further back);
without an adapter holding the register, the MIS summaries cached by the roll sync
are used (``evaluate_school`` falls back to them).
"""

from __future__ import annotations

import asyncio
from datetime import date, datetime

import structlog

from hub.followup.repository import FollowUpStore
from hub.followup.triggers import DailyOptions, DailyOutcome, evaluate_school
from hub.hooks.manager import Hooks
from hub.store import Store
from hub.sync.plan import attendance_window

log = structlog.get_logger(__name__)

YEAR_STARTS = (9, 1)
"""The academic year in England starts on 1 September (month, day)."""


def academic_year_start(on: date) -> date:
    """The 1 September on or before ``on``."""
    month, day = YEAR_STARTS
    year = on.year if (on.month, on.day) >= (month, day) else on.year - 1
    return date(year, month, day)


def register_since(on: date, window_months: int) -> date:
    """The first day of the register to pull: the year to date, or the pack's window
    when it reaches further back."""
    window_start, _ = attendance_window(on, window_months)
    return min(academic_year_start(on), window_start)


async def pull_register(followups: FollowUpStore, hooks: Hooks, *, on: date) -> int | None:
    """Pull the school's register up to ``on`` and keep it; how many marks, or None
    when no adapter holds the register."""
    since = register_since(on, hooks.pack.attendance.window_months)
    marks = await hooks.pull_session_marks(since=since, until=on)
    if marks is None:
        return None
    return await asyncio.to_thread(followups.save_marks, hooks.school.id, marks)


async def run_daily(
    store: Store,
    hooks: Hooks,
    *,
    now: datetime,
    options: DailyOptions,
) -> DailyOutcome:
    """Pull the register, then evaluate the school on the day of ``now``."""
    followups = FollowUpStore(store.engine)
    pulled = await pull_register(followups, hooks, on=now.date())
    outcome = await asyncio.to_thread(
        evaluate_school, store, followups, hooks.school, hooks.pack, now=now, options=options
    )
    log.info(
        "followup.register_pulled",
        school=hooks.school.id,
        marks=pulled if pulled is not None else "not held",
    )
    return outcome
