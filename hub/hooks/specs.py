"""Every hook a Doorstep plugin or adapter may implement, in the order a visit meets them.

Names are ``hub_<verb>_<object>`` and the verb is a contract: ``register`` hands a
callback, ``pull`` reads with no side effects, ``assess``/``check``/``resolve`` are pure
and synchronous, ``push`` writes with an ``idempotency_key``, ``send`` delivers on one
channel, ``on`` observes, ``health`` reports reachability. Arguments are keyword nouns
from one glossary: ``school``, ``pack``, ``pupil_id``, ``visit``, ``note``,
``idempotency_key``, ``now``. Nothing outside ``hub.hooks.manager`` calls these hooks;
the rest of the hub calls the typed ``Hooks`` facade. ``docs/hooks.md`` documents each
hook with an example; a test keeps this module, that page and the tests in step.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pluggy

from hub.hooks import NAME

if TYPE_CHECKING:
    from datetime import date, datetime

    from hub.followup.register import SessionMark
    from hub.hooks.types import (
        AttendanceSummary,
        Authoriser,
        CalendarEvent,
        CommandRegistrar,
        DeliveryReceipt,
        HealthReport,
        MockBackendRegistrar,
        Notification,
        PushReceipt,
        SettingsRegistrar,
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

_spec = pluggy.HookspecMarker(NAME)

__all__ = [
    "hub_assess_visit",
    "hub_check_transition",
    "hub_health",
    "hub_on_visit_event",
    "hub_pull_attendance",
    "hub_pull_contacts",
    "hub_pull_pupil",
    "hub_pull_pupils",
    "hub_pull_risk_flags",
    "hub_pull_session_marks",
    "hub_push_agreement",
    "hub_push_calendar_event",
    "hub_push_visit_note",
    "hub_register_commands",
    "hub_register_mock_backends",
    "hub_register_settings",
    "hub_resolve_authoriser",
    "hub_resolve_channel_order",
    "hub_send_notification",
]


# --- register: at start-up, before any school is served ------------------------------


@_spec
def hub_register_settings(register: SettingsRegistrar) -> None:
    """Declare the settings model of a plugin or adapter.

    Called: once at start-up by ``build_registry()``, before settings are validated.
    Call type: collecting; every implementation runs. An id registered twice is a
        PluginError naming the id.
    Args: register (SettingsRegistrar), called as ``register(plugin_id, Model)`` with a
        plain pydantic ``BaseModel`` subclass; the hub derives the TOML table and the
        ``DOORSTEP_`` env names from the id.
    Returns: None.
    Idempotency: pure declaration; calling it again declares the same models.
    Errors: none expected; an exception stops start-up.
    Sync/async: synchronous only. Adapters implement it as a ``@staticmethod``.
    Since: 0.1
    """


@_spec
def hub_register_commands(register: CommandRegistrar) -> None:
    """Add command groups to the ``doorstep`` command line.

    Called: once when the CLI starts, by ``build_registry()``.
    Call type: collecting; every implementation runs. A name registered twice is a
        PluginError naming it.
    Args: register (CommandRegistrar), called as ``register(name, typer_app)``; the
        group becomes ``doorstep <name>``.
    Returns: None.
    Idempotency: pure declaration.
    Errors: none expected; an exception stops start-up.
    Sync/async: synchronous only. Adapters implement it as a ``@staticmethod``.
    Since: 0.1
    """


@_spec
def hub_register_mock_backends(register: MockBackendRegistrar) -> None:
    """Offer an adapter's fake outside system to the test kit and ``doorstep demo``.

    Called: once by the contract kit, the demo and end-to-end tests.
    Call type: collecting; every implementation runs. An adapter id registered twice is
        a PluginError naming it.
    Args: register (MockBackendRegistrar), called as
        ``register(adapter_id, create_app, state_factory)``: ``state_factory()`` builds
        seeded fake data and ``create_app(state)`` returns an ASGI app over it.
    Returns: None.
    Idempotency: pure declaration.
    Errors: none expected; an exception stops start-up.
    Sync/async: synchronous only. Adapters implement it as a ``@staticmethod``.
    Since: 0.1
    """


# --- pull: read from outside systems, no side effects ---------------------------------


@_spec
def hub_pull_pupil(school: School, pupil_id: str) -> Pupil | None:
    """Read one pupil, with address, from the school's MIS.

    Called: when a visit is requested and before it is assessed.
    Call type: collecting, exactly one answer expected; none or two or more is a
        HookCardinalityError naming the adapters.
    Args: school (School), pupil_id (str, the MIS's id).
    Returns: Pupil, or None if this adapter does not hold pupils.
    Idempotency: a read; safe to retry.
    Errors: AdapterError subclasses (TransientError, AuthError, NotFoundError for an
        unknown id). Messages never contain names or addresses.
    Sync/async: implementations may be async.
    Since: 0.1
    """


@_spec
def hub_pull_pupils(school: School, since: datetime | None) -> list[Pupil] | None:
    """Read the school's roll, or the pupils changed since a moment, from the MIS.

    Called: by the scheduled roll sync.
    Call type: collecting, exactly one answer expected; none or two or more is a
        HookCardinalityError naming the adapters.
    Args: school (School), since (aware datetime, or None for the whole roll).
    Returns: list[Pupil] (every page followed), or None if this adapter does not hold
        pupils.
    Idempotency: a read; safe to retry.
    Errors: AdapterError subclasses. Messages never contain names or addresses.
    Sync/async: implementations may be async.
    Since: 0.1
    """


@_spec
def hub_pull_contacts(school: School, pupil_id: str) -> list[Contact] | None:
    """Read the people the school may contact about a pupil, from the MIS.

    Called: when a visit is requested, to arrange it and for the ladder's home rung.
    Call type: collecting, exactly one answer expected; none or two or more is a
        HookCardinalityError naming the adapters.
    Args: school (School), pupil_id (str).
    Returns: list[Contact] (may be empty), or None if this adapter does not hold
        contacts.
    Idempotency: a read; safe to retry.
    Errors: AdapterError subclasses. Messages never contain names or phone numbers.
    Sync/async: implementations may be async.
    Since: 0.1
    """


@_spec
def hub_pull_attendance(
    school: School, pupil_id: str, since: date, until: date
) -> AttendanceSummary | None:
    """Read a pupil's attendance over a window, for the referral threshold.

    Called: when a visit is assessed and by the attendance check after a visit.
    Call type: collecting, at most one answer; two or more is a HookCardinalityError
        naming the adapters, none means attendance is not known.
    Args: school (School), pupil_id (str), since (date, first day), until (date, last
        day, inclusive).
    Returns: AttendanceSummary, or None if this adapter does not hold attendance.
    Idempotency: a read; safe to retry.
    Errors: AdapterError subclasses.
    Sync/async: implementations may be async.
    Since: 0.1
    """


@_spec
def hub_pull_session_marks(school: School, since: date, until: date) -> list[SessionMark] | None:
    """Read the school's register, one mark per pupil per session, over a window.

    Called: by the daily attendance evaluation (``hub.followup.daily``), once per school
        per day, for the academic year to date.
    Call type: collecting, at most one answer; two or more is a HookCardinalityError
        naming the adapters, none means the register is not known (the evaluation then
        uses ``hub_pull_attendance`` summaries, and cannot judge penalty notices).
    Args: school (School), since (date, first day), until (date, last day, inclusive).
    Returns: list[SessionMark] (``pupil_id``, ``day``, ``session`` am/pm, the register
        ``code`` as the 2024 regulations write it; sessions not yet marked left out), or
        None if this adapter does not hold the register.
    Idempotency: a read; safe to retry.
    Errors: AdapterError subclasses. Messages never contain names or register codes.
    Sync/async: implementations may be async.
    Since: 0.2
    """


@_spec
def hub_pull_risk_flags(
    school: School, pupil_id: str, household_id: str | None
) -> list[RiskFlag] | None:
    """Read the risk flags on a pupil and on their household from safeguarding systems.

    Called: before every risk assessment, and again before departure.
    Call type: collecting, merged; every answer is flattened into one list, so a
        school may run several sources (CPOMS and a local register).
    Args: school (School), pupil_id (str), household_id (str or None: the address's
        household, so flags on siblings or adults at the address are found).
    Returns: list[RiskFlag] (category and severity only, never narrative), or None.
    Idempotency: a read; safe to retry.
    Errors: AdapterError subclasses. Messages never contain narrative or names.
    Sync/async: implementations may be async; the facade awaits them concurrently.
    Since: 0.1
    """


# --- assess, check, resolve: pure domain decisions -------------------------------------


@_spec
def hub_assess_visit(
    school: School,
    pack: PolicyPack,
    visit: Visit,
    flags: list[RiskFlag],
    questionnaire: RiskQuestionnaire | None,
    now: datetime,
) -> list[Finding] | None:
    """Turn risk flags and the questionnaire into findings with required controls.

    Called: when a visit is assessed, and whenever flags or answers change.
    Call type: collecting, merged; findings from every plugin are concatenated.
    Args: school (School), pack (PolicyPack), visit (Visit, read-only), flags
        (list[RiskFlag], pupil and household together), questionnaire
        (RiskQuestionnaire or None when not yet completed), now (aware datetime).
    Returns: list[Finding] (may be empty), each naming its plugin in ``source``.
    Idempotency: pure; the same arguments give the same findings.
    Errors: none expected; an exception is a bug and propagates.
    Sync/async: synchronous only; no I/O, no clock reads. Wrappers allowed.
    Since: 0.1
    """


@_spec
def hub_check_transition(
    school: School,
    pack: PolicyPack,
    visit: Visit,
    to_state: VisitState,
    assessment: RiskAssessment | None,
    now: datetime,
) -> list[Veto] | None:
    """Refuse a visit's move to a new state, with reasons.

    Called: before every state change, after the workflow's own guards passed.
    Call type: collecting, merged; any veto from any plugin blocks the transition.
    Args: school (School), pack (PolicyPack), visit (Visit, in its current state),
        to_state (VisitState), assessment (RiskAssessment or None), now (aware datetime).
    Returns: list[Veto] (empty or None allows), each naming its plugin in ``source``.
    Idempotency: pure.
    Errors: none expected; an exception is a bug and propagates.
    Sync/async: synchronous only; no I/O, no clock reads. Wrappers allowed.
    Since: 0.1
    """


@_spec(firstresult=True)
def hub_resolve_authoriser(school: School, pack: PolicyPack, visit: Visit) -> Authoriser | None:
    """Say which roles may authorise this visit.

    Called: when a visit is submitted for authorisation.
    Call type: firstresult; default in hub.plugins.authoriser (trylast), from
        ``pack.authorisation.roles``. Return None to leave the decision to others.
    Args: school (School), pack (PolicyPack), visit (Visit).
    Returns: Authoriser (roles and where the answer came from), or None.
    Idempotency: pure.
    Errors: none expected; no answer at all is a HookCardinalityError.
    Sync/async: synchronous only.
    Since: 0.1
    """


@_spec(firstresult=True)
def hub_resolve_channel_order(
    school: School, pack: PolicyPack, visit: Visit, rung: Rung
) -> tuple[str, ...] | None:
    """Say in which order notification channels are tried for one ladder rung.

    Called: when the escalation ladder reaches a rung, once per rung.
    Call type: firstresult; default in hub.plugins.ladder (trylast), the rung's
        ``channels`` as the pack lists them. Return None to leave it to others.
    Args: school (School), pack (PolicyPack), visit (Visit), rung (hub.policy.Rung).
    Returns: tuple of channel ids, first tried first, or None.
    Idempotency: pure.
    Errors: none expected; no answer at all is a HookCardinalityError.
    Sync/async: synchronous only.
    Since: 0.1
    """


# --- push and send: write to outside systems, with an idempotency key ------------------


@_spec
def hub_push_visit_note(
    school: School, visit: Visit, note: VisitNote, idempotency_key: str
) -> PushReceipt | None:
    """Write a finished visit note into the school's safeguarding system.

    Called: once per finished visit, inside a durable step; may run again after a crash.
    Call type: collecting, exactly one answer expected; none or two or more is a
        HookCardinalityError naming the adapters.
    Args: school (School), visit (Visit, read-only), note (VisitNote), idempotency_key
        (str, stable across every retry of this push).
    Returns: PushReceipt, or None if this adapter does not hold visit notes.
    Idempotency: a repeat with the same key returns the first receipt and creates
        nothing.
    Errors: TransientError (may carry retry_after), AuthError, RejectedError. Messages
        never contain note text or names.
    Sync/async: implementations may be async.
    Since: 0.1
    """


@_spec
def hub_push_agreement(
    school: School, visit: Visit, agreement: Agreement, idempotency_key: str
) -> PushReceipt | None:
    """Record something agreed with the family in the system the pack names.

    Called: once per agreement after the visit note is recorded, inside a durable step.
    Call type: collecting, exactly one answer expected; none or two or more is a
        HookCardinalityError naming the adapters.
    Args: school (School), visit (Visit), agreement (Agreement), idempotency_key (str,
        stable across retries).
    Returns: PushReceipt, or None if this adapter does not hold agreements.
    Idempotency: a repeat with the same key returns the first receipt and creates
        nothing.
    Errors: TransientError, AuthError, RejectedError. Messages never contain the
        agreement's text.
    Sync/async: implementations may be async.
    Since: 0.1
    """


@_spec
def hub_push_calendar_event(
    school: School, visit: Visit, event: CalendarEvent, idempotency_key: str
) -> PushReceipt | None:
    """Book, or move, a visit in the visiting staff's calendars.

    Called: when a visit is scheduled or rescheduled, when the pack's clauses ask for a
        booking.
    Call type: collecting, exactly one answer expected; none or two or more is a
        HookCardinalityError naming the adapters.
    Args: school (School), visit (Visit), event (CalendarEvent), idempotency_key (str;
        a new key per visit version, so a reschedule updates the booking).
    Returns: PushReceipt, or None if this adapter does not book calendars.
    Idempotency: a repeat with the same key returns the first receipt and books nothing.
    Errors: TransientError, AuthError, RejectedError. Messages never contain addresses.
    Sync/async: implementations may be async.
    Since: 0.1
    """


@_spec
def hub_send_notification(
    school: School, notification: Notification, idempotency_key: str
) -> DeliveryReceipt | None:
    """Deliver a notification on the channel it names (sms, email, teams...).

    Called: by the escalation ladder, authorisation requests and alerts, inside a
        durable step; the engine falls back to the next channel on failure.
    Call type: collecting, exactly one answer expected (the adapter serving
        ``notification.channel``); none or two or more is a HookCardinalityError.
    Args: school (School), notification (Notification), idempotency_key (str, stable
        across retries).
    Returns: DeliveryReceipt, or None if this adapter does not serve that channel.
    Idempotency: a repeat with the same key is not delivered twice.
    Errors: TransientError, AuthError, RejectedError. Messages never contain the
        body, names or numbers.
    Sync/async: implementations may be async.
    Since: 0.1
    """


# --- on: observe what happened ---------------------------------------------------------


@_spec
def hub_on_visit_event(school: School, event: VisitEvent) -> None:
    """Observe one event of a visit's life (requested, check-in, escalated, closed...).

    Called: after each event is recorded, in the order they happen.
    Call type: observer; every implementation runs, results are ignored.
    Args: school (School), event (VisitEvent; ``data`` holds no personal data).
    Returns: None.
    Idempotency: may be called again for the same event after a crash; key on
        ``(event.visit_id, event.kind, event.at)`` where it matters.
    Errors: must not raise; the facade logs a failure with the plugin's name and goes
        on to the next observer. What must not be lost goes through the durable outbox.
    Sync/async: implementations may be async.
    Since: 0.1
    """


# --- health: can each plugin and adapter do its job ------------------------------------


@_spec
def hub_health(school: School, now: datetime) -> HealthReport | None:
    """Report whether this plugin or adapter can reach what it needs.

    Called: by ``doorstep doctor``, the health endpoint and before a school starts.
    Call type: collecting, merged; one report per implementation. An implementation
        that raises becomes a failed report naming it.
    Args: school (School), now (aware datetime, for ``checked_at``).
    Returns: HealthReport, or None when there is nothing to check.
    Idempotency: a read; safe to repeat.
    Errors: should report failure in the HealthReport rather than raise.
    Sync/async: implementations may be async; the facade awaits them concurrently.
    Since: 0.1
    """
