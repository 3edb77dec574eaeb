"""``OneRosterAdapter``: pupils and their contacts from a OneRoster 1.2 rostering service."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from contextlib import aclosing
from datetime import datetime
from typing import ClassVar

import httpx

from hub import hookimpl
from hub.adapter import AdapterManifest, Availability
from hub.adapters.oneroster.client import ADAPTER_ID, OneRosterClient
from hub.adapters.oneroster.fake import FakeState, create_app
from hub.adapters.oneroster.models import is_active, roll_to_pupil, to_contact, to_pupil
from hub.adapters.oneroster.settings import OneRosterSettings
from hub.errors import (
    AdapterConfigError,
    AdapterError,
    AuthError,
    NotFoundError,
    TransientError,
)
from hub.hooks.types import HealthReport, MockBackendRegistrar, SettingsRegistrar
from hub.models import Contact, Pupil, School


class OneRosterAdapter:
    """Reads the roll, one pupil and a pupil's guardians from OneRoster 1.2."""

    manifest: ClassVar[AdapterManifest] = AdapterManifest(
        id=ADAPTER_ID,
        name="OneRoster 1.2",
        roles=frozenset({"mis"}),
        capabilities=frozenset({"incremental_sync"}),
        docs_url="https://www.1edtech.org/standards/oneroster",
    )

    def __init__(
        self,
        settings: OneRosterSettings,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._settings = settings
        self._client = OneRosterClient(settings, transport=transport, sleep=sleep)
        self._availability = Availability(ADAPTER_ID)

    async def start(self) -> None:
        """Nothing to open ahead of time: the token is fetched on the first request."""

    async def stop(self) -> None:
        """Close the HTTP clients."""
        await self._client.aclose()

    @staticmethod
    @hookimpl
    def hub_register_settings(register: SettingsRegistrar) -> None:
        """Declare ``[adapters.oneroster]``."""
        register(ADAPTER_ID, OneRosterSettings)

    @staticmethod
    @hookimpl
    def hub_register_mock_backends(register: MockBackendRegistrar) -> None:
        """Offer the fake OneRoster service to the contract kit and the demo."""
        register(ADAPTER_ID, create_app, FakeState)

    @hookimpl
    async def hub_pull_pupil(self, school: School, pupil_id: str) -> Pupil:
        """One student, with date of birth when demographics are enabled."""
        user = await self._client.student(pupil_id)
        demographics = (
            await self._client.demographics(pupil_id) if self._settings.demographics else None
        )
        birth_date = demographics.birth_date if demographics else None
        return to_pupil(user, school_id=school.id, birth_date=birth_date)

    @hookimpl
    async def hub_pull_pupils(self, school: School, since: datetime | None) -> list[Pupil]:
        """Every active student, or those changed after ``since``.

        Each page is mapped to pupils as it arrives and its wire records dropped. With
        demographics, a full pull reads the whole demographics collection first (dates
        only); an incremental pull reads the changed pupils' records page by page with
        filtered requests.
        """
        with_births = self._settings.demographics
        births = await self._client.birth_dates() if with_births and since is None else {}
        pupils: list[Pupil] = []
        pages = self._client.student_pages(since)
        async with aclosing(pages):
            async for users in pages:
                active = [u for u in users if is_active(u.get("status"))]
                if with_births and since is not None:
                    births = await self._client.birth_dates_of(u["sourcedId"] for u in active)
                pupils += [
                    roll_to_pupil(u, school_id=school.id, birth_date=births.get(u["sourcedId"]))
                    for u in active
                ]
        return pupils

    @hookimpl
    async def hub_pull_contacts(self, pupil_id: str) -> list[Contact]:
        """The student's guardians, parents and relatives (``agents``), in their order."""
        student = await self._client.student(pupil_id)
        agents = await self._client.users(a.sourced_id for a in student.agents)
        people = [agent for agent in agents if agent.contact_role is not None]
        contacts = [
            to_contact(person, pupil_id=pupil_id, priority=rank)
            for rank, person in enumerate(people, start=1)
        ]
        return [c for c in contacts if c is not None]

    @hookimpl
    async def hub_health(self, now: datetime) -> HealthReport:
        """OK when a token is issued and one page of students can be read."""
        try:
            await self._client.ping()
        except AdapterError as exc:
            self._availability.failed(exc)
            status = f" (status {exc.status})" if exc.status else ""
            detail = f"{type(exc).__name__}{status}: {_ADVICE.get(type(exc), 'see the logs')}"
            return HealthReport(component=ADAPTER_ID, ok=False, detail=detail, checked_at=now)
        self._availability.succeeded()
        return HealthReport(component=ADAPTER_ID, ok=True, checked_at=now)


_ADVICE: dict[type[AdapterError], str] = {
    AuthError: "check client_id, client_secret, scope and token_url",
    NotFoundError: "check base_url and school_sourced_id",
    TransientError: "the service is unreachable or busy; try again later",
    AdapterConfigError: "check base_url, token_url and allow_private_cidrs",
}
