"""``doorstep fakes serve``: every fake on one port, its URLs printed, Ctrl-C stops it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx

from hub.hooks.registry import build_registry

LAUNCH = "import sys; from hub.cli import main; sys.exit(main(sys.argv[1:]))"


def test_fakes_serve_prints_each_fake_and_serves_until_interrupted(tmp_path: Path) -> None:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("DOORSTEP_")}
    process = subprocess.Popen(
        [sys.executable, "-c", LAUNCH, "fakes", "serve", "--port", "0", "--folder", str(tmp_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=environment,
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        assert first.startswith("doorstep: fakes on http://127.0.0.1:")
        registered = build_registry().mock_backends()
        listed = dict(process.stdout.readline().split()[:2] for _ in range(len(registered)))
        assert set(listed) == set(registered)
        answer = httpx.get(f"{listed['teams']}workflows/none", timeout=5)
        assert answer.status_code == 404
        assert (tmp_path / "csv" / "pupils.csv").exists()
    finally:
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=15)
    assert process.returncode == 0, err
    assert "fakes stopped" in out
