"""``doorstep serve`` as a real subprocess: API and web UI up, SIGTERM stops it cleanly."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

STOP_LIMIT_S = 30.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def start_serve(tmp_path: Path, port: int, *args: str) -> subprocess.Popen[str]:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("DOORSTEP_")},
        "DOORSTEP_DATA_DIR": str(tmp_path),
        "DOORSTEP_DATABASE_URL": f"sqlite:///{tmp_path / 'doorstep.db'}",
        "DOORSTEP_SERVE_PORT": str(port),
        "DOORSTEP_LOG_FORMAT": "json",
        "PYTHONUNBUFFERED": "1",
    }
    command = [
        sys.executable,
        "-c",
        "import sys; from hub.cli import main; sys.exit(main())",
        "serve",
        *args,
    ]
    with (tmp_path / "serve.log").open("w") as log:
        return subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=log, text=True, env=env, cwd=tmp_path
        )


def wait_ready(port: int, process: subprocess.Popen[str], timeout: float = 60.0) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, "serve exited before it was ready"
        try:
            status = httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2).status_code
        except httpx.TransportError:
            status = 0
        if status == 200:
            return status
        time.sleep(0.2)
    raise AssertionError("serve not ready in time")


def terminate(process: subprocess.Popen[str]) -> tuple[int, float]:
    began = time.monotonic()
    process.send_signal(signal.SIGTERM)
    code = process.wait(timeout=STOP_LIMIT_S)
    return code, time.monotonic() - began


def test_serve_answers_readyz_and_the_web_ui_then_stops_on_sigterm(tmp_path: Path) -> None:
    port = free_port()
    process = start_serve(tmp_path, port)
    try:
        assert wait_ready(port, process) == 200
        body = httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2).json()
        assert body["checks"] == {"store": True, "engine": True}
        root = httpx.get(f"http://127.0.0.1:{port}/", timeout=2)
        assert root.status_code == 303
        assert root.headers["location"] == "/web/"
    finally:
        code, took = terminate(process)
    assert code == 0
    assert took < STOP_LIMIT_S
    out = process.stdout.read() if process.stdout else ""
    assert f"http://127.0.0.1:{port}" in out
    assert "doorstep: stopped" in out


def test_no_http_runs_the_engine_only(tmp_path: Path) -> None:
    port = free_port()
    process = start_serve(tmp_path, port, "--no-http")
    assert process.stdout is not None
    line = process.stdout.readline()
    try:
        assert "(no HTTP)" in line
        with socket.socket() as probe:
            assert probe.connect_ex(("127.0.0.1", port)) != 0  # nothing listens
    finally:
        code, _took = terminate(process)
    assert code == 0


def test_a_port_in_use_stops_serve_with_one_line(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        process = start_serve(tmp_path, port)
        code = process.wait(timeout=60)
    assert code != 0
    log = (tmp_path / "serve.log").read_text()
    assert f"cannot listen on 127.0.0.1:{port}" in log
    assert "Traceback" not in log
