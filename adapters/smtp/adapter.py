"""The smtp adapter: hook implementations only."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import ClassVar

from hub import hookimpl
from hub.adapter import AdapterManifest, Availability
from hub.adapters.smtp.client import ADAPTER, SmtpClient
from hub.adapters.smtp.fake import FakeState, create_app
from hub.adapters.smtp.models import build_email, message_id
from hub.adapters.smtp.settings import SmtpSettings
from hub.hooks.types import (
    DeliveryReceipt,
    HealthReport,
    MockBackendRegistrar,
    Notification,
    SettingsRegistrar,
)
from hub.models import School
from hub.notify import SentKeys, compose, report_health, serves, utc_now


class SmtpAdapter:
    """Sends notifications as e-mail through the school's mail server (STARTTLS).

    ``transport`` and ``sleep`` are accepted for the shape every adapter shares; SMTP
    needs neither (each send is one try; the engine retries with the same key).
    """

    manifest: ClassVar[AdapterManifest] = AdapterManifest(
        id=ADAPTER,
        name="E-mail (SMTP)",
        roles=frozenset({"notification"}),
        capabilities=frozenset({"email"}),
        docs_url="adapters/smtp/README.md",
    )

    def __init__(
        self,
        settings: SmtpSettings,
        *,
        transport: object | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._settings = settings
        self._clock = clock
        self._client = SmtpClient(settings)
        self._availability = Availability(ADAPTER)
        self._sent = SentKeys()

    async def start(self) -> None:
        """Nothing to open: each e-mail opens its own connection."""

    async def stop(self) -> None:
        """Nothing held open between e-mails."""

    @staticmethod
    @hookimpl
    def hub_register_settings(register: SettingsRegistrar) -> None:
        """Declare ``[adapters.smtp]``."""
        register(ADAPTER, SmtpSettings)

    @staticmethod
    @hookimpl
    def hub_register_mock_backends(register: MockBackendRegistrar) -> None:
        """Offer the fake mail server's view of what arrived."""
        register(ADAPTER, create_app, FakeState)

    @hookimpl
    async def hub_send_notification(
        self, school: School, notification: Notification, idempotency_key: str
    ) -> DeliveryReceipt | None:
        """Send one e-mail to every address the directory gives; the Message-ID comes
        from the idempotency key, and a key already sent is not sent again."""
        if not serves(self._settings.channels, notification):
            return None
        earlier = self._sent.get(idempotency_key)
        if earlier is not None:
            return earlier
        s = self._settings
        now = self._clock()
        email = build_email(
            compose(notification, school, s.message),
            sender=s.sender,
            sender_name=s.sender_name,
            recipients=s.directory.resolve(notification, adapter=ADAPTER),
            idempotency_key=idempotency_key,
            now=now,
        )
        await self._client.send(email)
        receipt = DeliveryReceipt(
            system=ADAPTER,
            channel=notification.channel,
            external_id=message_id(idempotency_key, s.sender),
            idempotency_key=idempotency_key,
            accepted_at=now,
        )
        return self._sent.add(receipt)

    @hookimpl
    async def hub_health(self, now: datetime) -> HealthReport:
        """Connect, upgrade, log in and NOOP."""
        return await report_health(
            ADAPTER, self._availability, self._client.noop, now, ok_detail="mail server answered"
        )
