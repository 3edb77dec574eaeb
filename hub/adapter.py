"""What an adapter says about itself: its manifest.

An adapter is a class talking to one outside system (an MIS, a safeguarding system,
a calendar, a notification channel). It declares a ``manifest: ClassVar[AdapterManifest]``
so the hub, ``doorstep plugins`` and the contract kit (``hub.testing``) know its id,
the roles it plays and what it can do, before any instance exists.
"""

from __future__ import annotations

from typing import Literal

import structlog
from pydantic import Field

from hub.models.base import DomainModel, Slug

log = structlog.get_logger(__name__)

AdapterRole = Literal["mis", "safeguarding", "calendar", "notification"]
"""The part an adapter plays; each role implies the hooks it must implement.

``mis`` → ``hub_pull_pupil`` and ``hub_pull_contacts``; ``safeguarding`` →
``hub_pull_risk_flags`` and ``hub_push_visit_note``; ``calendar`` →
``hub_push_calendar_event``; ``notification`` → ``hub_send_notification``.
"""

ROLE_HOOKS: dict[str, frozenset[str]] = {
    "mis": frozenset({"hub_pull_pupil", "hub_pull_contacts"}),
    "safeguarding": frozenset({"hub_pull_risk_flags", "hub_push_visit_note"}),
    "calendar": frozenset({"hub_push_calendar_event"}),
    "notification": frozenset({"hub_send_notification"}),
}
"""The hooks each role requires; the contract kit checks an adapter implements them."""


class AdapterManifest(DomainModel):
    """An adapter's identity card: id, name, roles, capabilities, docs and owners."""

    id: Slug = Field(description="The adapter id: entry-point name and settings key.")
    name: str = Field(min_length=1, description="The outside system's name, for people.")
    roles: frozenset[AdapterRole] = Field(
        description="The parts this adapter plays; each implies hooks."
    )
    capabilities: frozenset[str] = Field(
        default=frozenset(),
        description="Optional extras, e.g. 'attendance', 'incremental_sync', 'webhooks'.",
    )
    docs_url: str | None = Field(default=None, description="Where an IT admin reads more.")
    codeowners: tuple[str, ...] = Field(
        default=(), description="Who maintains it (GitHub handles or teams)."
    )


class Availability:
    """Logs an outside system going away once, and coming back once.

    Hold one per adapter instance; call ``failed(error)`` when a call to the system
    fails and ``succeeded()`` when one works. Only the change is logged, at info:
    ``adapter.unavailable`` (with the error's type) and ``adapter.recovered``.
    """

    def __init__(self, adapter_id: str) -> None:
        self.adapter_id = adapter_id
        self.available = True

    def failed(self, error: BaseException) -> None:
        """Record a failed call; log ``adapter.unavailable`` if it was available."""
        if self.available:
            self.available = False
            log.info("adapter.unavailable", adapter=self.adapter_id, error=type(error).__name__)

    def succeeded(self) -> None:
        """Record a call that worked; log ``adapter.recovered`` if it was unavailable."""
        if not self.available:
            self.available = True
            log.info("adapter.recovered", adapter=self.adapter_id)
