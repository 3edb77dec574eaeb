"""A ledger channel a test switches off and on from outside the hub process."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from hub import hookimpl
from hub.hooks.types import DeliveryReceipt, Notification
from tests.hub.engine.ledger import LedgerChannel


def down_file(ledger: Path) -> Path:
    """The file naming the channels that are down (comma-separated; absent: none)."""
    return ledger.with_name(ledger.name + ".down")


def set_down(ledger: Path, channels: set[str]) -> None:
    """Take ``channels`` down (an empty set brings every channel back)."""
    down_file(ledger).write_text(",".join(sorted(channels)), encoding="utf-8")


@dataclass
class SwitchableLedger(LedgerChannel):
    """``LedgerChannel`` whose failing channels are read from ``down_file`` at each send."""

    @hookimpl
    async def hub_send_notification(
        self, notification: Notification, idempotency_key: str
    ) -> DeliveryReceipt | None:
        path = down_file(self.path)
        named = path.read_text(encoding="utf-8") if path.exists() else ""
        self.failing = set(filter(None, named.split(",")))
        return await super().hub_send_notification(notification, idempotency_key)
