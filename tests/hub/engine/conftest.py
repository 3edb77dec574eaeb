"""Engine fixtures: a store with the school seeded, a ledger channel, a running engine."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from hub.engine.service import Engine
from hub.policy import PolicyPack
from hub.store import Store
from tests.hub.engine.harness import make_engine, seed, short_pack, store_url
from tests.hub.engine.ledger import LedgerChannel


@pytest.fixture
def pack() -> PolicyPack:
    return short_pack()


@pytest.fixture
def store(tmp_path: Path, pack: PolicyPack) -> Iterator[Store]:
    opened = Store.open(store_url(tmp_path))
    seed(opened, pack)
    try:
        yield opened
    finally:
        opened.close()


@pytest.fixture
def ledger(tmp_path: Path) -> LedgerChannel:
    return LedgerChannel(tmp_path / "ledger.db")


@pytest.fixture
async def engine(
    tmp_path: Path, store: Store, pack: PolicyPack, ledger: LedgerChannel
) -> AsyncIterator[Engine]:
    running = make_engine(tmp_path, store, pack, ledger)
    await running.start()
    try:
        yield running
    finally:
        await running.stop()
