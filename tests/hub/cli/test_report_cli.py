"""`doorstep report visits`: a table in the terminal, CSV and a chart when asked."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from hub.cli import main
from hub.models import Outcome, OutcomeKind, VisitState
from hub.store import Store
from tests.factories import SCHOOL, visit
from tests.hub.followup.cli_config import use_config
from tests.hub.followup.conftest import SCHOOL_MODEL


@pytest.fixture(autouse=True)
def database_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = use_config(tmp_path, monkeypatch)
    start = datetime(2026, 11, 3, 10, 0, tzinfo=UTC)
    with Store.open(url) as store:
        store.save_school(SCHOOL_MODEL)
        store.save_visit(
            visit(
                state=VisitState.CLOSED,
                planned_start=start,
                planned_end=start + timedelta(hours=1),
                requested_at=start - timedelta(days=1),
            )
        )
        store.save_outcome(
            SCHOOL, "v-1", Outcome(kind=OutcomeKind.NO_ACCESS, recorded_at=start, recorded_by="s-1")
        )
    return url


def test_the_table_csv_and_chart(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    csv, chart = tmp_path / "visits.csv", tmp_path / "visits.png"
    code = main(
        [
            "report",
            "visits",
            "--school",
            SCHOOL,
            "--month",
            "2026-11",
            "--csv",
            str(csv),
            "--chart",
            str(chart),
        ]
    )
    out = capsys.readouterr().out
    assert code == 0
    assert out.startswith(f"Visits for {SCHOOL}, 2026-11")
    assert "no_access" in out
    assert "100.0%" in out
    assert "attendance_concern" in csv.read_text(encoding="utf-8")
    assert chart.read_bytes().startswith(b"\x89PNG")


def test_an_empty_month_and_a_bad_month(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", "visits", "--school", SCHOOL, "--month", "2026-10"]) == 0
    first = capsys.readouterr().out.splitlines()[2].split()
    assert first == ["visits", "total", "0"]
    code = main(["report", "visits", "--school", SCHOOL, "--month", "Oct"])
    assert code == 2
    assert "month must look like 2026-11" in capsys.readouterr().err
