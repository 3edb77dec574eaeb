"""The per-school manager and the Hooks facade: loading, validation, calling, logging."""

from __future__ import annotations

from datetime import date, timedelta
from importlib.metadata import EntryPoint, entry_points
from typing import Literal

import pytest
import structlog
from pydantic import BaseModel

from hub import hookimpl
from hub.errors import ConfigError, HookCardinalityError, PluginError
from hub.hooks import loading
from hub.hooks.manager import build_hooks
from hub.hooks.types import (
    AttendanceSummary,
    Authoriser,
    CalendarEvent,
    DeliveryReceipt,
    HealthReport,
    Notification,
    PushReceipt,
    Veto,
)
from hub.models import (
    Agreement,
    Control,
    Finding,
    RiskFlag,
    School,
    Severity,
    StaffRole,
    VisitEvent,
    VisitEventKind,
    VisitNote,
    VisitState,
)
from tests import factories
from tests.factories import T0
from tests.hub.hooks.support import MemoryRecorder, hooks_for, school


def _receipt(system: str, key: str) -> PushReceipt:
    return PushReceipt(system=system, external_id=f"{system}-1", idempotency_key=key)


class AsyncMis:
    """An MIS adapter with async pulls."""

    def __init__(self, settings: BaseModel | None = None) -> None:
        self.settings = settings

    @hookimpl
    async def hub_pull_pupil(self, school, pupil_id):
        return factories.pupil(pupil_id)

    @hookimpl
    async def hub_pull_pupils(self, since):
        return [factories.pupil("p-1"), factories.pupil("p-2")]

    @hookimpl
    async def hub_pull_contacts(self, pupil_id):
        return [factories.contact(pupil_id)]


class SyncMis:
    """A second MIS, synchronous, to show two answers are refused."""

    @hookimpl
    def hub_pull_pupil(self, pupil_id):
        return factories.pupil(pupil_id)

    @hookimpl
    def hub_pull_contacts(self, pupil_id):
        return []


class Declining:
    """Implements the pulls but holds nothing: answers None."""

    @hookimpl
    async def hub_pull_pupil(self, pupil_id):
        return None


def _flag(
    flag_id: str, applies_to: Literal["pupil", "household"], severity: Severity = Severity.MEDIUM
) -> RiskFlag:
    return RiskFlag(
        id=flag_id,
        source="test",
        category="violence_to_staff",
        severity=severity,
        applies_to=applies_to,
        pupil_id="p-1" if applies_to == "pupil" else None,
        household_id="hh-1" if applies_to == "household" else None,
    )


class PupilFlags:
    @hookimpl
    async def hub_pull_risk_flags(self, pupil_id, household_id):
        return [_flag("f-1", "pupil")]


class HouseholdFlags:
    @hookimpl
    def hub_pull_risk_flags(self, pupil_id, household_id):
        return [_flag("f-2", "household")] if household_id else []


# --- pull -------------------------------------------------------------------------------


async def test_hook_pull_pupil_awaits_the_one_adapter_that_answers():
    hooks = hooks_for(("mis", AsyncMis()), ("other", Declining()))
    pupil = await hooks.pull_pupil(pupil_id="p-7")
    assert pupil.id == "p-7"


async def test_hook_pull_pupil_with_no_answer_names_who_was_asked():
    hooks = hooks_for(("other", Declining()))
    with pytest.raises(HookCardinalityError, match=r"got none \(implemented by: other\)"):
        await hooks.pull_pupil(pupil_id="p-1")


async def test_hook_pull_pupil_with_nobody_implementing_it_says_so():
    with pytest.raises(HookCardinalityError, match="no plugin or adapter"):
        await hooks_for().pull_pupil(pupil_id="p-1")


async def test_hook_pull_contacts_with_two_adapters_names_both():
    hooks = hooks_for(("wonde", AsyncMis()), ("csv", SyncMis()))
    with pytest.raises(HookCardinalityError, match="got 2, from: csv, wonde") as caught:
        await hooks.pull_contacts(pupil_id="p-1")
    assert "st-michaels" in str(caught.value)


async def test_hook_pull_contacts_accepts_an_empty_list_as_the_answer():
    hooks = hooks_for(("csv", SyncMis()))
    assert await hooks.pull_contacts(pupil_id="p-1") == []


async def test_hook_pull_pupils_returns_the_roll():
    pupils = await hooks_for(("mis", AsyncMis())).pull_pupils(since=None)
    assert [p.id for p in pupils] == ["p-1", "p-2"]


async def test_hook_pull_risk_flags_merges_async_and_sync_sources_for_pupil_and_household():
    hooks = hooks_for(("cpoms", PupilFlags()), ("register", HouseholdFlags()))
    flags = await hooks.pull_risk_flags(pupil_id="p-1", household_id="hh-1")
    assert sorted((f.id, f.applies_to) for f in flags) == [("f-1", "pupil"), ("f-2", "household")]


class Attendance:
    def __init__(self, attended: int) -> None:
        self.attended = attended

    @hookimpl
    async def hub_pull_attendance(self, pupil_id, since, until):
        return AttendanceSummary(
            pupil_id=pupil_id,
            since=since,
            until=until,
            possible_sessions=100,
            attended_sessions=self.attended,
        )


async def test_hook_pull_attendance_is_none_without_a_source_and_refuses_two():
    since, until = date(2026, 9, 1), date(2026, 11, 20)
    assert await hooks_for().pull_attendance(pupil_id="p-1", since=since, until=until) is None
    one = hooks_for(("mis", Attendance(85)))
    summary = await one.pull_attendance(pupil_id="p-1", since=since, until=until)
    assert summary is not None
    assert summary.percent == 85.0
    two = hooks_for(("a", Attendance(85)), ("b", Attendance(90)))
    with pytest.raises(HookCardinalityError, match="from: b, a"):
        await two.pull_attendance(pupil_id="p-1", since=since, until=until)


# --- assess, check, resolve ---------------------------------------------------------------


class ExtraRules:
    @hookimpl
    def hub_assess_visit(self, visit, flags):
        return [
            Finding(
                code="extra.flags",
                summary=f"{len(flags)} flags seen",
                severity=Severity.LOW,
                source="extra",
            )
        ]


def test_hook_assess_visit_concatenates_every_plugins_findings():
    from hub.plugins import risk_rules

    hooks = hooks_for(("risk_rules", risk_rules), ("extra", ExtraRules()))
    findings = hooks.assess_visit(
        visit=factories.visit(), flags=[_flag("f-1", "pupil")], questionnaire=None, now=T0
    )
    assert {f.source for f in findings} == {"risk_rules", "extra"}
    assert Control.PAIR_VISIT in {c for f in findings for c in f.controls}


class NoDeparturesOnFriday:
    @hookimpl
    def hub_check_transition(self, visit, to_state):
        if to_state is VisitState.DEPARTED:
            return [Veto(code="local.rule", reason="not today", source="local")]
        return []


def test_hook_check_transition_any_veto_is_returned_with_its_source():
    hooks = hooks_for(("local", NoDeparturesOnFriday()))
    vetoes = hooks.check_transition(
        visit=factories.visit(), to_state=VisitState.DEPARTED, assessment=None, now=T0
    )
    assert [(v.code, v.source) for v in vetoes] == [("local.rule", "local")]
    allowed = hooks.check_transition(
        visit=factories.visit(), to_state=VisitState.ASSESSED, assessment=None, now=T0
    )
    assert allowed == []


class WelfareToLeadDsl:
    @hookimpl
    def hub_resolve_authoriser(self, visit):
        if visit.reason.value == "welfare_concern":
            return Authoriser(roles=(StaffRole.LEAD_DSL,), source="local rule")
        return None


def test_hook_resolve_authoriser_school_plugin_answers_before_the_default():
    from hub.plugins import authoriser

    hooks = hooks_for(("authoriser", authoriser), ("local", WelfareToLeadDsl()))
    welfare = factories.visit(reason="welfare_concern")
    assert hooks.resolve_authoriser(visit=welfare).roles == (StaffRole.LEAD_DSL,)
    assert hooks.resolve_authoriser(visit=factories.visit()).roles == (StaffRole.DEPUTY_HEAD,)


def test_hook_resolve_authoriser_without_the_default_is_a_clear_error():
    with pytest.raises(HookCardinalityError, match="hub_resolve_authoriser got no answer"):
        hooks_for().resolve_authoriser(visit=factories.visit())


class TeamsFirst:
    @hookimpl
    def hub_resolve_channel_order(self, rung):
        return ("teams", *rung.channels)


def test_hook_resolve_channel_order_defaults_to_the_pack_and_can_be_overridden():
    from hub.plugins import ladder

    rung = factories.pack().rung(1)
    default = hooks_for(("ladder", ladder))
    assert default.resolve_channel_order(visit=factories.visit(), rung=rung) == ("sms", "email")
    local = hooks_for(("ladder", ladder), ("local", TeamsFirst()))
    order = local.resolve_channel_order(visit=factories.visit(), rung=rung)
    assert order == ("teams", "sms", "email")


# --- push and send ----------------------------------------------------------------------


class Cpoms:
    def __init__(self) -> None:
        self.receipts: dict[str, PushReceipt] = {}

    @hookimpl
    async def hub_push_visit_note(self, note, idempotency_key):
        return self.receipts.setdefault(idempotency_key, _receipt("cpoms", idempotency_key))

    @hookimpl
    def hub_push_agreement(self, agreement, idempotency_key):
        return _receipt("cpoms", idempotency_key)


class Outlook:
    @hookimpl
    async def hub_push_calendar_event(self, event, idempotency_key):
        return _receipt("msgraph", idempotency_key)


class Sms:
    @hookimpl
    async def hub_send_notification(self, notification, idempotency_key):
        if notification.channel != "sms":
            return None
        return DeliveryReceipt(
            system="sms",
            channel="sms",
            external_id="m-1",
            idempotency_key=idempotency_key,
            accepted_at=T0,
        )


def _note() -> VisitNote:
    return VisitNote(
        id="n-1",
        visit_id="v-1",
        pupil_id="p-1",
        written_by="s-1",
        written_at=T0,
        discussion=factories.fake(7).sentence(),
    )


async def test_hook_push_visit_note_returns_the_one_receipt():
    hooks = hooks_for(("cpoms", Cpoms()))
    receipt = await hooks.push_visit_note(
        visit=factories.visit(), note=_note(), idempotency_key="k1"
    )
    assert (receipt.system, receipt.idempotency_key) == ("cpoms", "k1")


async def test_hook_push_visit_note_to_two_systems_names_both():
    hooks = hooks_for(("cpoms", Cpoms()), ("myconcern", Cpoms()))
    with pytest.raises(HookCardinalityError, match="myconcern, cpoms"):
        await hooks.push_visit_note(visit=factories.visit(), note=_note(), idempotency_key="k")


async def test_hook_push_agreement_with_no_destination_fails_clearly():
    agreement = Agreement(
        id="a-1",
        visit_id="v-1",
        pupil_id="p-1",
        action="Arrive by 8:45",
        owner="parent",
        made_at=T0,
    )
    receipt = await hooks_for(("cpoms", Cpoms())).push_agreement(
        visit=factories.visit(), agreement=agreement, idempotency_key="a"
    )
    assert receipt.external_id == "cpoms-1"
    with pytest.raises(HookCardinalityError, match="hub_push_agreement"):
        await hooks_for().push_agreement(
            visit=factories.visit(), agreement=agreement, idempotency_key="a"
        )


async def test_hook_push_calendar_event_books_through_the_calendar_adapter():
    event = CalendarEvent(
        id="e-1",
        school_id="st-michaels",
        visit_id="v-1",
        starts_at=T0,
        ends_at=T0 + timedelta(hours=1),
        staff_ids=("s-1",),
    )
    hooks = hooks_for(("msgraph", Outlook()))
    receipt = await hooks.push_calendar_event(
        visit=factories.visit(), event=event, idempotency_key="c"
    )
    assert receipt.system == "msgraph"


def _notification(channel: str) -> Notification:
    return Notification(
        id="n-1", school_id="st-michaels", channel=channel, subject="Visit", body="Please ring"
    )


async def test_hook_send_notification_reaches_the_adapter_serving_the_channel():
    hooks = hooks_for(("sms", Sms()))
    receipt = await hooks.send_notification(notification=_notification("sms"), idempotency_key="n")
    assert receipt.channel == "sms"
    with pytest.raises(HookCardinalityError, match=r"implemented by: sms"):
        await hooks.send_notification(notification=_notification("email"), idempotency_key="n")


class WrongType:
    @hookimpl
    async def hub_push_visit_note(self):
        return {"id": "x"}


async def test_an_answer_of_the_wrong_type_names_the_plugin():
    hooks = hooks_for(("sloppy", WrongType()))
    with pytest.raises(PluginError, match="plugin 'sloppy' returned dict"):
        await hooks.push_visit_note(visit=factories.visit(), note=_note(), idempotency_key="k")


# --- on, health ---------------------------------------------------------------------------


class Broken:
    @hookimpl
    async def hub_on_visit_event(self, event):
        raise RuntimeError("observer bug")

    @hookimpl
    def hub_health(self, now):
        raise ConnectionError("down")


class Seen:
    def __init__(self) -> None:
        self.kinds: list[str] = []

    @hookimpl
    def hub_on_visit_event(self, event):
        self.kinds.append(event.kind.value)

    @hookimpl
    async def hub_health(self, school, now):
        return HealthReport(component="seen", ok=True, checked_at=now)


def _event(kind: VisitEventKind = VisitEventKind.REQUESTED) -> VisitEvent:
    return VisitEvent(school_id="st-michaels", visit_id="v-1", kind=kind, at=T0)


async def test_hook_on_visit_event_isolates_a_failing_observer():
    seen = Seen()
    hooks = hooks_for(("seen", seen), ("broken", Broken()))
    with structlog.testing.capture_logs() as logs:
        failed = await hooks.on_visit_event(event=_event())
    assert failed == ["broken"]
    assert seen.kinds == ["requested"]
    [failure] = [e for e in logs if e["event"] == "hook.observer_failed"]
    assert failure["plugin"] == "broken"
    assert failure["error"] == "RuntimeError"
    assert "observer bug" not in str(failure)


async def test_hook_health_reports_each_plugin_and_a_raising_one_as_failed():
    hooks = hooks_for(("seen", Seen()), ("broken", Broken()))
    reports = await hooks.health(now=T0)
    assert {(r.component, r.ok) for r in reports} == {("seen", True), ("broken", False)}
    assert "ConnectionError" in next(r.detail for r in reports if not r.ok)


# --- loading, validation, disabling -------------------------------------------------------


class Typo:
    @hookimpl
    def hub_pul_pupil(self, pupil_id):
        return None


class Unmarked:
    def hub_pull_pupil(self, pupil_id):
        return None


class UnknownArgument:
    @hookimpl
    def hub_pull_pupil(self, pupil_id, colour):
        return None


class DefaultArgument:
    @hookimpl
    def hub_pull_pupil(self, pupil_id, school=None):
        return None


class AsyncAssess:
    @hookimpl
    async def hub_assess_visit(self, visit):
        return []


class AsyncHookWrapper:
    @hookimpl(wrapper=True)
    def hub_pull_pupil(self, pupil_id):
        return (yield)


@pytest.mark.parametrize(
    ("plugin", "message"),
    [
        (Typo(), "adapter 'bad' implements unknown hook 'hub_pul_pupil'"),
        (Unmarked(), "adapter 'bad': hub_pull_pupil is not marked @hookimpl"),
        (UnknownArgument(), r"adapter 'bad' cannot be registered: .*hub_pull_pupil.*colour"),
        (DefaultArgument(), "adapter 'bad': hub_pull_pupil gives argument.* school a default"),
        (AsyncAssess(), "adapter 'bad': hub_assess_visit must be synchronous"),
        (AsyncHookWrapper(), "adapter 'bad': hub_pull_pupil may be async, so it takes no wrappers"),
    ],
)
def test_a_bad_plugin_fails_at_start_up_naming_plugin_and_hook(plugin, message):
    with pytest.raises(PluginError, match=message):
        hooks_for(("bad", plugin))


def test_two_plugins_with_one_name_are_refused():
    with pytest.raises(PluginError, match="named 'mis'"):
        hooks_for(("mis", AsyncMis()), ("mis", SyncMis()))


def test_the_school_must_follow_the_pack_it_is_built_with():
    other = School(id="x", name="X", policy_pack="harrogate")
    with pytest.raises(ConfigError, match="follows pack 'harrogate'"):
        build_hooks(other, pack=factories.pack(), entry_points=False)


def test_installed_builtins_are_discovered_through_entry_points():
    hooks = build_hooks(school(), pack=factories.pack(), recorder=MemoryRecorder())
    declared = {point.name for point in entry_points(group="doorstep.plugins")}
    assert {"audit", "authoriser", "ladder", "risk_rules"} <= declared
    assert hooks.plugins() == dict.fromkeys(declared, "plugin")


def test_the_audit_plugin_refuses_to_start_without_a_recorder():
    with pytest.raises(PluginError, match="plugin 'audit' needs an event recorder"):
        build_hooks(school(), pack=factories.pack())


def test_disabled_plugins_are_blocked_before_loading():
    hooks = build_hooks(
        school(),
        pack=factories.pack(),
        disabled={"audit", "risk_rules"},
        extra=[("mis", AsyncMis()), ("risk_rules", ExtraRules())],
    )
    declared = {point.name for point in entry_points(group="doorstep.plugins")}
    assert set(hooks.plugins()) == (declared - {"audit", "risk_rules"}) | {"mis"}
    findings = hooks.assess_visit(
        visit=factories.visit(), flags=[_flag("f", "pupil")], questionnaire=None, now=T0
    )
    assert findings == []


class MisSettings(BaseModel):
    base_url: str = "https://mis.example.invalid"


def test_adapters_are_instantiated_per_school_only_when_enabled(monkeypatch):
    point = EntryPoint(
        name="fakemis", value=f"{__name__}:AsyncMis", group=loading.GROUPS["adapter"]
    )

    def with_fake_adapter(*, group: str):
        found = list(entry_points(group=group))
        return [*found, point] if group == loading.GROUPS["adapter"] else found

    monkeypatch.setattr(loading, "entry_points", with_fake_adapter)
    settings = MisSettings()
    hooks = build_hooks(
        school(), pack=factories.pack(), disabled={"audit"}, adapter_settings={"fakemis": settings}
    )
    assert hooks.plugins()["fakemis"] == "adapter"
    skipped = build_hooks(school(), pack=factories.pack(), disabled={"audit"}, adapter_settings={})
    assert "fakemis" not in skipped.plugins()


# --- logging ------------------------------------------------------------------------------


async def test_log_lines_name_hooks_and_plugins_but_never_argument_values():
    faker = factories.fake(99)
    pupil = factories.pupil("p-1", faker=faker)
    note = _note()
    personal = [pupil.first_name, pupil.last_name, note.discussion]
    assert pupil.address is not None
    personal += [pupil.address.line1, pupil.address.postcode]

    class Echo:
        @hookimpl
        async def hub_pull_pupil(self, pupil_id):
            return pupil

        @hookimpl
        async def hub_push_visit_note(self, note, idempotency_key):
            return _receipt("cpoms", idempotency_key)

    hooks = hooks_for(("echo", Echo()), ("seen", Seen()), ("broken", Broken()), trace=True)
    with structlog.testing.capture_logs() as logs:
        await hooks.pull_pupil(pupil_id="p-1")
        await hooks.push_visit_note(visit=factories.visit(), note=note, idempotency_key="k")
        await hooks.on_visit_event(event=_event())
    calls = [e for e in logs if e["event"] == "hook.call"]
    assert [e["hook"] for e in calls] == [
        "hub_pull_pupil",
        "hub_push_visit_note",
        "hub_on_visit_event",
    ]
    assert all({"plugins", "ms", "outcome"} <= set(e) for e in calls)
    traced = [e for e in logs if e["event"] == "hook.trace" and "plugin" in e]
    assert {(e["hook"], e["plugin"]) for e in traced} >= {("hub_pull_pupil", "echo")}
    assert all(set(e) <= {"event", "log_level", "hook", "plugin", "ms"} for e in traced)
    text = repr(logs)
    for value in personal:
        assert value not in text
