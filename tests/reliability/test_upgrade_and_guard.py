"""R-05: pending timers survive a new release of the workflow code (pinned version); the
variant without the pin strands them. R-12: a second hub on one SQLite file refuses."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.hub.engine.ledger import read_ledger
from tests.reliability.harness import ROOT, start_hub

pytestmark = pytest.mark.reliability

VISITS = 10


def rung_one_visits(path: Path) -> set[str | None]:
    return {
        row.visit_id
        for row in read_ledger(path)
        if ":overdue:" in row.key and row.key.endswith(":1:sms")
    }


def run_release_upgrade(tmp_path: Path, *pin: str) -> tuple[set[str | None], float]:
    """Start release one with pending timers, kill it, start release two; return which
    visits escalated and when the last timer was due."""
    anchor = datetime.now(UTC).replace(microsecond=0)
    options = ("--no-sweeper", *pin)
    old = start_hub(tmp_path, anchor, "--depart", str(VISITS), "--first-end", "4", *options)
    old.wait_ready()
    old.kill()
    new = start_hub(tmp_path, anchor, "--changed", *options)
    new.wait_ready()
    due = max(new.started_at, time.time()) + 4 + VISITS * 0.1 + 1  # last end plus grace
    deadline = due + 5
    while time.time() < deadline and len(rung_one_visits(tmp_path / "ledger.db")) < VISITS:
        time.sleep(0.2)
    assert new.terminate() == 0
    return rung_one_visits(tmp_path / "ledger.db"), due


def test_pending_timers_fire_after_the_workflow_code_changed(tmp_path: Path) -> None:
    escalated, _due = run_release_upgrade(tmp_path)
    assert escalated == {f"v-{n}" for n in range(VISITS)}


def test_without_the_pinned_version_an_upgrade_strands_every_timer(tmp_path: Path) -> None:
    escalated, due = run_release_upgrade(tmp_path, "--unpinned")
    assert time.time() > due
    assert escalated == set()


def test_a_second_hub_on_the_same_sqlite_file_refuses_to_start(tmp_path: Path) -> None:
    env = {**os.environ, "DOORSTEP_DATA_DIR": str(tmp_path / "data"), "DOORSTEP_LOG_LEVEL": "error"}
    env.pop("DOORSTEP_CONFIG", None)
    command = [str(Path(sys.executable).parent / "doorstep"), "serve"]
    first = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        assert first.stdout is not None
        assert "engine running" in first.stdout.readline()
        second = subprocess.run(
            command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
        )
        assert second.returncode == 1
        lines = [line for line in second.stderr.splitlines() if line.startswith("doorstep:")]
        assert len(lines) == 1
        assert "another Doorstep hub" in lines[0]
        assert f"(process {first.pid})" in lines[0]
        assert first.poll() is None  # the first hub runs on
    finally:
        first.terminate()
        first.wait(timeout=30)
    assert first.returncode == 0
