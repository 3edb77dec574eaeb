"""A fake notification channel that writes every message it accepts to a ledger.

The ledger is a SQLite file, so it outlives a hub process killed with ``kill -9``.
One row per idempotency key (a repeat of a key is accepted and not written again),
with the wall-clock time it was accepted. Channels listed in ``failing`` raise a
``TransientError`` as a gateway returning 503 would; ``hanging`` never answer.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from hub import hookimpl
from hub.errors import TransientError
from hub.hooks.types import DeliveryReceipt, Notification

SCHEMA = """
PRAGMA journal_mode=WAL;
CREATE TABLE IF NOT EXISTS ledger (
    key TEXT PRIMARY KEY,
    channel TEXT NOT NULL,
    visit_id TEXT,
    silent INTEGER NOT NULL,
    staff_ids TEXT NOT NULL,
    roles TEXT NOT NULL,
    accepted_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS refused (channel TEXT NOT NULL, key TEXT NOT NULL, at REAL NOT NULL);
"""


@dataclass(frozen=True)
class LedgerRow:
    """One accepted message."""

    key: str
    channel: str
    visit_id: str | None
    silent: bool
    staff_ids: tuple[str, ...]
    roles: tuple[str, ...]
    accepted_at: float


@dataclass
class LedgerChannel:
    """Serves the channels in ``channels``; register it with ``build_hooks(extra=...)``."""

    path: Path
    channels: frozenset[str] = frozenset({"sms", "email", "teams"})
    failing: set[str] = field(default_factory=set)
    hanging: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        with sqlite3.connect(self.path) as db:
            db.executescript(SCHEMA)

    @hookimpl
    async def hub_send_notification(
        self, notification: Notification, idempotency_key: str
    ) -> DeliveryReceipt | None:
        channel = notification.channel
        if channel not in self.channels:
            return None
        if channel in self.hanging:
            await asyncio.sleep(3600)
        if channel in self.failing:
            with sqlite3.connect(self.path) as db:
                db.execute(
                    "INSERT INTO refused VALUES (?, ?, ?)", (channel, idempotency_key, time.time())
                )
            raise TransientError("gateway unavailable", adapter="ledger", status=503)
        await asyncio.to_thread(self._write, notification, idempotency_key)
        return DeliveryReceipt(
            system="ledger",
            channel=channel,
            external_id=idempotency_key,
            idempotency_key=idempotency_key,
            accepted_at=datetime.now(UTC),
        )

    def _write(self, notification: Notification, idempotency_key: str) -> None:
        with sqlite3.connect(self.path, timeout=30) as db:
            db.execute("PRAGMA synchronous=NORMAL")  # a provider's answer is not an fsync
            db.execute(
                "INSERT OR IGNORE INTO ledger VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    idempotency_key,
                    notification.channel,
                    notification.visit_id,
                    int(notification.silent),
                    ",".join(notification.staff_ids),
                    ",".join(sorted(notification.roles)),
                    time.time(),
                ),
            )


def read_ledger(path: Path) -> list[LedgerRow]:
    """Every accepted message, oldest first."""
    with sqlite3.connect(path) as db:
        rows = db.execute("SELECT * FROM ledger ORDER BY accepted_at").fetchall()
    return [
        LedgerRow(
            key=row[0],
            channel=row[1],
            visit_id=row[2],
            silent=bool(row[3]),
            staff_ids=tuple(filter(None, row[4].split(","))),
            roles=tuple(filter(None, row[5].split(","))),
            accepted_at=row[6],
        )
        for row in rows
    ]


def refusals(path: Path) -> list[tuple[str, str, float]]:
    """Every (channel, key, time) a failing channel refused."""
    with sqlite3.connect(path) as db:
        return [(r[0], r[1], r[2]) for r in db.execute("SELECT * FROM refused ORDER BY at")]
