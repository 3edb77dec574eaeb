"""Drill mode: every rung on the school's channels, marked DRILL, timed, police never called."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from structlog.testing import capture_logs

from hub import hookimpl
from hub.engine.drill import (
    DRILL_PUPIL,
    DrillRung,
    FileAcks,
    drill_visit,
    is_police_prompt,
    run_drill,
    summary,
)
from hub.errors import TransientError
from hub.hooks.manager import Hooks, build_hooks
from hub.hooks.types import DeliveryReceipt, Notification
from hub.models import School, VisitEvent
from hub.plugins import ladder
from hub.policy import load_bundled_pack
from tests.factories import SCHOOL, T0


@dataclass
class RecordingChannel:
    """Accepts sms, email and teams (unless ``failing``) and keeps every message."""

    failing: set[str] = field(default_factory=set)
    sent: list[tuple[Notification, str]] = field(default_factory=list)
    events: list[VisitEvent] = field(default_factory=list)

    @hookimpl
    async def hub_send_notification(
        self, notification: Notification, idempotency_key: str
    ) -> DeliveryReceipt | None:
        if notification.channel not in {"sms", "email", "teams"}:
            return None
        if notification.channel in self.failing:
            raise TransientError("gateway unavailable", adapter="recording", status=503)
        self.sent.append((notification, idempotency_key))
        return DeliveryReceipt(
            system="recording",
            channel=notification.channel,
            external_id=idempotency_key,
            idempotency_key=idempotency_key,
            accepted_at=T0,
        )

    @hookimpl
    async def hub_on_visit_event(self, event: VisitEvent) -> None:
        self.events.append(event)


@dataclass
class StepClock:
    """Moves on 30 s at every reading."""

    now: datetime = T0

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=30)
        return self.now


def hooks_with(channel: RecordingChannel) -> Hooks:
    pack = load_bundled_pack(SCHOOL)
    school = School(id=SCHOOL, name=pack.school_name, policy_pack=pack.id)
    return build_hooks(
        school, pack=pack, entry_points=False, extra=[("ladder", ladder), ("rec", channel)]
    )


def acknowledging(
    acks: FileAcks, *, skip: frozenset[int] = frozenset()
) -> Callable[[DrillRung], None]:
    def on_rung(rung: DrillRung) -> None:
        if rung.number not in skip:
            acks.ack(rung.number, "office-1")

    return on_rung


async def test_every_rung_is_sent_once_marked_drill_and_timed(tmp_path: Path) -> None:
    channel = RecordingChannel()
    hooks = hooks_with(channel)
    acks = FileAcks(tmp_path)
    visit = drill_visit(SCHOOL, T0, staff_ids=("s-1",), drill_id="d1")
    report = await run_drill(
        hooks, visit, acks=acks, clock=StepClock(), window_s=1.0, on_rung=acknowledging(acks)
    )
    rungs = hooks.pack.escalation.rungs
    assert [r.number for r in report.rungs] == list(range(1, len(rungs) + 1))
    assert len(channel.sent) == len(rungs)
    for notification, key in channel.sent:
        assert notification.subject.startswith("DRILL: ")
        assert notification.body.startswith("DRILL: ")
        assert notification.visit_id is not None
        assert notification.visit_id.startswith("DRILL-")
        assert key.startswith("drill:")
    assert all(r.seconds_to_acknowledge == 30.0 for r in report.rungs)
    assert all(r.acknowledged_by == "office-1" for r in report.rungs)
    assert report.passed
    assert visit.pupil_id == DRILL_PUPIL
    assert channel.events == []  # nothing recorded about a visit, nothing pushed anywhere


async def test_the_police_rung_is_a_drill_prompt_that_says_do_not_call(tmp_path: Path) -> None:
    channel = RecordingChannel()
    hooks = hooks_with(channel)
    acks = FileAcks(tmp_path)
    visit = drill_visit(SCHOOL, T0, staff_ids=("s-1",), drill_id="d2")
    report = await run_drill(
        hooks, visit, acks=acks, clock=StepClock(), window_s=1.0, on_rung=acknowledging(acks)
    )
    police = [r for r in report.rungs if r.police_prompt]
    assert len(police) == 1
    assert is_police_prompt(hooks.pack.rung(police[0].number))
    sent = channel.sent[police[0].number - 1][0]
    assert "do NOT call the police" in sent.body
    assert "(police prompt, drill only)" in "\n".join(summary(report))


async def test_a_failing_channel_hands_over_and_an_unanswered_rung_fails_the_drill(
    tmp_path: Path,
) -> None:
    channel = RecordingChannel(failing={"sms"})
    hooks = hooks_with(channel)
    acks = FileAcks(tmp_path, poll_s=0.01)
    visit = drill_visit(SCHOOL, T0, staff_ids=("s-1",), drill_id="d3")
    report = await run_drill(
        hooks,
        visit,
        acks=acks,
        clock=StepClock(),
        window_s=0.05,
        on_rung=acknowledging(acks, skip=frozenset({1})),
    )
    first = report.rungs[0]
    assert hooks.pack.rung(1).channels == ["sms", "email"]
    assert first.failed_channels == ("sms",)
    assert first.channel == "email"
    assert first.acknowledged_at is None
    assert not report.passed
    lines = summary(report)
    assert "NOT acknowledged within its window" in lines[1]
    assert lines[-1].startswith("drill FAILED")


async def test_every_channel_down_is_reported_not_sent(tmp_path: Path) -> None:
    channel = RecordingChannel(failing={"sms", "email", "teams"})
    hooks = hooks_with(channel)
    visit = drill_visit(SCHOOL, T0, staff_ids=("s-1",), drill_id="d4")
    report = await run_drill(
        hooks, visit, acks=FileAcks(tmp_path, poll_s=0.01), clock=StepClock(), window_s=0.01
    )
    assert all(r.channel is None for r in report.rungs)
    assert "NOT SENT" in summary(report)[1]


def test_file_acks_keep_the_first_acknowledgement(tmp_path: Path) -> None:
    acks = FileAcks(tmp_path / "drill")
    assert acks.acknowledged(1) is None
    acks.ack(1, "office-1")
    acks.ack(1, "s-2")
    assert acks.acknowledged(1) == "office-1"
    assert acks.acknowledged(2) is None


@pytest.mark.parametrize("text", ['{"rung": 1, "b', '{"rung": 1}', "[1]", '{"by": 7}'])
def test_an_unreadable_acknowledgement_is_not_yet_one_and_is_logged(
    tmp_path: Path, text: str
) -> None:
    acks = FileAcks(tmp_path)
    acks.path(1).write_text(text, encoding="utf-8")
    with capture_logs() as logs:
        assert acks.acknowledged(1) is None
    if text != '{"by": 7}':
        assert [entry["event"] for entry in logs] == ["drill.unreadable"]


def test_file_acks_are_owner_only(tmp_path: Path) -> None:
    acks = FileAcks(tmp_path / "drill")
    acks.ack(1, "office-1")
    assert (tmp_path / "drill").stat().st_mode & 0o777 == 0o700
    assert acks.path(1).stat().st_mode & 0o777 == 0o600
