"""``CpomsAdapter``: risk flags from, and visit notes into, a CPOMS-style system."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import ClassVar

import httpx

from hub import hookimpl
from hub.adapter import AdapterManifest, Availability
from hub.adapters.cpoms.client import ADAPTER_ID, CpomsClient
from hub.adapters.cpoms.fake import FakeState, create_app
from hub.adapters.cpoms.models import (
    DSL_ALERT_SUFFIX,
    WireIncident,
    dsl_alert_payload,
    incident_payload,
    to_risk_flags,
)
from hub.adapters.cpoms.settings import CpomsSettings
from hub.errors import AdapterConfigError, AdapterError, RejectedError, TransientError
from hub.hooks.types import HealthReport, MockBackendRegistrar, PushReceipt, SettingsRegistrar
from hub.models import RiskFlag, Visit, VisitNote


class CpomsAdapter:
    """A school's safeguarding record in CPOMS: category-level risk flags on a pupil and
    their household, and each visit note filed as an incident exactly once."""

    manifest: ClassVar[AdapterManifest] = AdapterManifest(
        id=ADAPTER_ID,
        name="CPOMS (CPOMS-style API)",
        roles=frozenset({"safeguarding"}),
        capabilities=frozenset({"risk_flags", "household_flags", "visit_notes", "dsl_alert"}),
        docs_url="https://github.com/doorstep/doorstep/tree/main/adapters/cpoms",
        codeowners=("@doorstep/adapters",),
    )

    def __init__(
        self,
        settings: CpomsSettings,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._settings = settings
        self._client = CpomsClient(settings, transport=transport, sleep=sleep)
        self._availability = Availability(ADAPTER_ID)

    async def start(self) -> None:
        """Nothing to open: connections are made on the first request."""

    async def stop(self) -> None:
        """Close the client's connections. Safe to call twice."""
        await self._client.aclose()

    # --- start-up -----------------------------------------------------------------------

    @staticmethod
    @hookimpl
    def hub_register_settings(register: SettingsRegistrar) -> None:
        register(ADAPTER_ID, CpomsSettings)

    @staticmethod
    @hookimpl
    def hub_register_mock_backends(register: MockBackendRegistrar) -> None:
        register(ADAPTER_ID, create_app, FakeState)

    # --- pull ---------------------------------------------------------------------------

    @hookimpl
    async def hub_pull_risk_flags(self, pupil_id: str, household_id: str | None) -> list[RiskFlag]:
        student = await self._client.student_by_mis_id(pupil_id)
        household = household_id or (student.household_id if student else None)
        students = {student.id} if student else set()
        for known in {household_id, student.household_id if student else None} - {None}:
            students |= {sibling.id for sibling in await self._client.household(str(known))}
        incidents: dict[str, WireIncident] = {}
        for student_id in sorted(students):
            for incident in await self._client.incidents_for(student_id):
                incidents[incident.id] = incident
        if not incidents:
            return []
        return to_risk_flags(
            incidents.values(),
            pupil_id=pupil_id,
            student_id=student.id if student else None,
            household_id=household,
            categories=await self._client.categories(),
            rules=self._settings.risk_categories,
            source=ADAPTER_ID,
        )

    # --- push ---------------------------------------------------------------------------

    @hookimpl
    async def hub_push_visit_note(
        self, visit: Visit, note: VisitNote, idempotency_key: str
    ) -> PushReceipt:
        existing = await self._client.incident_by_ref(idempotency_key)
        if existing is None:
            incident_id = await self._file(visit, note, idempotency_key)
            done: set[str] = set()
        else:
            incident_id, done = existing.id, existing.action_refs()
        if note.safeguarding_concern and idempotency_key + DSL_ALERT_SUFFIX not in done:
            await self._alert_dsl(incident_id, idempotency_key)
        return PushReceipt(
            system=ADAPTER_ID,
            external_id=incident_id,
            idempotency_key=idempotency_key,
            created=existing is None,
        )

    async def _file(self, visit: Visit, note: VisitNote, key: str) -> str:
        """Create the incident; if the answer is lost, look for it before anyone retries."""
        payload = incident_payload(
            visit,
            note,
            idempotency_key=key,
            student_ids=await self._student_ids(note.pupil_id),
            category_id=await self._note_category_id(),
            alert_staff=self._settings.alert_staff,
            alert_groups=self._settings.alert_groups,
            source=self._settings.source_label,
        )
        try:
            return await self._client.create_incident(payload)
        except TransientError:
            found = await self._client.incident_by_ref(key)
            if found is None:
                raise
            return found.id

    async def _alert_dsl(self, incident_id: str, key: str) -> None:
        payload = dsl_alert_payload(idempotency_key=key, dsl_group=self._settings.dsl_group)
        try:
            await self._client.add_action(incident_id, payload)
        except TransientError:
            found = await self._client.incident_by_ref(key)
            if found is None or key + DSL_ALERT_SUFFIX not in found.action_refs():
                raise

    async def _student_ids(self, pupil_id: str) -> list[str]:
        student = await self._client.student_by_mis_id(pupil_id)
        if student is not None:
            return [student.id]
        if self._settings.unmatched_pupils == "reject":
            raise RejectedError(
                "cpoms: the pupil is not known to CPOMS and unmatched_pupils is 'reject'",
                adapter=ADAPTER_ID,
            )
        return []  # the incident tray: a DSL attaches it to the right student

    async def _note_category_id(self) -> str:
        wanted = self._settings.note_category.casefold()
        for category in (await self._client.categories()).values():
            if category.name.casefold() == wanted and category.writable:
                return category.id
        raise AdapterConfigError(
            "cpoms: note_category is not a category the integration may write; "
            "check note_category and the category's permissions in CPOMS",
            adapter=ADAPTER_ID,
        )

    # --- health -------------------------------------------------------------------------

    @hookimpl
    async def hub_health(self, now: datetime) -> HealthReport:
        try:
            status = str((await self._client.integration()).get("status", ""))
        except AdapterError as exc:
            self._availability.failed(exc)
            code = f" ({exc.status})" if exc.status else ""
            detail = f"{type(exc).__name__}{code}: {_fix_for(exc)}"
            return HealthReport(component=ADAPTER_ID, ok=False, detail=detail, checked_at=now)
        self._availability.succeeded()
        if status != "active":
            status = status if status.isidentifier() and len(status) <= 20 else "unknown"
            detail = f"integration is '{status}': finish it in CPOMS Admin → Integrations"
            return HealthReport(component=ADAPTER_ID, ok=False, detail=detail, checked_at=now)
        return HealthReport(
            component=ADAPTER_ID, ok=True, detail="integration active", checked_at=now
        )


def _fix_for(exc: AdapterError) -> str:
    if exc.status in (401, 403):
        return "check api_key and that the integration is ACTIVE in CPOMS Admin → Integrations"
    if exc.status == 404:
        return "check base_url (the school's own CPOMS host and API path)"
    return "CPOMS did not answer; try again later"
