"""The webhook adapter: hook implementations, and verifying webhooks the hub receives."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime, timedelta
from typing import ClassVar

import httpx

from hub import hookimpl
from hub.adapter import AdapterManifest, Availability
from hub.adapters.webhook.client import ADAPTER, WebhookClient
from hub.adapters.webhook.fake import FakeState, create_app
from hub.adapters.webhook.models import (
    IncomingWebhook,
    encode,
    notification_event,
    ping_event,
    signed_headers,
    verify,
)
from hub.adapters.webhook.settings import WebhookSettings, secret_bytes
from hub.hooks.types import (
    DeliveryReceipt,
    HealthReport,
    MockBackendRegistrar,
    Notification,
    SettingsRegistrar,
)
from hub.models import School
from hub.notify import SentKeys, compose, report_health, serves, utc_now

SEEN_LIMIT = 10_000


class WebhookAdapter:
    """Sends notifications as signed Standard Webhooks events; verifies incoming ones."""

    manifest: ClassVar[AdapterManifest] = AdapterManifest(
        id=ADAPTER,
        name="Webhooks (Standard Webhooks)",
        roles=frozenset({"notification"}),
        capabilities=frozenset({"webhooks", "verify_incoming"}),
        docs_url="adapters/webhook/README.md",
    )

    def __init__(
        self,
        settings: WebhookSettings,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._settings = settings
        self._key = secret_bytes(settings.signing_secret)
        incoming = settings.incoming_secret or settings.signing_secret
        self._incoming_key = secret_bytes(incoming)
        self._clock = clock
        self._client = WebhookClient(settings, settings.path, transport=transport, sleep=sleep)
        self._availability = Availability(ADAPTER)
        self._sent = SentKeys()
        self._seen: dict[str, datetime] = {}

    async def start(self) -> None:
        """Nothing to open ahead of the first event; the client connects lazily."""

    async def stop(self) -> None:
        """Close the HTTP client. Safe to call twice."""
        await self._client.aclose()

    def verify_incoming(self, headers: Mapping[str, str], body: bytes) -> IncomingWebhook:
        """Check a webhook sent to the hub (Standard Webhooks): the signature over the raw
        ``body`` and a timestamp within ``tolerance_s`` (5 minutes) of now.

        Raises ``SignatureError`` when tampered, stale, from the future or unsigned. A
        webhook id seen before comes back with ``duplicate=True``: process it once.
        """
        msg_id, sent_at, payload = verify(
            [self._incoming_key],
            headers,
            body,
            now=self._clock(),
            tolerance=timedelta(seconds=self._settings.tolerance_s),
            adapter=ADAPTER,
        )
        duplicate = msg_id in self._seen
        self._seen[msg_id] = sent_at
        while len(self._seen) > SEEN_LIMIT:
            del self._seen[next(iter(self._seen))]
        return IncomingWebhook(id=msg_id, timestamp=sent_at, payload=payload, duplicate=duplicate)

    @staticmethod
    @hookimpl
    def hub_register_settings(register: SettingsRegistrar) -> None:
        """Declare ``[adapters.webhook]``."""
        register(ADAPTER, WebhookSettings)

    @staticmethod
    @hookimpl
    def hub_register_mock_backends(register: MockBackendRegistrar) -> None:
        """Offer the fake receiver."""
        register(ADAPTER, create_app, FakeState)

    @hookimpl
    async def hub_send_notification(
        self, school: School, notification: Notification, idempotency_key: str
    ) -> DeliveryReceipt | None:
        """POST one signed event; ``webhook-id`` is the idempotency key."""
        if not serves(self._settings.channels, notification):
            return None
        earlier = self._sent.get(idempotency_key)
        if earlier is not None:
            return earlier
        now = self._clock()
        message = compose(notification, school, self._settings.message)
        body = encode(notification_event(notification, message, idempotency_key, now))
        await self._client.post(body, signed_headers(self._key, idempotency_key, body, now))
        receipt = DeliveryReceipt(
            system=ADAPTER,
            channel=notification.channel,
            external_id=idempotency_key,
            idempotency_key=idempotency_key,
            accepted_at=now,
        )
        return self._sent.add(receipt)

    @hookimpl
    async def hub_health(self, now: datetime) -> HealthReport:
        """Send a signed ``doorstep.ping`` event; any 2xx is healthy."""
        body = encode(ping_event(now))
        ping_id = f"ping-{int(now.timestamp())}"

        async def ping() -> None:
            await self._client.post(body, signed_headers(self._key, ping_id, body, self._clock()))

        return await report_health(
            ADAPTER, self._availability, ping, now, ok_detail="receiver answered"
        )
