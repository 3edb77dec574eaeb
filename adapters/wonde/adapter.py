"""``WondeAdapter``: pupils, contacts and attendance from Wonde, as hook implementations."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import date, datetime
from typing import ClassVar

import httpx
import structlog

from hub import hookimpl
from hub.adapter import AdapterManifest, Availability
from hub.adapters.wonde.client import ADAPTER_ID, WondeClient
from hub.adapters.wonde.fake import FakeState, create_app
from hub.adapters.wonde.marks import to_register
from hub.adapters.wonde.models import to_attendance, to_contacts, to_pupil
from hub.adapters.wonde.settings import WondeSettings
from hub.errors import AdapterError
from hub.followup.register import SessionMark
from hub.hooks.types import (
    AttendanceSummary,
    HealthReport,
    MockBackendRegistrar,
    SettingsRegistrar,
)
from hub.models import Contact, Pupil, School

log = structlog.get_logger(__name__)

UNKNOWN_CODES_MAX_SHARE = 0.05
"""More of a pull's marks than this with codes the register table lacks fails the pull:
Wonde's codes are only assumed to be the MIS's DfE codes, and an unknown code counts as
a session possibly missed, so a mapping mismatch would flood the school with prompts."""


class WondeAdapter:
    """A school's MIS through Wonde: the roll, contacts with parental responsibility,
    home addresses grouped into households, attendance summaries and the register
    (session marks)."""

    manifest: ClassVar[AdapterManifest] = AdapterManifest(
        id=ADAPTER_ID,
        name="Wonde",
        roles=frozenset({"mis"}),
        capabilities=frozenset(
            {"pupils", "contacts", "attendance", "session_marks", "incremental_sync"}
        ),
        docs_url="https://docs.wonde.com/",
        codeowners=("@doorstep/adapters",),
    )

    def __init__(
        self,
        settings: WondeSettings,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._client = WondeClient(settings, transport=transport, sleep=sleep)
        self._availability = Availability(ADAPTER_ID)

    async def start(self) -> None:
        """Nothing to open: connections are made on the first request."""

    async def stop(self) -> None:
        """Close the client's connections."""
        await self._client.aclose()

    # --- start-up -----------------------------------------------------------------------

    @staticmethod
    @hookimpl
    def hub_register_settings(register: SettingsRegistrar) -> None:
        register(ADAPTER_ID, WondeSettings)

    @staticmethod
    @hookimpl
    def hub_register_mock_backends(register: MockBackendRegistrar) -> None:
        register(ADAPTER_ID, create_app, FakeState)

    # --- pull ---------------------------------------------------------------------------

    @hookimpl
    async def hub_pull_pupil(self, school: School, pupil_id: str) -> Pupil:
        return to_pupil(await self._client.student(pupil_id), school_id=school.id)

    @hookimpl
    async def hub_pull_pupils(self, school: School, since: datetime | None) -> list[Pupil]:
        return [to_pupil(s, school_id=school.id) async for s in self._client.students(since)]

    @hookimpl
    async def hub_pull_contacts(self, pupil_id: str) -> list[Contact]:
        return to_contacts(await self._client.student(pupil_id))

    @hookimpl
    async def hub_pull_attendance(
        self, pupil_id: str, since: date, until: date
    ) -> AttendanceSummary | None:
        rows = await self._client.attendance_summaries(pupil_id, since, until)
        if not any(row.student == pupil_id for row in rows):
            return None  # Wonde holds no summary for this pupil: attendance is not known
        return to_attendance(rows, pupil_id=pupil_id, since=since, until=until)

    @hookimpl
    async def hub_pull_session_marks(
        self, school: School, since: date, until: date
    ) -> list[SessionMark] | None:
        register = to_register(
            [row async for row in self._client.session_marks(since, until)], since, until
        )
        if register.unknown_codes > UNKNOWN_CODES_MAX_SHARE * len(register.marks):
            raise AdapterError(
                f"{ADAPTER_ID}: {register.unknown_codes} of {len(register.marks)} session marks "
                "carry codes the register table does not hold (more than 5 %): the school's "
                "Wonde codes may not be DfE register codes; nothing was evaluated",
                adapter=ADAPTER_ID,
            )
        if register.unknown_codes:
            log.warning(
                "wonde session marks with codes the register table does not hold",
                adapter=ADAPTER_ID,
                school=school.id,
                marks=register.unknown_codes,
            )
        return register.marks

    # --- health -------------------------------------------------------------------------

    @hookimpl
    async def hub_health(self, now: datetime) -> HealthReport:
        try:
            await self._client.school()
        except AdapterError as exc:
            self._availability.failed(exc)
            status = f" ({exc.status})" if exc.status else ""
            return HealthReport(
                component=ADAPTER_ID,
                ok=False,
                detail=f"{type(exc).__name__}{status}: {_fix_for(exc)}",
                checked_at=now,
            )
        self._availability.succeeded()
        return HealthReport(
            component=ADAPTER_ID, ok=True, detail="school reachable", checked_at=now
        )


def _fix_for(exc: AdapterError) -> str:
    if exc.status in (401, 403):
        return "check the token and that the school approved the app in Wonde"
    if exc.status == 404:
        return "check school_id and region"
    return "Wonde did not answer; try again later"
