"""R-01: SIGKILL the only hub before its timers fall due; after a restart every visit gets
exactly one rung-1 escalation, each within 5 s of max(its deadline, the restart)."""

from __future__ import annotations

import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.hub.engine.harness import config_for, wall_time
from tests.hub.engine.ledger import read_ledger
from tests.reliability.harness import start_hub

VISITS = 200
FIRST_END_S = 10.0
SPACING_S = 0.05
WINDOWS = ("--ack-minutes", "10")
"""Ten-minute acknowledgement windows, as the seed packs have: only rung 1 is due."""

pytestmark = pytest.mark.reliability


def rung_one(path: Path) -> Counter[str | None]:
    return Counter(
        row.visit_id
        for row in read_ledger(path)
        if ":overdue:" in row.key and row.key.endswith(":1:sms")
    )


def test_timers_survive_kill_9_and_fire_once_after_restart(tmp_path: Path) -> None:
    anchor = datetime.now(UTC).replace(microsecond=0)
    first = start_hub(
        tmp_path,
        anchor,
        "--depart",
        str(VISITS),
        "--first-end",
        str(FIRST_END_S),
        "--spacing",
        str(SPACING_S),
        *WINDOWS,
    )
    first.wait_ready()
    assert len(first.planned_ends) == VISITS
    config = config_for(tmp_path, clock_anchor=anchor)
    grace = timedelta(minutes=1)
    dues = {v: wall_time(config, end + grace) for v, end in first.planned_ends.items()}
    assert min(dues.values()) > time.time(), "visits fell due before the kill"
    first.kill()
    assert read_ledger(tmp_path / "ledger.db") == []
    middle = sorted(dues.values())[VISITS // 2]
    time.sleep(max(0.0, middle - time.time()))  # half the deadlines pass while no hub runs
    second = start_hub(tmp_path, anchor, *WINDOWS)
    second.wait_ready()
    last = max(dues.values())
    deadline = max(last, second.started_at) + 10
    while time.time() < deadline and len(rung_one(tmp_path / "ledger.db")) < VISITS:
        time.sleep(0.2)
    assert second.terminate() == 0
    counts = rung_one(tmp_path / "ledger.db")
    assert set(counts) == set(dues)
    assert set(counts.values()) == {1}
    rows = {
        row.visit_id: row.accepted_at
        for row in read_ledger(tmp_path / "ledger.db")
        if row.key.endswith(":1:sms")
    }
    late = {v: rows[v] - max(due, second.started_at) for v, due in dues.items()}
    assert max(late.values()) <= 5.0, sorted(late.values())[-5:]
