"""The Example MIS adapter: hook implementations only, mapping hub models to client calls."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import ClassVar

import httpx
from hub import hookimpl
from hub.adapter import AdapterManifest, Availability
from hub.errors import AdapterError
from hub.hooks.types import (
    HealthReport,
    MockBackendRegistrar,
    PushReceipt,
    SettingsRegistrar,
)
from hub.models import Contact, Pupil, RiskFlag, School, Visit, VisitNote

from doorstep_example.client import ExampleClient
from doorstep_example.fake import FakeState, create_app
from doorstep_example.models import note_payload, to_contact, to_pupil, to_risk_flag
from doorstep_example.settings import ExampleSettings


class ExampleAdapter:
    """Pupils, contacts and risk flags from the Example MIS; visit notes back into it."""

    manifest: ClassVar[AdapterManifest] = AdapterManifest(
        id="example",
        name="Example MIS",
        roles=frozenset({"mis", "safeguarding"}),
        capabilities=frozenset({"visit_notes"}),
        docs_url="https://example.invalid/doorstep-example",
        codeowners=("@your-team",),
    )

    def __init__(
        self,
        settings: ExampleSettings,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._client = ExampleClient(settings, transport=transport, sleep=sleep)
        self._availability = Availability(self.manifest.id)

    async def start(self) -> None:
        """Nothing to open ahead of the first call; the client connects lazily."""

    async def stop(self) -> None:
        """Close the HTTP client. Safe to call twice."""
        await self._client.aclose()

    @staticmethod
    @hookimpl
    def hub_register_settings(register: SettingsRegistrar) -> None:
        register("example", ExampleSettings)

    @staticmethod
    @hookimpl
    def hub_register_mock_backends(register: MockBackendRegistrar) -> None:
        register("example", create_app, FakeState)

    @hookimpl
    async def hub_pull_pupil(self, school: School, pupil_id: str) -> Pupil | None:
        wire = await self._client.pupil(pupil_id)
        return None if wire is None else to_pupil(wire, school_id=school.id)

    @hookimpl
    async def hub_pull_pupils(self, school: School, since: datetime | None) -> list[Pupil]:
        return [to_pupil(wire, school_id=school.id) for wire in await self._client.pupils()]

    @hookimpl
    async def hub_pull_contacts(self, pupil_id: str) -> list[Contact]:
        return [to_contact(w, pupil_id=pupil_id) for w in await self._client.contacts(pupil_id)]

    @hookimpl
    async def hub_pull_risk_flags(self, pupil_id: str) -> list[RiskFlag]:
        wires = await self._client.flags(pupil_id)
        return [to_risk_flag(w, pupil_id=pupil_id, source=self.manifest.id) for w in wires]

    @hookimpl
    async def hub_push_visit_note(
        self, visit: Visit, note: VisitNote, idempotency_key: str
    ) -> PushReceipt:
        external_id = await self._client.create_note(note_payload(note), idempotency_key)
        return PushReceipt(
            system=self.manifest.id, external_id=external_id, idempotency_key=idempotency_key
        )

    @hookimpl
    async def hub_health(self, now: datetime) -> HealthReport:
        try:
            await self._client.ping()
        except AdapterError as exc:
            self._availability.failed(exc)
            return HealthReport(component="example", ok=False, detail=str(exc), checked_at=now)
        self._availability.succeeded()
        return HealthReport(component="example", ok=True, detail="reachable", checked_at=now)
