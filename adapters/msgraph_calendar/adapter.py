"""``MsGraphCalendarAdapter``: visit bookings in Outlook calendars through Microsoft Graph."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any, ClassVar

import httpx
import structlog

from hub import hookimpl
from hub.adapter import AdapterManifest, Availability
from hub.adapters.msgraph_calendar.client import ADAPTER_ID, MsGraphCalendarClient
from hub.adapters.msgraph_calendar.fake import FakeState, create_app
from hub.adapters.msgraph_calendar.models import (
    WireEvent,
    create_body,
    event_body,
    is_withdrawal,
    visit_ref,
)
from hub.adapters.msgraph_calendar.settings import MsGraphCalendarSettings
from hub.errors import AdapterConfigError, AdapterError, TransientError
from hub.hooks.types import (
    CalendarEvent,
    HealthReport,
    MockBackendRegistrar,
    PushReceipt,
    SettingsRegistrar,
)
from hub.models import Visit

log = structlog.get_logger(__name__)


class MsGraphCalendarAdapter:
    """Books each visit in Outlook: one event in the organiser's calendar with the other
    staff invited, moved when the visit changes and cancelled when it is withdrawn."""

    manifest: ClassVar[AdapterManifest] = AdapterManifest(
        id=ADAPTER_ID,
        name="Microsoft 365 calendars (Microsoft Graph)",
        roles=frozenset({"calendar"}),
        capabilities=frozenset({"update", "cancel", "invites"}),
        docs_url="https://github.com/doorstep/doorstep/tree/main/adapters/msgraph_calendar",
        codeowners=("@doorstep/adapters",),
    )

    def __init__(
        self,
        settings: MsGraphCalendarSettings,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._settings = settings
        self._client = MsGraphCalendarClient(settings, transport=transport, sleep=sleep)
        self._availability = Availability(ADAPTER_ID)

    async def start(self) -> None:
        """Nothing to open: a token is fetched with the first request."""

    async def stop(self) -> None:
        """Close the client's connections. Safe to call twice."""
        await self._client.aclose()

    @staticmethod
    @hookimpl
    def hub_register_settings(register: SettingsRegistrar) -> None:
        register(ADAPTER_ID, MsGraphCalendarSettings)

    @staticmethod
    @hookimpl
    def hub_register_mock_backends(register: MockBackendRegistrar) -> None:
        register(ADAPTER_ID, create_app, FakeState)

    @hookimpl
    async def hub_push_calendar_event(
        self, visit: Visit, event: CalendarEvent, idempotency_key: str
    ) -> PushReceipt:
        organiser, attendees = self._people(event)
        ref = visit_ref(event.school_id, event.visit_id)
        found = await self._client.find_event(organiser, ref)
        if is_withdrawal(visit):
            return await self._withdraw(organiser, found, ref, idempotency_key)
        if found is not None and found.key == idempotency_key:
            return self._receipt(found.id, idempotency_key, created=False)
        body = event_body(event, ref=ref, idempotency_key=idempotency_key, attendees=attendees)
        if found is not None:
            await self._client.update_event(organiser, found.id, body)
            log.info("calendar.booking_moved", adapter=ADAPTER_ID, visit_id=visit.id)
            return self._receipt(found.id, idempotency_key, created=True)
        create = create_body(event, ref=ref, idempotency_key=idempotency_key, attendees=attendees)
        made = await self._create(organiser, ref, create)
        log.info("calendar.booked", adapter=ADAPTER_ID, visit_id=visit.id)
        return self._receipt(made.id, idempotency_key, created=True)

    async def _create(self, organiser: str, ref: str, body: dict[str, Any]) -> WireEvent:
        """Create the booking. A failed create may still have landed with its answer lost:
        look for it, and only if it is not there let the engine try again (same key)."""
        try:
            return await self._client.create_event(organiser, body)
        except TransientError:
            found = await self._client.find_event(organiser, ref)
            if found is None:
                raise
            return found

    async def _withdraw(
        self, organiser: str, found: WireEvent | None, ref: str, key: str
    ) -> PushReceipt:
        """Cancel the booking. The receipt names the visit's reference, the one thing a
        repeat can still find once Graph has moved the event to Deleted Items."""
        if found is None or found.is_cancelled:
            return self._receipt(ref, key, created=False)
        if found.attendees:
            await self._client.cancel_event(organiser, found.id, self._settings.cancel_comment)
        else:
            await self._client.delete_event(organiser, found.id)
        log.info("calendar.booking_cancelled", adapter=ADAPTER_ID)
        return self._receipt(ref, key, created=True)

    def _people(self, event: CalendarEvent) -> tuple[str, list[str]]:
        """The organiser's mailbox and the invited staff's addresses."""
        known = [
            self._settings.mailboxes[s] for s in event.staff_ids if s in self._settings.mailboxes
        ]
        unknown = len(event.staff_ids) - len(known)
        if unknown:
            log.warning("calendar.staff_without_mailbox", adapter=ADAPTER_ID, count=unknown)
        organiser = self._settings.organiser_mailbox
        if organiser is None:
            if event.staff_ids[0] not in self._settings.mailboxes:
                raise AdapterConfigError(
                    f"{ADAPTER_ID}: the visit's lead member of staff has no mailbox; add "
                    "them to 'mailboxes' or set 'organiser_mailbox'",
                    adapter=ADAPTER_ID,
                )
            organiser = known[0]
        return organiser, [m for m in dict.fromkeys(known) if m != organiser]

    @staticmethod
    def _receipt(external_id: str, key: str, *, created: bool) -> PushReceipt:
        return PushReceipt(
            system=ADAPTER_ID, external_id=external_id, idempotency_key=key, created=created
        )

    @hookimpl
    async def hub_health(self, now: datetime) -> HealthReport:
        mailbox = self._settings.organiser_mailbox or next(
            iter(self._settings.mailboxes.values()), None
        )
        if mailbox is None:
            detail = "no mailbox configured: set 'mailboxes' or 'organiser_mailbox'"
            return HealthReport(component=ADAPTER_ID, ok=False, detail=detail, checked_at=now)
        try:
            await self._client.ping(mailbox)
        except AdapterError as exc:
            self._availability.failed(exc)
            code = f" ({exc.status})" if exc.status else ""
            detail = f"{type(exc).__name__}{code}: {_fix_for(exc)}"
            return HealthReport(component=ADAPTER_ID, ok=False, detail=detail, checked_at=now)
        self._availability.succeeded()
        return HealthReport(
            component=ADAPTER_ID, ok=True, detail="token issued, calendar readable", checked_at=now
        )


def _fix_for(exc: AdapterError) -> str:
    if exc.status == 403:
        return "grant the app Calendars.ReadWrite (application) with admin consent"
    if exc.status in (400, 401):
        return "check tenant_id, client_id and client_secret (has the secret expired?)"
    if exc.status == 404:
        return "a configured mailbox does not exist in the tenant"
    return "Microsoft Graph did not answer; try again later"
