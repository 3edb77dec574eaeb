"""The simulated demo (``doorstep demo --simulated``) runs one whole visit through the
real workflow, hooks, plugins and store on its own clock."""

import io
import json
import logging
from datetime import UTC, datetime
from pathlib import Path

import pytest
import structlog

from hub.demo.roster import DemoRoster
from hub.demo.run import DemoSummary, run_demo
from hub.logging import assert_no_personal_data, configure_logging
from hub.models import VisitEventKind
from hub.policy import bundled_packs_dir, load_bundled_pack
from hub.store import Store

START = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)


async def _run(
    tmp_path: Path, pack_id: str = "st-michaels"
) -> tuple[DemoSummary, list[str], Store]:
    lines: list[str] = []
    store = Store.open(f"sqlite:///{tmp_path / 'demo.db'}")
    summary = await run_demo(
        lines.append, pack=load_bundled_pack(pack_id), store=store, start=START
    )
    return summary, lines, store


def _personal_values(pack_id: str) -> list[str]:
    """Every personal value the demo's fake school holds, and the note text it writes."""
    roster = DemoRoster.generate(pack_id)
    values: list[str] = []
    for pupil in roster.pupils.values():
        values += [pupil.first_name, pupil.last_name]
        if pupil.address:
            values += [pupil.address.line1, pupil.address.postcode]
    for contacts in roster.contacts.values():
        for contact in contacts:
            values += [contact.name, contact.phone or "", contact.email or ""]
    for member in roster.staff:
        values += [member.name, member.mobile or "", member.email or ""]
        if member.vehicle:
            values.append(member.vehicle.registration)
    values += ["Monday absences", "school gate by 08:40"]
    return [value for value in values if value]


async def test_demo_runs_a_visit_to_closed_with_an_overdue_escalation(tmp_path: Path):
    summary, lines, store = await _run(tmp_path)
    text = "\n".join(lines)
    assert summary.final_state == "closed"
    assert summary.escalations == [1, 2]
    assert summary.acknowledged_rung == 2
    assert "ESCALATION rung 1" in text
    assert "acknowledged rung 2" in text
    assert "NOT SENT" in text
    assert "NOT DELIVERED" in text
    kinds = [event.kind for event in store.events("st-michaels", summary.visit_id)]
    assert kinds[0] is VisitEventKind.REQUESTED
    assert kinds[-1] is VisitEventKind.CLOSED
    assert kinds.count(VisitEventKind.ESCALATED) == 2
    assert summary.events_recorded == len(kinds)
    store.close()


@pytest.mark.parametrize("pack_file", sorted(p.stem for p in bundled_packs_dir().glob("*.toml")))
async def test_demo_runs_on_every_bundled_pack(tmp_path: Path, pack_file: str):
    summary, lines, store = await _run(tmp_path, pack_file)
    assert summary.final_state == "closed"
    assert summary.escalations[:1] == [1]
    assert any("ESCALATION rung 1" in line for line in lines)
    store.close()


async def test_demo_output_names_no_person(tmp_path: Path):
    _, lines, store = await _run(tmp_path)
    events = [{"event": line} for line in lines]
    assert_no_personal_data(events, _personal_values("st-michaels"))
    store.close()


async def test_full_demo_visit_logs_no_personal_data(tmp_path: Path):
    """Every log line of a whole visit, at debug level through the real chain."""
    stream = io.StringIO()
    configure_logging("json", "debug", stream=stream)
    try:
        with structlog.testing.capture_logs() as raw:
            summary, _, store = await _run(tmp_path)
        store.close()
    finally:
        logging.getLogger().handlers.clear()
        structlog.reset_defaults()
    values = _personal_values("st-michaels")
    assert summary.final_state == "closed"
    # What the code asked to log, before any redaction: the code never offers it.
    assert raw, "the demo should log its hook calls"
    assert_no_personal_data(raw, values)
    # What the handlers wrote: standard-library loggers (SQLAlchemy, Alembic) included.
    written = [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]
    assert_no_personal_data(written, values)


def test_doorstep_demo_simulated_prints_the_timeline_quickly(capsys):
    import time

    from hub.cli import main

    began = time.monotonic()
    assert main(["demo", "--simulated"]) == 0
    elapsed = time.monotonic() - began
    out = capsys.readouterr().out
    assert "ESCALATION rung 1" in out
    assert "NOT SENT" in out
    assert "Demo finished" in out
    assert elapsed < 10


def test_doorstep_demo_simulated_with_an_unknown_pack_is_one_line(capsys):
    from hub.cli import main

    assert main(["demo", "--simulated", "--pack", "nowhere"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert "nowhere.toml" in err[0]


def test_doorstep_demo_pack_without_simulated_is_one_line(capsys):
    from hub.cli import main

    assert main(["demo", "--pack", "harrogate"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert "--simulated" in err[0]
