"""``IcsAdapter``: visit bookings in a private calendar feed per member of staff."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import ClassVar

import httpx
import structlog

from hub import hookimpl
from hub.adapter import AdapterManifest
from hub.adapters.ics.cli import ics_cli
from hub.adapters.ics.client import FeedStore
from hub.adapters.ics.fake import FakeState, create_app
from hub.adapters.ics.feed import utc_now
from hub.adapters.ics.settings import IcsSettings
from hub.hooks.types import (
    CalendarEvent,
    CommandRegistrar,
    HealthReport,
    MockBackendRegistrar,
    PushReceipt,
    SettingsRegistrar,
)
from hub.models import School, Visit

ADAPTER_ID = "ics"

log = structlog.get_logger(__name__)


class IcsAdapter:
    """Books each visit into the feeds of the staff on it: one UID per visit, SEQUENCE
    bumped on every change, STATUS:CANCELLED when the visit is withdrawn."""

    manifest: ClassVar[AdapterManifest] = AdapterManifest(
        id=ADAPTER_ID,
        name="ICS calendar feeds (served by Doorstep)",
        roles=frozenset({"calendar"}),
        capabilities=frozenset({"update", "cancel", "subscription_feed"}),
        docs_url="https://github.com/doorstep/doorstep/tree/main/adapters/ics",
        codeowners=("@doorstep/adapters",),
    )

    def __init__(
        self,
        settings: IcsSettings,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._settings = settings
        self._clock = clock
        self._stores: dict[str, FeedStore] = {}

    async def start(self) -> None:
        """Nothing to open: the store is read and written on each call."""

    async def stop(self) -> None:
        """Nothing to close: the feed has no connection to an outside system."""

    def store_for(self, school_id: str) -> FeedStore:
        """The school's feed store, for the web server's ``create_feed_app``."""
        if school_id not in self._stores:
            self._stores[school_id] = FeedStore(school_id, self._settings)
        return self._stores[school_id]

    @staticmethod
    @hookimpl
    def hub_register_settings(register: SettingsRegistrar) -> None:
        register(ADAPTER_ID, IcsSettings)

    @staticmethod
    @hookimpl
    def hub_register_mock_backends(register: MockBackendRegistrar) -> None:
        register(ADAPTER_ID, create_app, FakeState)

    @staticmethod
    @hookimpl
    def hub_register_commands(register: CommandRegistrar) -> None:
        register(ADAPTER_ID, ics_cli)

    @hookimpl
    async def hub_push_calendar_event(
        self, school: School, visit: Visit, event: CalendarEvent, idempotency_key: str
    ) -> PushReceipt:
        store = self.store_for(school.id)
        now = self._clock()
        booking, created = await asyncio.to_thread(store.push, event, visit, idempotency_key, now)
        if created:
            log.info(
                "calendar.feed_updated",
                adapter=ADAPTER_ID,
                visit_id=visit.id,
                sequence=booking.sequence,
                cancelled=booking.cancelled,
            )
        return PushReceipt(
            system=ADAPTER_ID,
            external_id=booking.uid,
            idempotency_key=idempotency_key,
            created=created,
        )

    @hookimpl
    async def hub_health(self, school: School, now: datetime) -> HealthReport:
        folder = self._settings.feed_dir
        if folder is not None and not _writable(folder):
            detail = "feed_dir is missing or not writable by the hub"
            return HealthReport(component=ADAPTER_ID, ok=False, detail=detail, checked_at=now)
        subscribed = await asyncio.to_thread(self.store_for(school.id).subscribed)
        kept = "in feed_dir" if folder is not None else "in memory only (set feed_dir)"
        detail = f"feeds kept {kept}; {subscribed} staff subscribed"
        return HealthReport(component=ADAPTER_ID, ok=True, detail=detail, checked_at=now)


def _writable(folder: os.PathLike[str]) -> bool:
    return os.path.isdir(folder) and os.access(folder, os.W_OK | os.X_OK)
