"""A fake safeguarding system for delivery tests: it keeps one record per idempotency key."""

from __future__ import annotations

from dataclasses import dataclass, field

from hub import hookimpl
from hub.errors import RejectedError, TransientError
from hub.hooks.types import PushReceipt
from hub.models import Agreement, VisitNote


@dataclass
class FakeRecords:
    """Accepts visit notes and agreements; ``fail_next`` transient failures first;
    ``reject`` refuses everything as invalid."""

    fail_next: int = 0
    reject: bool = False
    records: dict[str, str] = field(default_factory=dict)
    calls: int = 0

    def _take(self, key: str, object_id: str) -> PushReceipt:
        self.calls += 1
        if self.reject:
            raise RejectedError("refused as invalid", adapter="fake_records", status=422)
        if self.fail_next > 0:
            self.fail_next -= 1
            raise TransientError("unavailable", adapter="fake_records", status=503)
        created = key not in self.records
        self.records.setdefault(key, object_id)
        return PushReceipt(
            system="fake_records",
            external_id=f"rec-{object_id}",
            idempotency_key=key,
            created=created,
        )

    @hookimpl
    async def hub_push_visit_note(self, note: VisitNote, idempotency_key: str) -> PushReceipt:
        return self._take(idempotency_key, note.id)

    @hookimpl
    async def hub_push_agreement(self, agreement: Agreement, idempotency_key: str) -> PushReceipt:
        return self._take(idempotency_key, agreement.id)
