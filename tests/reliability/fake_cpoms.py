"""A fake CPOMS for the crash tests: a SQLite file, so it outlives a hub killed with ``kill -9``.

Like the real receiver it keeps one record per idempotency key (a repeat of a key is
answered, not stored again). ``fail_rate`` of the requests fail with a 503: half of
them before anything is stored, half *after* the record is stored (the answer is lost
on the way back), so the hub must send again with the same key. Every request is
logged in ``calls``. ``delay_s`` keeps each push in flight a little while.
"""

from __future__ import annotations

import asyncio
import random
import sqlite3
import time
from dataclasses import dataclass, field
from pathlib import Path

from hub import hookimpl
from hub.errors import TransientError
from hub.hooks.types import PushReceipt
from hub.models import Agreement, VisitNote

SCHEMA = """
PRAGMA journal_mode=WAL;
CREATE TABLE IF NOT EXISTS records (
    key TEXT PRIMARY KEY, object_id TEXT NOT NULL, stored_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS calls (
    n INTEGER PRIMARY KEY AUTOINCREMENT, key TEXT NOT NULL, outcome TEXT NOT NULL
);
"""


@dataclass
class FakeCpoms:
    """Register with ``build_hooks(extra=...)``; ``records(path)`` reads what it holds."""

    path: Path
    fail_rate: float = 0.0
    delay_s: float = 0.0
    rng: random.Random = field(default_factory=random.Random)

    def __post_init__(self) -> None:
        with sqlite3.connect(self.path) as db:
            db.executescript(SCHEMA)

    @hookimpl
    async def hub_push_visit_note(self, note: VisitNote, idempotency_key: str) -> PushReceipt:
        return await self._take(idempotency_key, note.id)

    @hookimpl
    async def hub_push_agreement(self, agreement: Agreement, idempotency_key: str) -> PushReceipt:
        return await self._take(idempotency_key, agreement.id)

    async def _take(self, key: str, object_id: str) -> PushReceipt:
        if self.delay_s:
            await asyncio.sleep(self.delay_s)  # the receiver is slow: pushes stay in flight
        roll = self.rng.random()
        if roll < self.fail_rate / 2:
            await asyncio.to_thread(self._log, key, "503 before storing")
            raise TransientError("unavailable", adapter="fake_cpoms", status=503)
        created = await asyncio.to_thread(self._store, key, object_id)
        if roll < self.fail_rate:
            await asyncio.to_thread(self._log, key, "503 after storing")
            raise TransientError("answer lost", adapter="fake_cpoms", status=503)
        await asyncio.to_thread(self._log, key, "created" if created else "repeat")
        return PushReceipt(
            system="fake_cpoms",
            external_id=f"rec-{object_id}",
            idempotency_key=key,
            created=created,
        )

    def _store(self, key: str, object_id: str) -> bool:
        with sqlite3.connect(self.path, timeout=30) as db:
            cursor = db.execute(
                "INSERT OR IGNORE INTO records VALUES (?, ?, ?)", (key, object_id, time.time())
            )
            return cursor.rowcount == 1

    def _log(self, key: str, outcome: str) -> None:
        with sqlite3.connect(self.path, timeout=30) as db:
            db.execute("INSERT INTO calls (key, outcome) VALUES (?, ?)", (key, outcome))


def records(path: Path) -> list[tuple[str, str]]:
    """Every stored record as (idempotency key, object id)."""
    with sqlite3.connect(path, timeout=30) as db:
        return [(r[0], r[1]) for r in db.execute("SELECT key, object_id FROM records")]


def calls(path: Path) -> list[tuple[str, str]]:
    """Every request as (idempotency key, outcome), oldest first."""
    with sqlite3.connect(path, timeout=30) as db:
        return [(r[0], r[1]) for r in db.execute("SELECT key, outcome FROM calls ORDER BY n")]
