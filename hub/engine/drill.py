"""Drill mode: a fake overdue visit run through the whole ladder on the school's real channels.

A drill proves the ladder reaches real people on real channels, and measures how long
each rung takes to be acknowledged::

    visit = drill_visit("st-michaels", now, staff_ids=("s-1",))
    report = await run_drill(hooks, visit, acks=FileAcks(directory), clock=utc_now)

The visit is synthetic (its id starts ``DRILL-``, its pupil is ``drill-pupil``) and is
never stored, so nothing reaches the MIS or the safeguarding system and the audit trail
holds no visit event. Every message says DRILL in its subject and body, its visit id
and its idempotency key, so even a channel that sends minimal content (the visit id
only) shows it is a drill. The police prompt rung is sent as a drill prompt telling
the reader **not** to call the police. Unlike a real escalation, an acknowledgement
does not stop the ladder: every rung runs once, so every rung is timed.
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Protocol

import structlog
from pydantic import Field

from hub.engine.plan import notification_for
from hub.followup.files import private_dir, write_private
from hub.hooks.manager import Hooks
from hub.models import DomainModel, LadderTarget, UtcDateTime, Visit, VisitReason, VisitState
from hub.policy import PolicyPack, Rung
from hub.workflow import Deadline, DeadlineKind

log = structlog.get_logger(__name__)

DRILL_PUPIL = "drill-pupil"
"""The pupil id of every drill visit: no real pupil, never looked up or written anywhere."""

POLICE_DRILL_SAYS = (
    "DRILL ONLY - do NOT call the police. In a real escalation this is the moment to "
    "decide whether to call the police; acknowledge to show you would have."
)

CHANNEL_TIMEOUT_S = 10.0

UNREADABLE = (OSError, ValueError, KeyError, TypeError)
"""What reading a drill file raises when it is truncated, from an older layout or
unreadable (pydantic's and json's errors are ValueErrors)."""


class DrillRung(DomainModel):
    """What happened on one rung of a drill."""

    number: int = Field(ge=1)
    name: str
    police_prompt: bool
    channel: str | None = Field(description="The channel that accepted; None if all failed.")
    failed_channels: tuple[str, ...] = ()
    sent_at: UtcDateTime
    acknowledged_at: UtcDateTime | None = None
    acknowledged_by: str | None = None

    @property
    def seconds_to_acknowledge(self) -> float | None:
        """How long the rung took to be acknowledged (None: not within its window)."""
        if self.acknowledged_at is None:
            return None
        return (self.acknowledged_at - self.sent_at).total_seconds()


class DrillReport(DomainModel):
    """A whole drill: one entry per rung, in ladder order."""

    drill_id: str
    school_id: str
    visit_id: str
    started_at: UtcDateTime
    finished_at: UtcDateTime
    rungs: tuple[DrillRung, ...]

    @property
    def passed(self) -> bool:
        """Every rung reached a channel and was acknowledged within its window."""
        return all(r.channel is not None and r.acknowledged_at is not None for r in self.rungs)


class DrillAcks(Protocol):
    """Where a drill's acknowledgements arrive from."""

    async def wait(self, rung: int, timeout_s: float) -> str | None:
        """Who acknowledged ``rung`` within ``timeout_s`` seconds, or None."""
        ...


class FileAcks:
    """Acknowledgements as files in one directory, so ``doorstep drill ack`` (another
    process) can acknowledge a drill that ``doorstep drill`` is running."""

    def __init__(self, directory: Path, *, poll_s: float = 0.25) -> None:
        self.directory = directory
        self.poll_s = poll_s

    def ack(self, rung: int, by: str) -> None:
        """Acknowledge ``rung`` as staff member ``by`` (a later acknowledgement is ignored).

        The folder is made 0700 and the file written 0600 (``hub.followup.files``)."""
        private_dir(self.directory)
        target = self.path(rung)
        if target.exists():
            return
        draft = self.directory / f".ack-{rung}-{secrets.token_hex(4)}"
        write_private(draft, json.dumps({"rung": rung, "by": by}))
        os.replace(draft, target)

    def path(self, rung: int) -> Path:
        """The file acknowledging ``rung`` (there once anyone acknowledged it)."""
        return self.directory / f"ack-{rung}.json"

    def acknowledged(self, rung: int) -> str | None:
        """Who acknowledged ``rung``, if anyone yet; a file that cannot be read (truncated,
        an older layout, unreadable) counts as not yet, logged as ``drill.unreadable``."""
        path = self.path(rung)
        if not path.exists():
            return None
        try:
            by = json.loads(path.read_text(encoding="utf-8"))["by"]
        except UNREADABLE as error:
            log.warning("drill.unreadable", rung=rung, error=type(error).__name__)
            return None
        return by if isinstance(by, str) else None

    async def wait(self, rung: int, timeout_s: float) -> str | None:
        """Poll for the acknowledgement file until ``timeout_s`` passes."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        while True:
            by = self.acknowledged(rung)
            if by is not None or loop.time() >= deadline:
                return by
            await asyncio.sleep(min(self.poll_s, max(0.0, deadline - loop.time())))


def new_drill_id(now: datetime) -> str:
    """A drill id: the start time and a random suffix (ids only, nothing personal)."""
    return f"{now:%Y%m%dT%H%M%S}-{secrets.token_hex(3)}"


def drill_visit(
    school_id: str, now: datetime, *, staff_ids: tuple[str, ...], drill_id: str
) -> Visit:
    """The synthetic visit a drill runs: out now, overdue at once, never stored."""
    return Visit(
        id=f"DRILL-{drill_id}",
        school_id=school_id,
        pupil_id=DRILL_PUPIL,
        reason=VisitReason.ATTENDANCE_CONCERN,
        state=VisitState.ON_SITE,
        planned_start=now - timedelta(hours=1),
        planned_end=now - timedelta(minutes=1),
        staff_ids=staff_ids,
        requested_by=staff_ids[0],
        requested_at=now - timedelta(days=1),
        authorised_by=staff_ids[0],
        authorised_at=now - timedelta(hours=2),
    )


def is_police_prompt(rung: Rung) -> bool:
    """The rung prompts a person to call the police."""
    return LadderTarget.POLICE_PROMPT in rung.reaches


def drill_deadline(rung: Rung, number: int, started_at: datetime) -> Deadline:
    """The rung as an overdue deadline; the police prompt says it is a drill."""
    return Deadline(
        at=started_at,
        kind=DeadlineKind.OVERDUE,
        says=POLICE_DRILL_SAYS if is_police_prompt(rung) else rung.says,
        rung=number,
        reaches=tuple(rung.reaches),
        started_at=started_at,
    )


async def run_drill(
    hooks: Hooks,
    visit: Visit,
    *,
    acks: DrillAcks,
    clock: Callable[[], datetime],
    window_s: float | None = None,
    channel_timeout_s: float = CHANNEL_TIMEOUT_S,
    on_rung: Callable[[DrillRung], Awaitable[None] | None] | None = None,
) -> DrillReport:
    """Run every rung of the school's ladder for ``visit`` and time each acknowledgement.

    Each rung goes to its channels in the order ``hub_resolve_channel_order`` gives and
    stops at the first that accepts, as a real escalation does; then the drill waits for
    an acknowledgement within the rung's window (``window_s`` overrides the pack's).
    ``on_rung`` hears each rung as it is sent (the CLI prints a prompt).
    """
    pack: PolicyPack = hooks.pack
    drill_id = visit.id.removeprefix("DRILL-")
    started_at = clock()
    done: list[DrillRung] = []
    for number, rung in enumerate(pack.escalation.rungs, start=1):
        sent_at = clock()
        deadline = drill_deadline(rung, number, sent_at)
        channel, failed = await _send(hooks, visit, rung, deadline, drill_id, channel_timeout_s)
        result = DrillRung(
            number=number,
            name=rung.name,
            police_prompt=is_police_prompt(rung),
            channel=channel,
            failed_channels=failed,
            sent_at=sent_at,
        )
        log.info("drill.rung_sent", drill=drill_id, rung=number, channel=channel)
        if on_rung is not None:
            shown = on_rung(result)
            if shown is not None:
                await shown
        timeout = window_s if window_s is not None else rung.ack_window_minutes * 60.0
        by = await acks.wait(number, timeout)
        if by is not None:
            result = result.model_copy(update={"acknowledged_at": clock(), "acknowledged_by": by})
        log.info("drill.rung_done", drill=drill_id, rung=number, acknowledged=by is not None)
        done.append(result)
    return DrillReport(
        drill_id=drill_id,
        school_id=visit.school_id,
        visit_id=visit.id,
        started_at=started_at,
        finished_at=clock(),
        rungs=tuple(done),
    )


async def _send(
    hooks: Hooks,
    visit: Visit,
    rung: Rung,
    deadline: Deadline,
    drill_id: str,
    channel_timeout_s: float,
) -> tuple[str | None, tuple[str, ...]]:
    failed: list[str] = []
    key = f"drill:{visit.school_id}:{drill_id}:{deadline.rung}"
    for channel in hooks.resolve_channel_order(visit=visit, rung=rung):
        notification = notification_for(visit, deadline, channel, key, drill=True)
        try:
            await asyncio.wait_for(
                hooks.send_notification(
                    notification=notification, idempotency_key=f"{key}:{channel}"
                ),
                channel_timeout_s,
            )
        except Exception as exc:  # any failure hands over to the next channel at once
            log.warning("drill.channel_failed", channel=channel, error=type(exc).__name__)
            failed.append(channel)
            continue
        return channel, tuple(failed)
    return None, tuple(failed)


def summary(report: DrillReport) -> list[str]:
    """The drill as lines for a person: one per rung, then the verdict."""
    lines = [f"DRILL {report.drill_id} for {report.school_id} (visit {report.visit_id})"]
    for rung in report.rungs:
        label = f"  rung {rung.number} {rung.name}"
        if rung.police_prompt:
            label += " (police prompt, drill only)"
        if rung.channel is None:
            lines.append(
                f"{label}: NOT SENT, every channel failed ({', '.join(rung.failed_channels)})"
            )
            continue
        via = rung.channel + (
            f" after {', '.join(rung.failed_channels)} failed" if rung.failed_channels else ""
        )
        took = rung.seconds_to_acknowledge
        ack = (
            f"acknowledged by {rung.acknowledged_by} in {took:.1f} s"
            if took is not None
            else "NOT acknowledged within its window"
        )
        lines.append(f"{label}: sent via {via}; {ack}")
    lines.append("drill passed" if report.passed else "drill FAILED: see the rungs above")
    return lines
