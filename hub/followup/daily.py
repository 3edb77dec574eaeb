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
from hub.hooks.types import Notification
from hub.store import Store
from hub.store.requests import KeyState, RequestStore
from hub.sync.plan import attendance_window

log = structlog.get_logger(__name__)

CLAIMED_FOR = "followup-prompts"
"""The request hash the day's message key is claimed with (one kind of request)."""
TOLD_BY = "doorstep:followup-daily"
"""The principal the day's message keys are claimed under in the store's
``idempotency_keys`` (next to the API's, which are keyed by user id)."""

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


async def tell_prompted(
    followups: FollowUpStore, hooks: Hooks, *, channel: str, now: datetime, sent: RequestStore
) -> int:
    """Tell the roles today's open prompts went to that they are waiting: one message a
    day per school (counts only, no pupil), keyed on the day. The key is claimed in the
    store (``sent``) before sending and kept once sent, so a re-run or retry, in this
    process or another, sends it once (a send that fails frees the key; a process that
    dies between sending and keeping it leaves it claimed, and after five minutes a
    re-run sends again). Returns how many prompts it told of (0: nothing sent). When the
    pack names no roles (``attendance.notify``) nothing is sent and a count-only warning
    is logged."""
    school_id = hooks.school.id
    today = [
        p
        for p in await asyncio.to_thread(followups.prompts, school_id, open_only=True)
        if p.raised_at.date() == now.date()
    ]
    if not today:
        return 0
    roles = frozenset(role for prompt in today for role in prompt.notify)
    count = len(today)
    if not roles:
        log.warning("followup.prompts_no_roles", school=school_id, prompts=count)
        return 0
    notice = Notification(
        id=f"followup-prompts:{school_id}:{now.date().isoformat()}",
        school_id=school_id,
        channel=channel,
        roles=roles,
        subject=f"Attendance: {count} referral prompt{'s' if count != 1 else ''} to decide",
        body=(
            f"{count} new attendance referral prompt{'s' if count != 1 else ''} at "
            f"{hooks.school.name} wait for a decision. Nothing has been sent to the local "
            "authority. See them with `doorstep attendance prompts` and record what you "
            "decide, with your reason, with `doorstep attendance decide`."
        ),
    )
    claim = await asyncio.to_thread(sent.begin, TOLD_BY, notice.id, CLAIMED_FOR, now)
    if claim.state is not KeyState.NEW:
        log.info("followup.prompts_told_already", school=school_id, state=claim.state.value)
        return 0
    try:
        await hooks.send_notification(notification=notice, idempotency_key=notice.id)
    except BaseException:
        await asyncio.to_thread(sent.release, TOLD_BY, notice.id)
        raise
    await asyncio.to_thread(sent.finish, TOLD_BY, notice.id, 200, "")
    log.info("followup.prompts_told", school=school_id, prompts=count, channel=channel)
    return count


async def run_daily(
    store: Store,
    hooks: Hooks,
    *,
    now: datetime,
    options: DailyOptions,
) -> DailyOutcome:
    """Pull the register, evaluate the school on the day of ``now``, then tell the
    prompted roles on ``options.notify_channel`` (when set)."""
    followups = FollowUpStore(store.engine)
    pulled = await pull_register(followups, hooks, on=now.date())
    outcome = await asyncio.to_thread(
        evaluate_school, store, followups, hooks.school, hooks.pack, now=now, options=options
    )
    if options.notify_channel is not None:
        sent = RequestStore(store.engine, writer=store.writer)
        await tell_prompted(followups, hooks, channel=options.notify_channel, now=now, sent=sent)
    log.info(
        "followup.register_pulled",
        school=hooks.school.id,
        marks=pulled if pulled is not None else "not held",
    )
    return outcome


async def run_daily_and_close(
    store: Store, hooks: Hooks, *, now: datetime, options: DailyOptions
) -> DailyOutcome:
    """``run_daily``, then the hooks closed whatever happened (``Hooks.aclose``: HTTP
    clients closed, the CSV adapter's export data dropped). For a run that built them."""
    try:
        return await run_daily(store, hooks, now=now, options=options)
    finally:
        await hooks.aclose()
