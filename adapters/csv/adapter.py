"""The ``csv`` adapter: pupils, contacts and attendance from SIMS/Arbor-style export files,
and agreements back to the MIS as an ``agreements.csv`` it imports."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable
from datetime import date, datetime
from typing import ClassVar

import structlog

from hub import hookimpl
from hub.adapter import AdapterManifest, Availability
from hub.adapters.csv.client import ADAPTER, CsvExports, Imported
from hub.adapters.csv.fake import FakeState, create_app
from hub.adapters.csv.models import (
    ImportReport,
    MarkRow,
    PupilRecord,
    summarise_marks,
    summarise_totals,
    to_session_marks,
)
from hub.adapters.csv.outbox import AgreementOutbox
from hub.adapters.csv.settings import CsvSettings
from hub.errors import NotFoundError, TransientError
from hub.followup.register import SessionMark
from hub.hooks.types import (
    AttendanceSummary,
    HealthReport,
    MockBackendRegistrar,
    PushReceipt,
    SettingsRegistrar,
)
from hub.models import Agreement, Contact, Pupil, School, Visit

log = structlog.get_logger(__name__)


class CsvAdapter:
    """Reads the school's MIS exports (SIMS or Arbor style CSV files) from disk.

    ``transport`` and ``sleep`` are accepted for the shape every adapter shares; files
    need neither. Bad rows never stop an import: ``import_report()`` lists them with
    file, line and reason.
    """

    manifest: ClassVar[AdapterManifest] = AdapterManifest(
        id="csv",
        name="CSV exports (SIMS, Arbor)",
        roles=frozenset({"mis"}),
        capabilities=frozenset({"attendance", "incremental_sync", "agreements"}),
        docs_url="adapters/csv/README.md",
    )

    def __init__(
        self,
        settings: CsvSettings,
        *,
        transport: object | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._settings = settings
        self._exports = CsvExports(settings)
        self._availability = Availability(ADAPTER)

    async def start(self) -> None:
        """Nothing to open: files are read when a hook needs them."""

    async def stop(self) -> None:
        """Forget what was read, so nothing of the exports stays in memory."""
        self._exports = CsvExports(self._settings)

    def import_report(self) -> ImportReport:
        """Rows read, imported and rejected (file, line, reason) by the latest reads."""
        return self._exports.report()

    # --- registration ----------------------------------------------------------------

    @staticmethod
    @hookimpl
    def hub_register_settings(register: SettingsRegistrar) -> None:
        """Declare ``[adapters.csv]``."""
        register(ADAPTER, CsvSettings)

    @staticmethod
    @hookimpl
    def hub_register_mock_backends(register: MockBackendRegistrar) -> None:
        """Offer the export-file generator as this adapter's fake."""
        register(ADAPTER, create_app, FakeState)

    # --- pull --------------------------------------------------------------------------

    @hookimpl
    async def hub_pull_pupil(self, school: School, pupil_id: str) -> Pupil:
        """The pupil's row of the pupils export."""
        found = (await self._pupils(school)).of_pupil(pupil_id, lambda record: record.pupil.id)
        if found:
            return found[0].pupil
        raise NotFoundError("csv: the pupils export has no row for that pupil id", adapter=ADAPTER)

    @hookimpl
    async def hub_pull_pupils(self, school: School, since: datetime | None) -> list[Pupil]:
        """The roll; with ``since``, rows changed since then by their last-modified
        column, else the whole file if it changed since then, else nothing."""
        records = (await self._pupils(school)).records
        if since is None:
            return [record.pupil for record in records]
        if any(record.changed_at is not None for record in records):
            return [r.pupil for r in records if r.changed_at is None or r.changed_at >= since]
        modified = self._exports.modified_at("pupils")
        if modified is not None and modified < since:
            return []
        return [record.pupil for record in records]

    @hookimpl
    async def hub_pull_contacts(self, pupil_id: str) -> list[Contact]:
        """The pupil's contacts, first priority first."""
        imported = await asyncio.to_thread(self._exports.contacts)
        found = imported.of_pupil(pupil_id, lambda contact: contact.pupil_id)
        return sorted(found, key=lambda contact: contact.priority)

    @hookimpl
    async def hub_pull_attendance(
        self, pupil_id: str, since: date, until: date
    ) -> AttendanceSummary | None:
        """Sessions possible and attended over the window, or None when not known."""
        imported = await asyncio.to_thread(self._exports.attendance)
        if imported is None:
            return None
        rows = imported.of_pupil(pupil_id, lambda row: row.pupil_id)
        if not rows:
            return None
        marks = [row for row in rows if isinstance(row, MarkRow)]
        if marks:
            return summarise_marks(pupil_id, marks, since, until)
        totals = [row for row in rows if not isinstance(row, MarkRow)]
        return summarise_totals(pupil_id, totals, since, until)

    @hookimpl
    async def hub_pull_session_marks(self, since: date, until: date) -> list[SessionMark] | None:
        """The register marks of every pupil over the window, or None when the export
        holds no marks (none configured, or totals only)."""
        imported = await asyncio.to_thread(self._exports.attendance)
        if imported is None:
            return None
        rows = [row for row in imported.records if isinstance(row, MarkRow)]
        if not rows:
            return None
        return to_session_marks(rows, since, until)

    # --- push --------------------------------------------------------------------------

    @hookimpl
    async def hub_push_agreement(
        self, visit: Visit, agreement: Agreement, idempotency_key: str
    ) -> PushReceipt | None:
        """Add the agreement to ``agreements.csv`` for the MIS to import, once per key.

        None when the school gave this adapter no folder to write to."""
        folder = self._settings.outbox_folder()
        if folder is None:
            return None
        outbox = AgreementOutbox(folder)
        try:
            reference, created = await asyncio.to_thread(outbox.record, agreement, idempotency_key)
        except OSError as exc:
            reason = os.strerror(exc.errno) if exc.errno else type(exc).__name__
            raise TransientError(
                f"csv: the agreements outbox cannot be written ({reason})", adapter=ADAPTER
            ) from None
        log.info("csv.agreement_recorded", visit_id=visit.id, reference=reference, created=created)
        return PushReceipt(
            system=ADAPTER, external_id=reference, idempotency_key=idempotency_key, created=created
        )

    # --- health ------------------------------------------------------------------------

    @hookimpl
    async def hub_health(self, now: datetime) -> HealthReport:
        """OK when every configured export is present, readable and has its columns."""
        problems = await asyncio.to_thread(self._exports.problems)
        if problems:
            self._availability.failed(problems[0])
            detail = "; ".join(str(problem) for problem in problems)
            return HealthReport(component=ADAPTER, ok=False, detail=detail, checked_at=now)
        self._availability.succeeded()
        return HealthReport(component=ADAPTER, ok=True, detail="exports readable", checked_at=now)

    async def _pupils(self, school: School) -> Imported[PupilRecord]:
        secret = self._settings.household_secret
        key = (secret.get_secret_value() if secret else school.id).encode("utf-8")
        return await asyncio.to_thread(self._exports.pupils, school.id, key)
