"""The live demo: one visit on the engine, in real time, against the fakes.

One run, at debug level through the real logging chain, checks what it printed,
what it logged (no seeded personal value anywhere) and the summary it returned.
"""

from __future__ import annotations

import io
import json
import logging
import time
from pathlib import Path

import structlog

from hub.adapters.cpoms.fake import FakeState as CpomsState
from hub.adapters.csv.fake import FakeState as CsvState
from hub.adapters.msgraph_calendar.fake import FakeState as GraphState
from hub.demo.live import LiveSummary, run_live_demo
from hub.demo.roster import DemoRoster
from hub.demo.settings import DEMO_FAKES, DEMO_SCHOOL
from hub.fakes import serve_fakes
from hub.logging import assert_no_personal_data, configure_logging

NOTE_TEXTS = ["Monday absences", "school gate by 08:40"]


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
    began = time.monotonic()
    try:
        with (
            structlog.testing.capture_logs() as raw,
            serve_fakes(folder=tmp_path / "fakes", only=DEMO_FAKES) as fakes,
        ):
            summary: LiveSummary = await run_live_demo(lines.append, scratch=tmp_path, fakes=fakes)
    finally:
        logging.getLogger().handlers.clear()
        structlog.reset_defaults()
    elapsed = time.monotonic() - began

    assert summary.final_state == "closed"
    assert summary.escalations == [1, 2]
    assert summary.acknowledged_rung == 2
    assert summary.deliveries == {"visit_note": "delivered", "agreement": "delivered"}
    assert elapsed < 30
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
