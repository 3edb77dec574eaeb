"""Deliveries across crashes and stops, against a fake CPOMS that outlives the hub.

I-series: ``kill -9`` during 500 note deliveries (the issue's figure) against a fake
CPOMS failing 20 % of requests, half of those after storing the record: after a restart
each note exists exactly once at the fake.
R-14: SIGTERM during 100 in-flight deliveries loses none.
"""

from __future__ import annotations

import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.reliability.fake_cpoms import calls, records
from tests.reliability.harness import start_hub

NOTES = 100
"""R-14's in-flight deliveries."""
KILLED_NOTES = 500
"""The I-series' note deliveries."""

pytestmark = pytest.mark.reliability


def wait_for_records(path: Path, count: int, timeout: float) -> int:
    deadline = time.monotonic() + timeout
    found = 0
    while time.monotonic() < deadline:
        found = len(records(path)) if path.exists() else 0
        if found >= count:
            return found
        time.sleep(0.1)
    return found


def assert_each_note_once(path: Path, notes: int) -> None:
    stored = records(path)
    per_note = Counter(object_id for _key, object_id in stored)
    assert set(per_note) == {f"n-{n}-note" for n in range(notes)}
    assert set(per_note.values()) == {1}, "a note stored under two keys"


def test_kill_9_during_note_deliveries_leaves_each_note_once_at_cpoms(tmp_path: Path) -> None:
    anchor = datetime.now(UTC).replace(microsecond=0)
    cpoms = tmp_path / "cpoms.db"
    first = start_hub(
        tmp_path, anchor, "--notes", str(KILLED_NOTES), "--fail-rate", "0.2", "--push-delay", "0.05"
    )
    first.wait_ready()
    stored = wait_for_records(cpoms, KILLED_NOTES // 3, timeout=30)
    first.kill()
    assert stored < KILLED_NOTES, "every note was delivered before the kill: nothing was tested"
    second = start_hub(tmp_path, anchor, "--fail-rate", "0.2")
    second.wait_ready()
    wait_for_records(cpoms, KILLED_NOTES, timeout=60)
    assert second.terminate() == 0
    assert_each_note_once(cpoms, KILLED_NOTES)
    outcomes = Counter(outcome for _key, outcome in calls(cpoms))
    assert outcomes["503 after storing"] > 0  # answers were lost, so keys were sent again


def test_sigterm_during_100_in_flight_deliveries_loses_none(tmp_path: Path) -> None:
    anchor = datetime.now(UTC).replace(microsecond=0)
    cpoms = tmp_path / "cpoms.db"
    first = start_hub(tmp_path, anchor, "--notes", str(NOTES), "--push-delay", "0.5")
    first.wait_ready()
    in_flight = NOTES - len(records(cpoms))
    assert first.terminate() == 0
    assert in_flight > 0
    assert len(records(cpoms)) < NOTES, "every note was delivered before SIGTERM"
    second = start_hub(tmp_path, anchor)
    second.wait_ready()
    wait_for_records(cpoms, NOTES, timeout=40)
    assert second.terminate() == 0
    assert_each_note_once(cpoms, NOTES)
