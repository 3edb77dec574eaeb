"""The live demo: one visit on the engine, in real time, against the fakes.

One run, at debug level through the real logging chain, checks what it printed,
what it logged (no seeded personal value anywhere) and the summary it returned. The
run serves the board, as ``doorstep demo`` does, and an office login printed at the
start watches it while the visit runs, so the web's log lines are checked too.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import logging
import re
import time
from pathlib import Path

import httpx
import structlog

from hub.adapters.cpoms.fake import FakeState as CpomsState
from hub.adapters.csv.fake import FakeState as CsvState
from hub.adapters.msgraph_calendar.fake import FakeState as GraphState
from hub.demo.live import BoardOptions, LiveSummary, run_live_demo
from hub.demo.roster import DemoRoster
from hub.demo.settings import DEMO_FAKES, DEMO_SCHOOL
from hub.fakes import serve_fakes
from hub.logging import assert_no_personal_data, configure_logging

NOTE_TEXTS = ["Monday absences", "school gate by 08:40"]
BOARD = re.compile(r"The office board: (http://\S+)(/web/schools/\S+/board)")
PASSWORD = re.compile(r"password (\S+)$")
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


class BoardWatcher:
    """Signs in as the printed office login before the visit and reads the board's rows
    until the visit is over, noting how the demo's visit showed."""

    def __init__(self, lines: list[str]) -> None:
        self.lines = lines
        self.seen: list[str] = []
        self.task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        text = "\n".join(self.lines)
        board = BOARD.search(text)
        password = next(m for line in self.lines if (m := PASSWORD.search(line)))
        assert board is not None
        client = httpx.AsyncClient(base_url=board.group(1), timeout=10)
        form = await client.get("/web/sign-in")
        token = CSRF.search(form.text)
        assert token is not None
        signed = await client.post(
            "/web/sign-in",
            data={"csrf_token": token.group(1), "user_id": "demo-office", "password": password[1]},
        )
        assert signed.status_code == 303
        self.task = asyncio.create_task(self._watch(client, board.group(2)))

    async def _watch(self, client: httpx.AsyncClient, board: str) -> None:
        try:
            while True:
                rows = await client.get(f"{board}/rows")
                assert rows.status_code == 200
                if 'data-visit="visit-demo-1"' in rows.text:
                    line = rows.text.split('data-visit="visit-demo-1"')[0].rsplit("<li", 1)[1]
                    self.seen.append("red" if "line red" in line else "shown")
                await asyncio.sleep(0.2)
        finally:
            await client.aclose()

    async def stop(self, _summary: LiveSummary) -> None:
        assert self.task is not None
        self.task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self.task


def personal_values() -> list[str]:
    """Every seeded personal value the live demo's school and fakes hold, and its note."""
    roster = DemoRoster.generate(DEMO_SCHOOL)
    values: list[str] = []
    for member in roster.staff:
        values += [member.name, member.mobile or "", member.email or ""]
        if member.vehicle:
            values.append(member.vehicle.registration)
    values += CsvState().personal_values()
    values += CpomsState().personal_values()
    values += GraphState().personal_values()
    return [value for value in [*values, *NOTE_TEXTS] if value]


async def test_live_demo_runs_on_the_engine_and_logs_no_personal_data(tmp_path: Path):
    stream = io.StringIO()
    lines: list[str] = []
    configure_logging("json", "debug", stream=stream)
    watcher = BoardWatcher(lines)
    board = BoardOptions(before_visit=watcher.start, after_visit=watcher.stop)
    began = time.monotonic()
    try:
        with (
            structlog.testing.capture_logs() as raw,
            serve_fakes(folder=tmp_path / "fakes", only=DEMO_FAKES) as fakes,
        ):
            summary: LiveSummary = await run_live_demo(
                lines.append, scratch=tmp_path, fakes=fakes, board=board
            )
    finally:
        logging.getLogger().handlers.clear()
        structlog.reset_defaults()
    elapsed = time.monotonic() - began

    assert summary.final_state == "closed"
    assert summary.escalations == [1, 2]
    assert summary.acknowledged_rung == 2
    assert summary.deliveries == {"visit_note": "delivered", "agreement": "delivered"}
    assert elapsed < 30
    assert "red" in watcher.seen, "the board never showed the visit overdue to the office"
    assert summary.board_url is not None
    text = "\n".join(lines)
    for expected in ("ESCALATION rung 1", "acknowledged rung 2", "Where each thing went"):
        assert expected in text
    values = personal_values()
    assert_no_personal_data([{"event": line} for line in lines], values)
    assert raw, "the demo should log its hook calls"
    assert_no_personal_data(raw, values)
    written = [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]
    assert written
    assert_no_personal_data(written, values)
