"""Starting, killing and restarting a hub subprocess for the crash tests."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Hub:
    """One hub subprocess running ``tests.reliability.hub_process``."""

    process: subprocess.Popen[str]
    started_at: float
    log: Path | None = None
    planned_ends: dict[str, datetime] = field(default_factory=dict)

    def wait_ready(self, timeout: float = 60.0) -> None:
        """Read stdout until ``READY`` (collecting the planned ends printed before it)."""
        deadline = time.monotonic() + timeout
        assert self.process.stdout is not None
        while time.monotonic() < deadline:
            line = self.process.stdout.readline()
            if not line:
                raise AssertionError(f"hub exited early ({self.process.poll()}): {self.stderr()}")
            if line.startswith("VISIT "):
                _, visit_id, end = line.split()
                self.planned_ends[visit_id] = datetime.fromisoformat(end)
            if line.strip() == "READY":
                return
        raise AssertionError("hub not ready in time")

    def kill(self) -> None:
        """``kill -9``: no clean-up runs."""
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def terminate(self, timeout: float = 30.0) -> int:
        """SIGTERM, then wait for a clean exit; returns the exit code."""
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=timeout)

    def stderr(self) -> str:
        """The end of the hub's log (its stderr)."""
        return self.log.read_text()[-2000:] if self.log is not None else ""


def start_hub(directory: Path, anchor: datetime, *args: str) -> Hub:
    """Start a hub on ``directory``'s files, with the fast clock anchored at ``anchor``."""
    command = [
        sys.executable,
        "-m",
        "tests.reliability.hub_process",
        str(directory),
        "--anchor",
        anchor.isoformat(),
        *args,
    ]
    log = directory / f"hub-{time.time_ns()}.log"
    began = time.time()
    with log.open("w") as stderr:  # a file, not a pipe: a full pipe would block the hub
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
    return Hub(process=process, started_at=began, log=log)
