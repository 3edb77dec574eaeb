"""The teams adapter: hook implementations only."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import ClassVar

import httpx

from hub import hookimpl
from hub.adapter import AdapterManifest
from hub.adapters.teams.client import ADAPTER, TeamsClient
from hub.adapters.teams.fake import FakeState, create_app
from hub.adapters.teams.models import envelope
from hub.adapters.teams.settings import TeamsSettings
from hub.hooks.types import (
    DeliveryReceipt,
    MockBackendRegistrar,
    Notification,
    SettingsRegistrar,
)
from hub.models import School
from hub.notify import SentKeys, compose, serves, utc_now


class TeamsAdapter:
    """Posts notifications as Adaptive Cards to the school's Teams Workflows webhooks.

    No ``hub_health``: the only way to test a Workflows webhook is to post to it, and a
    test card would disturb the channel. The settings are checked when loaded.
    """

    manifest: ClassVar[AdapterManifest] = AdapterManifest(
        id=ADAPTER,
        name="Microsoft Teams (Workflows webhooks)",
        roles=frozenset({"notification"}),
        capabilities=frozenset({"adaptive_cards"}),
        docs_url="adapters/teams/README.md",
    )

    def __init__(
        self,
        settings: TeamsSettings,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._settings = settings
        self._clock = clock
        self._client = TeamsClient(settings, transport=transport, sleep=sleep)
        self._sent = SentKeys()
        self._posted: dict[str, dict[str, str | None]] = {}

    async def start(self) -> None:
        """Nothing to open ahead of the first card; the client connects lazily."""

    async def stop(self) -> None:
        """Close the HTTP client. Safe to call twice."""
        await self._client.aclose()

    @staticmethod
    @hookimpl
    def hub_register_settings(register: SettingsRegistrar) -> None:
        """Declare ``[adapters.teams]``."""
        register(ADAPTER, TeamsSettings)

    @staticmethod
    @hookimpl
    def hub_register_mock_backends(register: MockBackendRegistrar) -> None:
        """Offer the fake Workflows host."""
        register(ADAPTER, create_app, FakeState)

    @hookimpl
    async def hub_send_notification(
        self, school: School, notification: Notification, idempotency_key: str
    ) -> DeliveryReceipt | None:
        """Post one card to every webhook the directory gives for the notification.

        A retry with the same key skips the webhooks that already took the card.
        """
        if not serves(self._settings.channels, notification):
            return None
        earlier = self._sent.get(idempotency_key)
        if earlier is not None:
            return earlier
        names = self._settings.directory.resolve(notification, adapter=ADAPTER)
        payload = envelope(compose(notification, school, self._settings.message))
        posted = self._posted.setdefault(idempotency_key, {})
        for name in names:
            if name not in posted:
                url = self._settings.webhooks[name].get_secret_value()
                posted[name] = await self._client.post(url, payload)
        run_ids = [run for run in posted.values() if run]
        receipt = DeliveryReceipt(
            system=ADAPTER,
            channel=notification.channel,
            external_id=run_ids[0] if run_ids else idempotency_key,
            idempotency_key=idempotency_key,
            accepted_at=self._clock(),
        )
        del self._posted[idempotency_key]
        return self._sent.add(receipt)
