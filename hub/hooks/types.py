"""Small models the hooks exchange, beyond the domain models in ``hub.models``.

Receipts, summaries and reports are frozen pydantic models like every domain model:
they never echo input in errors, and personal fields stay out of ``repr()``. The
registration callbacks are typed as protocols so a plugin can see what it may pass.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any, Protocol

from pydantic import BaseModel, Field, model_validator

from hub.models import StaffRole
from hub.models.base import DomainModel, Slug, UtcDateTime, personal

if TYPE_CHECKING:
    import typer


class PushReceipt(DomainModel):
    """What an outside system said when a record was written into it."""

    system: Slug = Field(description="Adapter id of the system written to.")
    external_id: str = Field(min_length=1, description="The record's id in that system.")
    idempotency_key: str = Field(min_length=1)
    created: bool = Field(
        default=True, description="False when the key had been seen and nothing new was made."
    )


class CalendarEvent(DomainModel):
    """A booking of a visit in the staff calendars (seed 004 books Outlook)."""

    id: str = Field(min_length=1)
    school_id: Slug
    visit_id: str
    starts_at: UtcDateTime
    ends_at: UtcDateTime
    staff_ids: tuple[str, ...] = Field(min_length=1)
    title: str = Field(
        default="Home visit", description="Shown in calendars; never a pupil's name."
    )
    location: str | None = personal(None, description="The address, for staff only.")


class Notification(DomainModel):
    """A message to people, to be delivered on one channel (sms, email, teams...)."""

    id: str = Field(min_length=1)
    school_id: Slug
    visit_id: str | None = None
    channel: Slug
    staff_ids: tuple[str, ...] = Field(default=(), description="Staff to reach.")
    roles: frozenset[StaffRole] = Field(
        default=frozenset(), description="Roles to reach; the adapter resolves people."
    )
    contact_ids: tuple[str, ...] = Field(default=(), description="Family contacts to reach.")
    subject: str = personal(min_length=1)
    body: str = personal(min_length=1)
    urgent: bool = False
    silent: bool = Field(
        default=False,
        description="Duress: nothing may show on the visiting staff member's screen.",
    )


class DeliveryReceipt(DomainModel):
    """A channel accepted a notification for delivery."""

    system: Slug
    channel: Slug
    external_id: str = Field(min_length=1)
    idempotency_key: str = Field(min_length=1)
    accepted_at: UtcDateTime


class AttendanceSummary(DomainModel):
    """Sessions attended out of sessions possible for one pupil over a window."""

    pupil_id: str
    since: date
    until: date
    possible_sessions: int = Field(ge=0)
    attended_sessions: int = Field(ge=0)

    @model_validator(mode="after")
    def _attended_within_possible(self) -> AttendanceSummary:
        if self.attended_sessions > self.possible_sessions:
            raise ValueError("attended_sessions cannot exceed possible_sessions")
        if self.until < self.since:
            raise ValueError("until must not be before since")
        return self

    @property
    def percent(self) -> float | None:
        """Attendance as a percentage, or None when no sessions were possible."""
        if self.possible_sessions == 0:
            return None
        return 100.0 * self.attended_sessions / self.possible_sessions


class HealthReport(DomainModel):
    """Whether one plugin or adapter can do its job right now."""

    component: str = Field(min_length=1, description="Plugin or adapter id.")
    ok: bool
    detail: str = Field(default="", description="Plain words; never a secret or a body.")
    checked_at: UtcDateTime


class Veto(DomainModel):
    """A reason a plugin refuses a visit transition. Any veto blocks it."""

    code: str = Field(pattern=r"^[a-z0-9_.]+$")
    reason: str = Field(min_length=1, description="Plain words for staff; never personal data.")
    source: str = Field(min_length=1, description="The plugin that vetoed, for the audit trail.")


class Authoriser(DomainModel):
    """Who may authorise a visit: any one member of staff holding one of ``roles``."""

    roles: tuple[StaffRole, ...] = Field(min_length=1)
    source: str = Field(min_length=1, description="Where the answer came from.")


class SettingsRegistrar(Protocol):
    """``register(plugin_id, model)``: the settings model of one plugin or adapter."""

    def __call__(self, plugin_id: str, model: type[BaseModel], /) -> None: ...


class CommandRegistrar(Protocol):
    """``register(name, app)``: a Typer sub-application mounted as ``doorstep <name>``."""

    def __call__(self, name: str, app: typer.Typer, /) -> None: ...


class MockBackendRegistrar(Protocol):
    """``register(adapter_id, create_app, state_factory)``: an adapter's fake system."""

    def __call__(
        self,
        adapter_id: str,
        create_app: Callable[[Any], object],
        state_factory: Callable[[], object],
        /,
    ) -> None: ...


@dataclass(frozen=True)
class MockBackend:
    """One adapter's fake outside system: build its state, then an ASGI app over it."""

    adapter_id: str
    create_app: Callable[[Any], object]
    state_factory: Callable[[], object]
