"""``doorstep demo`` serves the board with demo logins while the visit runs.

Run as a real process: not in a terminal it runs straight through and exits 0, and
while it runs the board answers on the printed URL to a printed login and shows the
visit; in a terminal (a pseudo-terminal here) it waits for Enter before the visit and
serves the board after it until Ctrl-C.
"""

from __future__ import annotations

import os
import pty
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from hub.cli import main

CLI = "import sys; from hub.cli import main; sys.exit(main())"
ROOT = Path(__file__).resolve().parents[3]
BOARD_URL = re.compile(r"The office board: (http://127\.0\.0\.1:\d+)(/web/schools/[\w-]+/board)")
PASSWORD = re.compile(r"Demo logins, demo only .*; password (\S+)")
LOGIN = re.compile(r"^  (demo-[a-z-]+)\s+(office|dsl|senior_leader|staff|admin)\s")
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
VISIT = 'data-visit="visit-demo-1"'
LIMIT_S = 60.0


def _environment() -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DOORSTEP_")}
    return {**clean, "PYTHONUNBUFFERED": "1"}


@contextmanager
def _signed_in(base: str, user: str, password: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=base, timeout=10) as client:
        form = client.get("/web/sign-in")
        found = CSRF.search(form.text)
        assert found is not None
        signed = client.post(
            "/web/sign-in",
            data={"csrf_token": found.group(1), "user_id": user, "password": password},
        )
        assert signed.status_code == 303, signed.text
        yield client


def _lines(stream: Iterator[str], into: list[str], until: str) -> None:
    """Read lines into ``into`` until one contains ``until``."""
    for line in stream:
        into.append(line.rstrip("\r\n"))
        if until in line:
            return
    raise AssertionError(f"the demo ended before printing {until!r}:\n" + "\n".join(into))


def _printed_access(lines: list[str]) -> tuple[str, str, str, dict[str, str]]:
    text = "\n".join(lines)
    board = BOARD_URL.search(text)
    password = PASSWORD.search(text)
    assert board is not None, text
    assert password is not None, text
    logins = {m.group(2): m.group(1) for line in lines if (m := LOGIN.match(line))}
    return board.group(1), board.group(2), password.group(1), logins


def test_the_demo_serves_the_board_to_a_printed_login_and_exits_when_not_interactive() -> None:
    process = subprocess.Popen(
        [sys.executable, "-c", CLI, "demo"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_environment(),
        cwd=ROOT,
    )
    assert process.stdout is not None
    assert process.stderr is not None
    printed: list[str] = []
    _lines(process.stdout, printed, "demo-admin")
    base, board, password, logins = _printed_access(printed)
    assert set(logins) == {"office", "dsl", "senior_leader", "staff", "admin"}
    rest = threading.Thread(target=_lines, args=(process.stdout, printed, "Demo finished"))
    rest.start()

    seen: list[str] = []
    with _signed_in(base, logins["office"], password) as office:
        began = time.monotonic()
        while time.monotonic() - began < LIMIT_S:
            try:
                rows = office.get(f"{board}/rows")
            except httpx.TransportError:
                break  # the visit is over: the demo stopped serving and exits
            assert rows.status_code == 200
            line = rows.text.split(VISIT)[0].rsplit("<li", 1)[-1] if VISIT in rows.text else ""
            if line:
                seen.append("red" if 'class="line red"' in line else "shown")
            time.sleep(0.2)
    code = process.wait(timeout=LIMIT_S)
    rest.join(timeout=10)

    assert code == 0, process.stderr.read()[-2000:]
    assert "shown" in seen or "red" in seen, "the board never showed the demo's visit"
    assert "red" in seen, "the board never showed the visit overdue"
    assert any(line.startswith("Visit closed") for line in printed)
    assert printed[-1].startswith("Demo finished in ")
    assert "Ctrl-C" not in "\n".join(printed)


def test_in_a_terminal_the_demo_waits_for_enter_and_serves_until_ctrl_c() -> None:
    controller, terminal = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-c", CLI, "demo"],
        stdin=terminal,
        stdout=terminal,
        stderr=subprocess.PIPE,
        env=_environment(),
        cwd=ROOT,
    )
    os.close(terminal)
    reader = os.fdopen(controller, "r", encoding="utf-8", errors="replace", newline="")
    printed: list[str] = []
    try:
        _lines(reader, printed, "press Enter to start the visit")
        base, _board, password, logins = _printed_access(printed)
        time.sleep(1.0)
        assert not any("ESCALATION" in line for line in printed)  # it waits
        os.write(controller, b"\n")
        _lines(reader, printed, "press Ctrl-C to stop")
        with _signed_in(base, logins["office"], password) as office:
            assert VISIT in office.get(_board).text  # still served after the visit
        assert process.poll() is None
        process.send_signal(signal.SIGINT)
        _lines(reader, printed, "Demo finished")
        code = process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
        reader.close()

    assert code == 0
    assert any("ESCALATION rung 1" in line for line in printed)
    assert process.stderr is not None
    assert process.stderr.read() == b""


def test_board_options_are_refused_with_the_simulated_run(capsys: pytest.CaptureFixture[str]):
    assert main(["demo", "--simulated", "--exit"]) == 2
    assert capsys.readouterr().err.strip() == (
        "doorstep: error: --port and --exit apply to the live demo; --simulated serves no board"
    )
