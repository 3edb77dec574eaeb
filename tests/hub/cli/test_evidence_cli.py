"""`doorstep evidence`: the pack for one pupil as JSON and PDF, written 0600."""

from __future__ import annotations

import json
import stat
from datetime import timedelta
from pathlib import Path

import pytest

from hub.cli import main
from hub.models import VisitState
from hub.store import Store
from tests.factories import SCHOOL, pupil, visit
from tests.hub.followup.cli_config import use_config
from tests.hub.followup.conftest import AGREED_AT, SCHOOL_MODEL
from tests.hub.followup.pictures import pdf_text


@pytest.fixture(autouse=True)
def database_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = use_config(tmp_path, monkeypatch)
    with Store.open(url) as store:
        store.save_school(SCHOOL_MODEL)
        store.upsert_pupils([pupil("p-1")])
        store.save_visit(
            visit(
                state=VisitState.CLOSED,
                planned_start=AGREED_AT,
                planned_end=AGREED_AT + timedelta(hours=1),
                requested_at=AGREED_AT - timedelta(days=1),
            )
        )
    return url


def test_the_pack_is_written_where_the_settings_say(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "followup" / SCHOOL / "evidence"
    code = main(["evidence", "--school", SCHOOL, "--pupil", "p-1"])
    lines = capsys.readouterr().out.splitlines()
    assert code == 0
    assert lines == ["1 entries", str(out / "p-1-evidence.json"), str(out / "p-1-evidence.pdf")]
    for name in lines[1:]:
        assert stat.S_IMODE(Path(name).stat().st_mode) == 0o600
    assert json.loads(Path(lines[1]).read_text(encoding="utf-8"))["chronology"][0]["ref"] == "v-1"
    assert "pupil:p-1" in pdf_text(Path(lines[2]))
    for folder in (out, out.parent, out.parent.parent):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700


def test_there_is_no_choosing_another_folder(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["evidence", "--school", SCHOOL, "--pupil", "p-1", "--out", "/tmp/anywhere"])
    assert code == 2
    assert "--out" in capsys.readouterr().err


def test_an_unknown_pupil_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "followup"
    code = main(["evidence", "--school", SCHOOL, "--pupil", "p-404"])
    assert code == 2
    assert "holds no pupil 'p-404'" in capsys.readouterr().err
    assert not out.exists()
