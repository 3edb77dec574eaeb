"""One plugin implements every hook; one visit's life fires them in lifecycle order.

The visit is requested through the pure workflow (its events reach the observers); the
rest of its life is scripted step by step through the facade, the way the workflow and
the engine will call it.
"""

from __future__ import annotations

from datetime import date, timedelta

from pydantic import BaseModel

from hub import hookimpl, workflow
from hub.hooks.registry import build_registry
from hub.hooks.types import (
    AttendanceSummary,
    Authoriser,
    CalendarEvent,
    DeliveryReceipt,
    HealthReport,
    Notification,
    PushReceipt,
)
from hub.models import (
    Agreement,
    RiskQuestionnaire,
    StaffRole,
    VisitEvent,
    VisitEventKind,
    VisitNote,
    VisitState,
)
from tests import factories
from tests.factories import T0
from tests.hub.hooks.support import hooks_for


class EverySettings(BaseModel):
    enabled: bool = True


class EveryHook:
    """Implements all eighteen hooks and writes down each call."""

    def __init__(self) -> None:
        self.fired: list[str] = []

    def _saw(self, hook: str) -> None:
        self.fired.append(hook.removeprefix("hub_"))

    @hookimpl
    def hub_register_settings(self, register):
        self._saw("hub_register_settings")
        register("every", EverySettings)

    @hookimpl
    def hub_register_commands(self, register):
        self._saw("hub_register_commands")

    @hookimpl
    def hub_register_mock_backends(self, register):
        self._saw("hub_register_mock_backends")

    @hookimpl
    async def hub_pull_pupil(self, pupil_id):
        self._saw("hub_pull_pupil")
        return factories.pupil(pupil_id)

    @hookimpl
    async def hub_pull_pupils(self, since):
        self._saw("hub_pull_pupils")
        return [factories.pupil()]

    @hookimpl
    async def hub_pull_contacts(self, pupil_id):
        self._saw("hub_pull_contacts")
        return [factories.contact(pupil_id)]

    @hookimpl
    async def hub_pull_attendance(self, pupil_id, since, until):
        self._saw("hub_pull_attendance")
        return AttendanceSummary(
            pupil_id=pupil_id, since=since, until=until, possible_sessions=10, attended_sessions=8
        )

    @hookimpl
    async def hub_pull_session_marks(self, since, until):
        self._saw("hub_pull_session_marks")
        return []

    @hookimpl
    async def hub_pull_risk_flags(self, pupil_id, household_id):
        self._saw("hub_pull_risk_flags")
        return []

    @hookimpl
    def hub_assess_visit(self, visit, flags, questionnaire, now):
        self._saw("hub_assess_visit")
        return []

    @hookimpl
    def hub_check_transition(self, visit, to_state):
        self._saw(f"hub_check_transition:{to_state.value}")
        return []

    @hookimpl
    def hub_resolve_authoriser(self, visit):
        self._saw("hub_resolve_authoriser")
        return Authoriser(roles=(StaffRole.DEPUTY_HEAD,), source="every")

    @hookimpl
    def hub_resolve_channel_order(self, rung):
        self._saw("hub_resolve_channel_order")
        return tuple(rung.channels)

    @hookimpl
    async def hub_push_visit_note(self, idempotency_key):
        self._saw("hub_push_visit_note")
        return _receipt(idempotency_key)

    @hookimpl
    async def hub_push_agreement(self, idempotency_key):
        self._saw("hub_push_agreement")
        return _receipt(idempotency_key)

    @hookimpl
    async def hub_push_calendar_event(self, idempotency_key):
        self._saw("hub_push_calendar_event")
        return _receipt(idempotency_key)

    @hookimpl
    async def hub_send_notification(self, notification, idempotency_key):
        self._saw("hub_send_notification")
        return DeliveryReceipt(
            system="every",
            channel=notification.channel,
            external_id="d-1",
            idempotency_key=idempotency_key,
            accepted_at=T0,
        )

    @hookimpl
    def hub_on_visit_event(self, event):
        self._saw(f"hub_on_visit_event:{event.kind.value}")

    @hookimpl
    async def hub_health(self, now):
        self._saw("hub_health")
        return HealthReport(component="every", ok=True, checked_at=now)


def _receipt(key: str) -> PushReceipt:
    return PushReceipt(system="every", external_id="r-1", idempotency_key=key)


async def test_one_visit_fires_every_hook_in_lifecycle_order():
    plugin = EveryHook()
    registry = build_registry(entry_points=False, extra=[("every", plugin)])
    registry.settings_models()
    registry.commands()
    registry.mock_backends()

    hooks = hooks_for(("every", plugin))
    visit = factories.visit()

    async def event(kind: VisitEventKind) -> None:
        await hooks.on_visit_event(
            event=VisitEvent(school_id=visit.school_id, visit_id=visit.id, kind=kind, at=T0)
        )

    await hooks.health(now=T0)
    await hooks.pull_pupils(since=None)
    # requested
    pupil = await hooks.pull_pupil(pupil_id=visit.pupil_id)
    await hooks.pull_contacts(pupil_id=pupil.id)
    requested = workflow.request(visit, hooks.pack, factories.staff("s-1"), T0)
    for happened in requested.events:
        await hooks.on_visit_event(event=happened)
    # assessed
    household = pupil.address.household_id if pupil.address else None
    flags = await hooks.pull_risk_flags(pupil_id=pupil.id, household_id=household)
    await hooks.pull_attendance(pupil_id=pupil.id, since=date(2026, 9, 1), until=date(2026, 11, 20))
    hooks.assess_visit(visit=visit, flags=flags, questionnaire=RiskQuestionnaire(), now=T0)
    hooks.check_transition(visit=visit, to_state=VisitState.ASSESSED, assessment=None, now=T0)
    # authorised and scheduled
    hooks.resolve_authoriser(visit=visit)
    hooks.check_transition(visit=visit, to_state=VisitState.AUTHORISED, assessment=None, now=T0)
    await event(VisitEventKind.AUTHORISED)
    event_ = CalendarEvent(
        id="e-1",
        school_id=visit.school_id,
        visit_id=visit.id,
        starts_at=visit.planned_start,
        ends_at=visit.planned_end,
        staff_ids=visit.staff_ids,
    )
    await hooks.push_calendar_event(visit=visit, event=event_, idempotency_key="cal-v1")
    # overdue: the ladder's first rung
    rung = hooks.pack.rung(1)
    first_channel = hooks.resolve_channel_order(visit=visit, rung=rung)[0]
    alert = Notification(
        id="n-1",
        school_id=visit.school_id,
        visit_id=visit.id,
        channel=first_channel,
        subject="Overdue",
        body=rung.says,
        urgent=True,
    )
    await hooks.send_notification(notification=alert, idempotency_key="ladder-1")
    await event(VisitEventKind.ESCALATED)
    # returned and closed
    record = VisitNote(
        id="n-1",
        visit_id=visit.id,
        pupil_id=visit.pupil_id,
        written_by="s-1",
        written_at=T0 + timedelta(hours=3),
        discussion="Discussed attendance.",
    )
    await hooks.push_visit_note(visit=visit, note=record, idempotency_key="note-v1")
    agreement = Agreement(
        id="a-1",
        visit_id=visit.id,
        pupil_id=visit.pupil_id,
        action="In school by 8:45",
        owner="parent",
        made_at=T0,
    )
    await hooks.push_agreement(visit=visit, agreement=agreement, idempotency_key="agr-1")
    await event(VisitEventKind.CLOSED)
    # the next morning's attendance follow-up reads the register
    await hooks.pull_session_marks(since=date(2026, 9, 1), until=date(2026, 11, 20))

    assert plugin.fired == [
        "register_settings",
        "register_commands",
        "register_mock_backends",
        "health",
        "pull_pupils",
        "pull_pupil",
        "pull_contacts",
        "on_visit_event:requested",
        "pull_risk_flags",
        "pull_attendance",
        "assess_visit",
        "check_transition:assessed",
        "resolve_authoriser",
        "check_transition:authorised",
        "on_visit_event:authorised",
        "push_calendar_event",
        "resolve_channel_order",
        "send_notification",
        "on_visit_event:escalated",
        "push_visit_note",
        "push_agreement",
        "on_visit_event:closed",
        "pull_session_marks",
    ]
    assert {f.split(":")[0] for f in plugin.fired} == {
        name.removeprefix("hub_") for name in _all_hooks()
    }


def _all_hooks() -> list[str]:
    from hub.hooks import specs

    return list(specs.__all__)
