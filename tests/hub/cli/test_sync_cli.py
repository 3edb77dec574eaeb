"""`doorstep sync`: exit 0 synced, 3 held for --confirm, 1 with one line on an adapter error."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.adapters.csv.fake import FakeState
from hub.cli import main
from hub.store import Store
from tests.factories import SCHOOL


@pytest.fixture
def exports(tmp_path: Path) -> FakeState:
    return FakeState(folder=tmp_path / "exports")


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'data' / 'doorstep.db'}"


@pytest.fixture(autouse=True)
def config(
    tmp_path: Path, exports: FakeState, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> Path:
    path = tmp_path / "doorstep.toml"
    path.write_text(
        f'database_url = "{database_url}"\n'
        f"[schools.{SCHOOL}]\n"
        'name = "St Michael\'s"\n'
        f'policy_pack = "{SCHOOL}"\n'
        f"[schools.{SCHOOL}.adapters.csv]\n"
        f'folder = "{exports.folder}"\n'
        'preset = "sims"\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("DOORSTEP_CONFIG", str(path))
    monkeypatch.setenv("DOORSTEP_LOG_LEVEL", "warning")
    monkeypatch.setenv("DOORSTEP_LOAD_PLUGINS", "csv")  # only the adapter under test loads
    return path


def sync(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["sync", "--school", SCHOOL, *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_a_first_sync_adds_the_roll_and_prints_one_summary(
    capsys: pytest.CaptureFixture[str], exports: FakeState, database_url: str
) -> None:
    code, out, _ = sync(capsys)
    assert code == 0
    summary = out.splitlines()[0]
    assert summary.startswith(f"{SCHOOL}: full sync: 24 pulled, 24 added, 0 changed, 0 removed")
    with Store.open(database_url) as store:
        assert set(store.cached_pupils(SCHOOL)) == set(exports.pupil_ids())
        assert store.contacts_of(SCHOOL, exports.pupil_ids()[0])


def test_a_sync_removing_three_of_24_is_held_with_exit_3_then_confirmed(
    capsys: pytest.CaptureFixture[str], exports: FakeState, database_url: str
) -> None:
    assert sync(capsys)[0] == 0
    assert exports.folder is not None
    exports.pupils = exports.pupils[3:]
    exports.write(exports.folder)
    code, out, err = sync(capsys, "--full")
    assert code == 3
    assert out == ""
    assert err.strip().splitlines()[-1].endswith("run again with --confirm to apply it")
    assert "remove 3 and rewrite 0 of 24 pupils (12%)" in err
    with Store.open(database_url) as store:
        assert store.count_pupils(SCHOOL) == 24
    code, out, _ = sync(capsys, "--full", "--confirm")
    assert code == 0
    assert ", 3 removed," in out
    with Store.open(database_url) as store:
        assert store.count_pupils(SCHOOL) == 21


def test_a_hold_share_option_lets_the_same_sync_through(
    capsys: pytest.CaptureFixture[str], exports: FakeState
) -> None:
    assert sync(capsys)[0] == 0
    assert exports.folder is not None
    exports.pupils = exports.pupils[3:]
    exports.write(exports.folder)
    assert sync(capsys, "--full", "--hold-share", "0.2")[0] == 0


def test_an_adapter_error_is_one_line_and_exit_1(
    capsys: pytest.CaptureFixture[str], exports: FakeState
) -> None:
    exports.fail_next(times=1)  # the exports did not arrive
    code, out, err = sync(capsys)
    assert code == 1
    assert out == ""
    lines = [line for line in err.strip().splitlines() if not line.startswith("{")]
    assert len(lines) == 1  # besides the JSON log lines
    assert lines[0].startswith(f"doorstep sync: {SCHOOL}: ")
    for value in exports.personal_values():
        assert value not in err


def test_an_unknown_school_is_a_one_line_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["sync", "--school", "nowhere"])
    err = capsys.readouterr().err
    assert code == 2
    assert "school 'nowhere' is not configured" in err
