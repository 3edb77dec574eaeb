"""L-05: ``kill -9`` after rung 1 went out; after a restart rung 2 fires once, on time, and
rung 1 is not sent again."""

from __future__ import annotations

import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.hub.engine.harness import config_for, wall_time
from tests.hub.engine.ledger import LedgerRow, read_ledger
from tests.reliability.harness import start_hub

VISITS = 5
WINDOW_MINUTES = 10
"""Ten policy minutes between rungs: ten real seconds on the fast clock."""

pytestmark = pytest.mark.reliability


def rung(rows: list[LedgerRow], number: int) -> list[LedgerRow]:
    return [r for r in rows if ":overdue:" in r.key and r.key.endswith(f":{number}:sms")]


def test_rung_two_fires_once_on_time_after_a_crash_between_rungs(tmp_path: Path) -> None:
    anchor = datetime.now(UTC).replace(microsecond=0)
    window = ("--ack-minutes", str(WINDOW_MINUTES))
    ledger = tmp_path / "ledger.db"
    first = start_hub(
        tmp_path, anchor, "--depart", str(VISITS), "--first-end", "3", "--spacing", "0.1", *window
    )
    first.wait_ready()
    config = config_for(tmp_path, clock_anchor=anchor)
    grace = timedelta(minutes=1)
    second_due = {
        v: wall_time(config, end + grace + timedelta(minutes=WINDOW_MINUTES))
        for v, end in first.planned_ends.items()
    }
    deadline = time.time() + 20
    while time.time() < deadline and len(rung(read_ledger(ledger), 1)) < VISITS:
        time.sleep(0.1)
    first.kill()  # every rung 1 is out; no rung 2 is due yet
    rows = read_ledger(ledger)
    assert len(rung(rows, 1)) == VISITS
    assert rung(rows, 2) == []
    assert min(second_due.values()) > time.time(), "rung 2 fell due before the kill"

    second = start_hub(tmp_path, anchor, *window)
    second.wait_ready()
    finish = max(second_due.values()) + 8
    while time.time() < finish and len(rung(read_ledger(ledger), 2)) < VISITS:
        time.sleep(0.2)
    assert second.terminate() == 0

    rows = read_ledger(ledger)
    assert Counter(r.visit_id for r in rung(rows, 1)) == Counter(second_due.keys())
    twos = rung(rows, 2)
    assert Counter(r.visit_id for r in twos) == Counter(second_due.keys())  # once each
    late = [r.accepted_at - second_due[r.visit_id or ""] for r in twos]
    assert max(late) <= 5.0, late
    assert min(late) >= -0.5, "rung 2 went out before its window ended"
