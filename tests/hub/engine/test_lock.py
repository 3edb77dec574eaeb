"""The single-process guard (R-12 in process; tests/reliability runs it with real processes)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from hub.engine.lock import EngineLockedError, ProcessLock
from hub.engine.service import Engine
from hub.policy import PolicyPack
from hub.store import Store
from tests.hub.engine.harness import make_engine
from tests.hub.engine.ledger import LedgerChannel


def test_a_second_lock_on_the_same_file_is_refused_in_one_line(tmp_path: Path) -> None:
    path = tmp_path / "doorstep-engine.db.lock"
    with ProcessLock(path), pytest.raises(EngineLockedError) as refused:
        ProcessLock(path).acquire()
    message = str(refused.value)
    assert "\n" not in message
    assert f"(process {os.getpid()})" in message
    assert "SQLite allows one hub process" in message
    with ProcessLock(path) as again:  # released: free to take
        assert again.held


async def test_a_second_engine_on_the_same_sqlite_file_refuses_to_start(
    engine: Engine, tmp_path: Path, store: Store, pack: PolicyPack
) -> None:
    second = make_engine(tmp_path, store, pack, LedgerChannel(tmp_path / "other.db"))
    with pytest.raises(EngineLockedError):
        await second.start()
    assert engine.workflows is not None
