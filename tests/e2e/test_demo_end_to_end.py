"""End to end: a completed visit in the demo, with every fake running, counted at the fakes.

Issue 5's acceptance: one CPOMS incident, one MIS agreement record, one calendar event
update and the configured notifications; issue 3's: ``make demo`` shows the overdue
escalation and its acknowledgement.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from hub.demo.live import run_live_demo
from hub.fakes import serve_fakes

ROOT = Path(__file__).resolve().parents[2]
VISITING_STAFF = 2
OFFICE_INBOXES = 1
"""Rung 1 (ring-staff) reaches both visiting staff and the office: SMS is its first
channel, and Notify sends one message per number in the demo's SMS directory."""


async def test_a_completed_visit_lands_once_in_each_system(tmp_path: Path) -> None:
    lines: list[str] = []
    with serve_fakes(folder=tmp_path / "fakes") as fakes:
        summary = await run_live_demo(lines.append, scratch=tmp_path, fakes=fakes)
        cpoms = fakes.state("cpoms")
        mis = fakes.state("csv")
        graph = fakes.state("msgraph_calendar")
        notify = fakes.state("govuk_notify")
        teams = fakes.state("teams")
        unused = {i: fakes.state(i).requests for i in ("wonde", "oneroster", "myconcern")}

    assert summary.final_state == "closed"
    [incident] = cpoms.records
    assert incident["external_ref"].endswith(":visit_note:visit-demo-1-note-1:v1:cpoms")
    assert incident["student_ids"]
    assert incident["status"] == "open"
    [row] = mis.records
    assert (row["visit_id"], row["agreement_id"]) == ("visit-demo-1", "visit-demo-1-ag-1")
    [event] = graph.records
    assert [m for m, p in graph.requests if p.endswith("/events")].count("POST") == 1
    assert [m for m, _ in graph.requests].count("PATCH") == 1
    assert event["subject"] == "Home visit"
    sms = [sent for sent in notify.records.values() if sent["type"] == "sms"]
    assert len(notify.records) == len(sms) == VISITING_STAFF + OFFICE_INBOXES
    assert all(re.search(r":1:sms(:\d+)?$", sent["reference"]) for sent in sms)
    assert [webhook for webhook, _ in teams.records.values()] == ["senior"]
    assert all(requests == [] for requests in unused.values())
    text = "\n".join(lines)
    assert "Where each thing went" in text
    assert f"incident {incident['id']}" in text
    assert f"row {row['reference']}" in text
    assert f"event {event['id']}" in text


def test_make_demo_shows_the_overdue_escalation_and_its_acknowledgement() -> None:
    recipe = (ROOT / "Makefile").read_text(encoding="utf-8").split("\ndemo:", 1)[1]
    command = recipe.splitlines()[1].strip()
    assert command == "$(BIN)/doorstep demo"
    doorstep = Path(sys.executable).parent / "doorstep"
    environment = {k: v for k, v in os.environ.items() if not k.startswith("DOORSTEP_")}

    finished = subprocess.run(
        [str(doorstep), "demo"],
        capture_output=True,
        text=True,
        timeout=60,
        env=environment,
        cwd=ROOT,
        check=False,
    )

    assert finished.returncode == 0, finished.stderr[-2000:]
    out = finished.stdout
    took = re.search(r"Demo finished in ([0-9.]+) s", out)
    assert took is not None
    assert float(took.group(1)) < 30
    assert "ESCALATION rung 1" in out
    assert "acknowledged rung 2" in out
    assert "delivered: visit note" in out
    assert "Demo finished" in out
    assert finished.stderr == ""
