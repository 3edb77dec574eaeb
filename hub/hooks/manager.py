"""The per-school plugin manager and its typed facade, ``Hooks``.

``build_hooks(school, pack=...)`` registers the installed plugins, the adapters this
school enabled (instantiated with this school's settings) and any ``extra`` objects,
refuses bad ones at start-up, and returns a ``Hooks``. ``Hooks`` is the only code that
calls ``pm.hook``: one typed method per hook, keyword arguments, async implementations
awaited, cardinality enforced, observers isolated, one log line per call.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, datetime
from types import ModuleType
from typing import Any, TypeVar

import pluggy
import structlog
from pydantic import BaseModel

from hub.errors import ConfigError, HookCardinalityError, PluginError
from hub.followup.register import SessionMark
from hub.hooks import calling
from hub.hooks.calling import Answer, HookCall, expect, expect_list
from hub.hooks.context import EventRecorder, PluginContext
from hub.hooks.loading import (
    Kind,
    call_each,
    discover,
    new_manager,
    per_school,
    register,
    validate,
)
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
    Contact,
    Finding,
    Pupil,
    RiskAssessment,
    RiskFlag,
    RiskQuestionnaire,
    School,
    Visit,
    VisitEvent,
    VisitNote,
    VisitState,
)
from hub.policy import PolicyPack, Rung

log = structlog.get_logger(__name__)

T = TypeVar("T")


def build_hooks(
    school: School,
    *,
    pack: PolicyPack,
    entry_points: bool = True,
    extra: Iterable[tuple[str, object]] = (),
    adapter_settings: Mapping[str, BaseModel] | None = None,
    disabled: Iterable[str] = frozenset(),
    recorder: EventRecorder | None = None,
    trace: bool = False,
) -> Hooks:
    """Build one school's plugin manager and return its facade.

    ``adapter_settings`` maps each adapter id this school enabled to its validated
    settings; installed adapters not in it are not instantiated. ``extra`` adds
    ``(name, plugin)`` pairs (tests, embedders); a module with a ``per_school`` class
    is instantiated with a ``PluginContext`` like an installed plugin. ``disabled``
    (``DOORSTEP_DISABLE_PLUGINS``) blocks names before anything is imported.
    """
    if school.policy_pack != pack.id:
        raise ConfigError(
            f"school '{school.id}' follows pack '{school.policy_pack}', not '{pack.id}'"
        )
    blocked = frozenset(disabled)
    manager = new_manager(blocked)
    context = PluginContext(school=school, pack=pack, recorder=recorder)
    kinds: dict[str, Kind] = {}
    if entry_points:
        for found in discover(blocked=blocked):
            if found.kind == "plugin":
                plugin = per_school(found.target, context)
            elif adapter_settings is not None and found.name in adapter_settings:
                plugin = _start_adapter(found.name, found.target, adapter_settings[found.name])
            else:
                continue
            kinds[found.name] = found.kind
            register(manager, found.name, plugin, found.kind)
    for name, plugin in extra:
        if name in blocked:
            continue
        kinds[name] = "plugin" if isinstance(plugin, ModuleType) else "adapter"
        register(manager, name, per_school(plugin, context), kinds[name])
    validate(manager, kinds)
    if trace:
        manager.add_hookcall_monitoring(_trace_before, _trace_after)
    return Hooks(manager, school=school, pack=pack, kinds=kinds, trace=trace)


def _start_adapter(name: str, adapter_class: object, settings: BaseModel) -> object:
    if not callable(adapter_class):
        raise PluginError(f"adapter '{name}' entry point is not a class")
    try:
        return adapter_class(settings)
    except Exception as exc:
        raise PluginError(f"adapter '{name}' cannot start ({type(exc).__name__})") from exc


def _trace_before(hook: str, impls: Sequence[pluggy.HookImpl], kwargs: Mapping[str, Any]) -> None:
    log.debug("hook.trace", hook=hook, plugins=[impl.plugin_name for impl in impls])


def _trace_after(
    outcome: pluggy.Result[Any],
    hook: str,
    impls: Sequence[pluggy.HookImpl],
    kwargs: Mapping[str, Any],
) -> None:
    log.debug("hook.trace.done", hook=hook, failed=outcome.exception is not None)


class Hooks:
    """One school's hooks, as typed methods. Build it with ``build_hooks``."""

    def __init__(
        self,
        manager: pluggy.PluginManager,
        *,
        school: School,
        pack: PolicyPack,
        kinds: Mapping[str, Kind],
        trace: bool = False,
    ) -> None:
        self._pm = manager
        self.school = school
        self.pack = pack
        self._kinds = dict(kinds)
        self._trace = trace

    def plugins(self) -> dict[str, Kind]:
        """Every registered plugin and adapter name, with its kind."""
        return {
            name: self._kinds.get(name, "plugin")
            for name, plugin in self._pm.list_name_plugin()
            if plugin is not None
        }

    # --- adapter lifecycle --------------------------------------------------------------

    def adapters(self) -> dict[str, object]:
        """Every registered adapter instance, by name."""
        return {
            name: plugin
            for name, plugin in self._pm.list_name_plugin()
            if plugin is not None and self._kinds.get(name) == "adapter"
        }

    async def start(self) -> list[str]:
        """Await every adapter's ``start()``; one failing does not stop the others.

        Returns the names of the adapters that failed to start (each logged).
        """
        return await call_each(self.adapters(), "start")

    async def aclose(self) -> list[str]:
        """Await every adapter's ``stop()`` (closing its clients), each isolated.

        Returns the names of the adapters whose ``stop()`` failed (each logged).
        """
        return await call_each(self.adapters(), "stop")

    # --- pull ---------------------------------------------------------------------------

    async def pull_pupil(self, *, pupil_id: str) -> Pupil:
        """The pupil, from the one adapter that holds pupils."""
        hook = "hub_pull_pupil"
        return await self._one(hook, {"pupil_id": pupil_id}, lambda a: expect(hook, a, Pupil))

    async def pull_pupils(self, *, since: datetime | None = None) -> list[Pupil]:
        """The roll, or the pupils changed since ``since``."""
        hook = "hub_pull_pupils"
        return await self._one(hook, {"since": since}, lambda a: expect_list(hook, a, Pupil))

    async def pull_contacts(self, *, pupil_id: str) -> list[Contact]:
        """The pupil's contacts, from the one adapter that holds them."""
        hook = "hub_pull_contacts"
        kwargs = {"pupil_id": pupil_id}
        return await self._one(hook, kwargs, lambda a: expect_list(hook, a, Contact))

    async def pull_attendance(
        self, *, pupil_id: str, since: date, until: date
    ) -> AttendanceSummary | None:
        """The pupil's attendance over the window, or None where no adapter holds it."""
        hook = "hub_pull_attendance"
        kwargs = {"pupil_id": pupil_id, "since": since, "until": until}
        with self._call(hook) as line:
            answers = await calling.gather(self._caller(hook), self._kw(kwargs), trace=self._trace)
            line.answered = [a.plugin for a in answers]
            answer = calling.at_most_one(hook, self.school.id, answers)
            return None if answer is None else expect(hook, answer, AttendanceSummary)

    async def pull_session_marks(self, *, since: date, until: date) -> list[SessionMark] | None:
        """The school's register over the window, or None where no adapter holds it."""
        hook = "hub_pull_session_marks"
        kwargs = {"since": since, "until": until}
        with self._call(hook) as line:
            answers = await calling.gather(self._caller(hook), self._kw(kwargs), trace=self._trace)
            line.answered = [a.plugin for a in answers]
            answer = calling.at_most_one(hook, self.school.id, answers)
            return None if answer is None else expect_list(hook, answer, SessionMark)

    async def pull_risk_flags(self, *, pupil_id: str, household_id: str | None) -> list[RiskFlag]:
        """Flags on the pupil and their household, merged from every source."""
        kwargs = {"pupil_id": pupil_id, "household_id": household_id}
        return await self._merged("hub_pull_risk_flags", kwargs, RiskFlag)

    # --- assess, check, resolve ---------------------------------------------------------

    def assess_visit(
        self,
        *,
        visit: Visit,
        flags: list[RiskFlag],
        questionnaire: RiskQuestionnaire | None,
        now: datetime,
    ) -> list[Finding]:
        """Every plugin's findings for the visit, concatenated."""
        kwargs = {"visit": visit, "flags": flags, "questionnaire": questionnaire, "now": now}
        return self._sync_merged("hub_assess_visit", kwargs, Finding)

    def check_transition(
        self,
        *,
        visit: Visit,
        to_state: VisitState,
        assessment: RiskAssessment | None,
        now: datetime,
    ) -> list[Veto]:
        """Every plugin's vetoes on the transition; an empty list allows it."""
        kwargs = {"visit": visit, "to_state": to_state, "assessment": assessment, "now": now}
        return self._sync_merged("hub_check_transition", kwargs, Veto)

    def resolve_authoriser(self, *, visit: Visit) -> Authoriser:
        """Who may authorise the visit (default: the pack's authorisation roles)."""
        return self._first("hub_resolve_authoriser", {"visit": visit}, Authoriser)

    def resolve_channel_order(self, *, visit: Visit, rung: Rung) -> tuple[str, ...]:
        """The channels to try for one ladder rung, first first."""
        hook = "hub_resolve_channel_order"
        order = self._first(hook, {"visit": visit, "rung": rung}, tuple)
        if not order or not all(isinstance(channel, str) for channel in order):
            raise PluginError(f"{hook} must answer a non-empty tuple of channel ids")
        return tuple(str(channel) for channel in order)

    # --- push and send ------------------------------------------------------------------

    async def push_visit_note(
        self, *, visit: Visit, note: VisitNote, idempotency_key: str
    ) -> PushReceipt:
        """Write the note into the one system that holds visit notes."""
        kwargs = {"visit": visit, "note": note, "idempotency_key": idempotency_key}
        return await self._one_of("hub_push_visit_note", kwargs, PushReceipt)

    async def push_agreement(
        self, *, visit: Visit, agreement: Agreement, idempotency_key: str
    ) -> PushReceipt:
        """Record the agreement in the one system that holds agreements."""
        kwargs = {"visit": visit, "agreement": agreement, "idempotency_key": idempotency_key}
        return await self._one_of("hub_push_agreement", kwargs, PushReceipt)

    async def push_calendar_event(
        self, *, visit: Visit, event: CalendarEvent, idempotency_key: str
    ) -> PushReceipt:
        """Book the visit in the one calendar system."""
        kwargs = {"visit": visit, "event": event, "idempotency_key": idempotency_key}
        return await self._one_of("hub_push_calendar_event", kwargs, PushReceipt)

    async def send_notification(
        self, *, notification: Notification, idempotency_key: str
    ) -> DeliveryReceipt:
        """Deliver on the notification's channel, through the one adapter serving it."""
        kwargs = {"notification": notification, "idempotency_key": idempotency_key}
        return await self._one_of("hub_send_notification", kwargs, DeliveryReceipt)

    # --- on, health ---------------------------------------------------------------------

    async def on_visit_event(self, *, event: VisitEvent) -> list[str]:
        """Tell every observer; a failing observer is logged and skipped. Returns who failed."""
        hook = "hub_on_visit_event"
        with self._call(hook) as line:
            failed = await calling.observe(
                self._caller(hook), self._kw({"event": event}), trace=self._trace
            )
            line.outcome = "partial" if failed else "ok"
            return failed

    async def health(self, *, now: datetime) -> list[HealthReport]:
        """One report per implementation; one that raises becomes a failed report."""
        hook = "hub_health"
        reports: list[HealthReport] = []
        with self._call(hook) as line:
            settled = await calling.settle(self._caller(hook), self._kw({"now": now}))
            for plugin, outcome in settled:
                if isinstance(outcome, Exception):
                    detail = f"health check raised {type(outcome).__name__}"
                    reports.append(
                        HealthReport(component=plugin, ok=False, detail=detail, checked_at=now)
                    )
                elif isinstance(outcome, BaseException):
                    raise outcome
                elif outcome is not None:
                    reports.append(expect(hook, Answer(plugin, outcome), HealthReport))
            line.answered = [report.component for report in reports]
            line.outcome = "ok" if all(report.ok for report in reports) else "unhealthy"
        return reports

    # --- plumbing: the only place that touches pm.hook ----------------------------------

    def _caller(self, hook: str) -> pluggy.HookCaller:
        caller: pluggy.HookCaller = getattr(self._pm.hook, hook)
        return caller

    def _kw(self, kwargs: Mapping[str, object]) -> dict[str, object]:
        return {"school": self.school, "pack": self.pack, **kwargs}

    def _call(self, hook: str) -> HookCall:
        return HookCall(hook, self.school.id, calling.plugin_names(self._caller(hook)))

    async def _one(
        self, hook: str, kwargs: Mapping[str, object], convert: Callable[[Answer], T]
    ) -> T:
        with self._call(hook) as line:
            answers = await calling.gather(self._caller(hook), self._kw(kwargs), trace=self._trace)
            line.answered = [a.plugin for a in answers]
            return convert(calling.exactly_one(hook, self.school.id, answers, line.plugins))

    async def _one_of(self, hook: str, kwargs: Mapping[str, object], kind: type[T]) -> T:
        return await self._one(hook, kwargs, lambda answer: expect(hook, answer, kind))

    async def _merged(self, hook: str, kwargs: Mapping[str, object], kind: type[T]) -> list[T]:
        with self._call(hook) as line:
            answers = await calling.gather(self._caller(hook), self._kw(kwargs), trace=self._trace)
            line.answered = [a.plugin for a in answers]
            return [item for answer in answers for item in expect_list(hook, answer, kind)]

    def _sync_merged(self, hook: str, kwargs: Mapping[str, object], kind: type[T]) -> list[T]:
        with self._call(hook) as line:
            results = self._invoke(hook, kwargs)
            who = " or ".join(line.plugins)
            merged: list[T] = []
            for result in results:
                merged += expect_list(hook, Answer(who, result), kind)
            return merged

    def _first(self, hook: str, kwargs: Mapping[str, object], kind: type[T]) -> T:
        with self._call(hook):
            result = self._invoke(hook, kwargs)
            if result is None:
                raise HookCardinalityError(
                    f"{hook} got no answer for school '{self.school.id}'; "
                    "is the built-in default plugin disabled?"
                )
            return expect(hook, Answer(hook, result), kind)

    def _invoke(self, hook: str, kwargs: Mapping[str, object]) -> Any:
        caller = self._caller(hook)
        spec = caller.spec
        names = spec.argnames if spec is not None else ()
        return caller(**{k: v for k, v in self._kw(kwargs).items() if k in names})
