"""R-11: a workflow that kills the process every time it runs is given up after the engine's
recovery attempts (status ``MAX_RECOVERY_ATTEMPTS_EXCEEDED``), shown by
``Engine.dead_workflows()``, and the other visits still escalate, once.

One crash loop (a hub started again after every crash, as systemd would) serves every
test in this module.
"""

from __future__ import annotations

import select
import sqlite3
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from hub.engine.workflows import MAX_RECOVERY_ATTEMPTS
from tests.hub.engine.ledger import read_ledger
from tests.reliability.harness import Hub, start_hub
from tests.reliability.hub_process import POISON_ID

pytestmark = pytest.mark.reliability

WINDOW = ("--ack-minutes", "10")
INNOCENT = "visit:st-michaels:v-0"


@dataclass(frozen=True)
class CrashLoop:
    """What the crash loop left behind."""

    directory: Path
    crashes: int
    shown: tuple[str, ...]
    rung_one: tuple[str | None, ...]
    exit_code: int
    seconds: float


def run_until_dead(hub: Hub, timeout: float = 30.0) -> tuple[str, ...] | None:
    """Read the hub's output: the ``DEAD`` ids once it shows the poison given up, or None
    when the process died first (the poison killed it). A hub that does neither within
    ``timeout`` is killed and the test fails: a hub hanging at start runs no timers."""
    stdout = hub.process.stdout
    assert stdout is not None
    deadline = time.monotonic() + timeout
    seen: list[str] = []
    while (left := deadline - time.monotonic()) > 0:
        ready, _, _ = select.select([stdout], [], [], left)
        if not ready:
            break
        line = stdout.readline()  # the hub prints whole lines, each flushed
        if not line:
            hub.process.wait(timeout=10)
            return None
        seen.append(line.strip())
        if line.startswith("DEAD ") and POISON_ID in line.split():
            return tuple(line.split()[1:])
    hub.kill()
    raise AssertionError(f"the hub neither crashed nor showed the poison given up: {seen}")


def status_of(directory: Path, workflow_id: str) -> str:
    with sqlite3.connect(directory / "doorstep-engine.db") as db:
        row = db.execute(
            "SELECT status FROM workflow_status WHERE workflow_uuid = ?", (workflow_id,)
        ).fetchone()
    return str(row[0])


@pytest.fixture(scope="module")
def loop(tmp_path_factory: pytest.TempPathFactory) -> CrashLoop:
    directory = tmp_path_factory.mktemp("poison")
    began = time.monotonic()
    anchor = datetime.now(UTC).replace(microsecond=0)
    hub = start_hub(directory, anchor, "--depart", "1", "--first-end", "4", "--poison", *WINDOW)
    hub.wait_ready()
    assert run_until_dead(hub) is None
    crashes = 1
    while True:
        hub = start_hub(directory, anchor, "--poison-registered", *WINDOW)
        shown = run_until_dead(hub)
        if shown is not None:
            break
        crashes += 1
        assert crashes <= MAX_RECOVERY_ATTEMPTS + 3, "the poison workflow was never given up"
    rung_one: list[str | None] = []
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and not rung_one:
        rung_one = [
            r.visit_id
            for r in read_ledger(directory / "ledger.db")
            if ":overdue:" in r.key and r.key.endswith(":1:sms")
        ]
        time.sleep(0.2)
    code = hub.terminate()
    return CrashLoop(directory, crashes, shown, tuple(rung_one), code, time.monotonic() - began)


def test_the_poison_workflow_is_given_up_shown_and_other_visits_escalate(
    loop: CrashLoop,
) -> None:
    assert loop.crashes >= MAX_RECOVERY_ATTEMPTS  # each recovery ran it, up to the limit
    assert POISON_ID in loop.shown
    assert status_of(loop.directory, POISON_ID) == "MAX_RECOVERY_ATTEMPTS_EXCEEDED"
    assert loop.rung_one == ("v-0",)  # the other visit still escalated, once
    assert loop.exit_code == 0
    assert loop.seconds < 60


def test_an_innocent_timer_pending_through_the_crashes_is_not_given_up(
    loop: CrashLoop,
) -> None:
    assert INNOCENT not in loop.shown
    assert status_of(loop.directory, INNOCENT) != "MAX_RECOVERY_ATTEMPTS_EXCEEDED"
