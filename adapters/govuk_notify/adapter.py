"""The govuk_notify adapter: hook implementations only."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import ClassVar

import httpx

from hub import hookimpl
from hub.adapter import AdapterManifest, Availability
from hub.adapters.govuk_notify.client import ADAPTER, NotifyClient
from hub.adapters.govuk_notify.fake import FakeState, create_app
from hub.adapters.govuk_notify.models import parse_api_key, payload
from hub.adapters.govuk_notify.settings import NotifySettings
from hub.errors import AdapterConfigError
from hub.hooks.types import (
    DeliveryReceipt,
    HealthReport,
    MockBackendRegistrar,
    Notification,
    SettingsRegistrar,
)
from hub.models import School
from hub.notify import SentKeys, compose, report_health


class NotifyAdapter:
    """Sends e-mails, text messages and letters through the school's Notify service."""

    manifest: ClassVar[AdapterManifest] = AdapterManifest(
        id=ADAPTER,
        name="GOV.UK Notify",
        roles=frozenset({"notification"}),
        capabilities=frozenset({"email", "sms", "letter"}),
        docs_url="adapters/govuk_notify/README.md",
    )

    def __init__(
        self,
        settings: NotifySettings,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._settings = settings
        self._clock = clock
        key = parse_api_key(settings.api_key.get_secret_value())
        self._client = NotifyClient(settings, key, transport=transport, sleep=sleep, clock=clock)
        self._availability = Availability(ADAPTER)
        self._sent = SentKeys()

    async def start(self) -> None:
        """Nothing to open ahead of the first message; the client connects lazily."""

    async def stop(self) -> None:
        """Close the HTTP client. Safe to call twice."""
        await self._client.aclose()

    @staticmethod
    @hookimpl
    def hub_register_settings(register: SettingsRegistrar) -> None:
        """Declare ``[adapters.govuk_notify]``."""
        register(ADAPTER, NotifySettings)

    @staticmethod
    @hookimpl
    def hub_register_mock_backends(register: MockBackendRegistrar) -> None:
        """Offer the fake Notify."""
        register(ADAPTER, create_app, FakeState)

    @hookimpl
    async def hub_send_notification(
        self, school: School, notification: Notification, idempotency_key: str
    ) -> DeliveryReceipt | None:
        """Send one Notify message per recipient; ``reference`` is the idempotency key
        (``<key>:<n>`` for the n-th recipient after the first). A reference Notify
        already holds is not sent again."""
        kind = self._settings.channels.get(notification.channel)
        if kind is None:
            return None
        earlier = self._sent.get(idempotency_key)
        if earlier is not None:
            return earlier
        template = getattr(self._settings.templates, kind)
        if template is None:
            raise AdapterConfigError(f"{ADAPTER}: no {kind} template id set", adapter=ADAPTER)
        addresses = self._settings.directory(kind).resolve(notification, adapter=ADAPTER)
        message = compose(notification, school, self._settings.message)
        ids = []
        for n, address in enumerate(addresses):
            reference = idempotency_key if n == 0 else f"{idempotency_key}:{n}"
            found = await self._client.find(reference)
            body = payload(kind, address, template, message, reference)
            ids.append(found or await self._client.send(kind, body))
        receipt = DeliveryReceipt(
            system=ADAPTER,
            channel=notification.channel,
            external_id=ids[0],
            idempotency_key=idempotency_key,
            accepted_at=datetime.fromtimestamp(self._clock(), UTC),
        )
        return self._sent.add(receipt)

    @hookimpl
    async def hub_health(self, now: datetime) -> HealthReport:
        """Read the service's templates: proves the key, the clock and the network."""
        return await report_health(
            ADAPTER, self._availability, self._client.ping, now, ok_detail="API key accepted"
        )
