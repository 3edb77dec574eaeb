"""``MyConcernAdapter``: risk indicators from, and visit notes into, a MyConcern-style system."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import ClassVar

import httpx

from hub import hookimpl
from hub.adapter import AdapterManifest, Availability
from hub.adapters.myconcern.client import ADAPTER_ID, MyConcernClient
from hub.adapters.myconcern.fake import FakeState, create_app
from hub.adapters.myconcern.models import concern_payload, to_risk_flag
from hub.adapters.myconcern.settings import MyConcernSettings
from hub.errors import AdapterError, TransientError
from hub.hooks.types import HealthReport, MockBackendRegistrar, PushReceipt, SettingsRegistrar
from hub.models import RiskFlag, Visit, VisitNote


class MyConcernAdapter:
    """A school's safeguarding record in MyConcern: risk indicators on a pupil and their
    family, and each visit note raised once into the DSL's triage queue."""

    manifest: ClassVar[AdapterManifest] = AdapterManifest(
        id=ADAPTER_ID,
        name="MyConcern (MyConcern-style API)",
        roles=frozenset({"safeguarding"}),
        capabilities=frozenset({"risk_flags", "household_flags", "visit_notes", "dsl_triage"}),
        docs_url="https://github.com/doorstep/doorstep/tree/main/adapters/myconcern",
        codeowners=("@doorstep/adapters",),
    )

    def __init__(
        self,
        settings: MyConcernSettings,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._settings = settings
        self._client = MyConcernClient(settings, transport=transport, sleep=sleep)
        self._availability = Availability(ADAPTER_ID)

    async def start(self) -> None:
        """Nothing to open: connections are made on the first request."""

    async def stop(self) -> None:
        """Close the client's connections. Safe to call twice."""
        await self._client.aclose()

    @staticmethod
    @hookimpl
    def hub_register_settings(register: SettingsRegistrar) -> None:
        register(ADAPTER_ID, MyConcernSettings)

    @staticmethod
    @hookimpl
    def hub_register_mock_backends(register: MockBackendRegistrar) -> None:
        register(ADAPTER_ID, create_app, FakeState)

    @hookimpl
    async def hub_pull_risk_flags(self, pupil_id: str, household_id: str | None) -> list[RiskFlag]:
        own = await self._client.subjects(mis_id=pupil_id)
        own_ids = {subject.id for subject in own}
        families = {household_id} | {subject.family_id for subject in own}
        subjects = set(own_ids)
        for family in sorted(f for f in families if f):
            subjects |= {s.id for s in await self._client.subjects(family_id=family)}
        household = household_id or next((s.family_id for s in own if s.family_id), None)
        flags: list[RiskFlag] = []
        for subject_id in sorted(subjects):
            for indicator in await self._client.indicators(subject_id):
                if indicator.level < self._settings.min_level:
                    continue
                flag = to_risk_flag(
                    indicator,
                    own=subject_id in own_ids,
                    pupil_id=pupil_id,
                    household_id=household,
                    renames=self._settings.indicator_flags,
                    source=ADAPTER_ID,
                )
                flags.append(flag)
        return flags

    @hookimpl
    async def hub_push_visit_note(
        self, visit: Visit, note: VisitNote, idempotency_key: str
    ) -> PushReceipt:
        existing = await self._client.concern_by_reference(idempotency_key)
        if existing is not None:
            return self._receipt(existing.id, idempotency_key, created=False)
        subject = next(iter(await self._client.subjects(mis_id=note.pupil_id)), None)
        payload = concern_payload(
            visit,
            note,
            client_reference=idempotency_key,
            subject_id=subject.id if subject else None,
            concern_type=self._settings.concern_type,
            notify_user_ids=self._settings.notify_user_ids,
        )
        try:
            concern_id = await self._client.raise_concern(payload)
        except TransientError:
            found = await self._client.concern_by_reference(idempotency_key)
            if found is None:
                raise
            concern_id = found.id
        return self._receipt(concern_id, idempotency_key, created=True)

    def _receipt(self, concern_id: str, key: str, *, created: bool) -> PushReceipt:
        return PushReceipt(
            system=ADAPTER_ID, external_id=concern_id, idempotency_key=key, created=created
        )

    @hookimpl
    async def hub_health(self, now: datetime) -> HealthReport:
        try:
            organisation = await self._client.organisation()
        except AdapterError as exc:
            self._availability.failed(exc)
            fix = (
                "check api_key and organisation_id"
                if exc.status in (401, 403, 404)
                else "MyConcern did not answer; try again later"
            )
            detail = f"{type(exc).__name__} ({exc.status or 'no answer'}): {fix}"
            return HealthReport(component=ADAPTER_ID, ok=False, detail=detail, checked_at=now)
        self._availability.succeeded()
        if organisation.get("integration_enabled") is not True:
            detail = "the API integration is switched off in MyConcern Settings → Integrations"
            return HealthReport(component=ADAPTER_ID, ok=False, detail=detail, checked_at=now)
        return HealthReport(
            component=ADAPTER_ID, ok=True, detail="organisation reachable", checked_at=now
        )
