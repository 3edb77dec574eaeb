"""A running drill on the office board: the banner, acknowledging its rung, who may.

The drill itself runs in another process (``doorstep drill``); here its folder is
written as that process writes it (``hub.drills``), except in the last test, where
the real command runs against the fakes and every rung is acknowledged on the board.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from structlog.testing import capture_logs

from hub.demo.roster import DemoRoster
from hub.demo.settings import DEMO_FAKES, DEMO_SCHOOL, settings_data, to_toml
from hub.drills import REPORT, SentRung, mark_rung_sent, start_drill
from hub.engine.drill import FileAcks
from hub.fakes import serve_fakes
from tests.factories import SCHOOL, T0
from tests.hub.cli.test_drill_cli import CLI, environment
from tests.hub.web.conftest import WebHub, csrf_of, sign_in

BOARD = f"/web/schools/{SCHOOL}/board"
ACK = f"/web/schools/{SCHOOL}/drill/acknowledge"
DRILL_ID = "20261123T085900-abc123"
FIVE_MINUTES = timedelta(minutes=5)


@pytest.fixture
def data_dir(web: WebHub, tmp_path: Path) -> Path:
    """The web hub's data_dir, where drills meet the board."""
    folder = tmp_path / "data"
    ctx = web.hub.app.state.ctx
    ctx.settings = ctx.settings.model_copy(update={"data_dir": folder})
    return folder


def _rung_sent(data_dir: Path, number: int = 1, *, window: timedelta = FIVE_MINUTES) -> Path:
    """A drill whose rung ``number`` was sent a minute ago and waits for ``window``."""
    directory = start_drill(data_dir, SCHOOL, DRILL_ID)
    sent_at = T0 - timedelta(minutes=1)
    mark_rung_sent(
        directory,
        SentRung(
            drill_id=DRILL_ID,
            number=number,
            name="ring-staff",
            police_prompt=False,
            sent_at=sent_at,
            waits_until=sent_at + window,
        ),
    )
    return directory


def _banner_fields(html: str) -> dict[str, str]:
    form = html.split('action="/web/schools/st-michaels/drill/acknowledge"')[1].split("</form>")[0]
    return {
        name: form.split(f'name="{name}" value="')[1].split('"')[0]
        for name in ("csrf_token", "drill", "rung")
    }


async def test_the_office_acknowledges_the_drill_rung_from_the_board(
    web: WebHub, browser: httpx.AsyncClient, data_dir: Path
) -> None:
    directory = _rung_sent(data_dir, 2)
    await sign_in(browser, "office")
    board = await browser.get(BOARD)
    assert board.status_code == 200
    assert "DRILL in progress — rung 2" in board.text
    rows = await browser.get(f"{BOARD}/rows")
    assert "DRILL in progress — rung 2" in rows.text  # the 2 s refresh shows it too
    fields = _banner_fields(board.text)
    assert (fields["drill"], fields["rung"]) == (DRILL_ID, "2")

    response = await browser.post(ACK, data=fields)

    assert response.status_code == 303
    assert response.headers["location"] == BOARD
    assert FileAcks(directory).acknowledged(2) == "s-office"
    assert FileAcks(directory).acknowledged(1) is None
    after = await browser.get(BOARD)
    assert "DRILL in progress" not in after.text


@pytest.mark.parametrize("user", ["dsl", "senior_leader"])
async def test_leaders_see_and_acknowledge_the_drill(
    web: WebHub, browser: httpx.AsyncClient, data_dir: Path, user: str
) -> None:
    directory = _rung_sent(data_dir)
    await sign_in(browser, user)
    board = await browser.get(BOARD)
    response = await browser.post(ACK, data=_banner_fields(board.text))
    assert response.status_code == 303
    assert FileAcks(directory).acknowledged(1) == {"dsl": "s-dsl", "senior_leader": "s-slt"}[user]


async def test_acknowledging_a_drill_needs_the_csrf_token(
    web: WebHub, browser: httpx.AsyncClient, data_dir: Path
) -> None:
    directory = _rung_sent(data_dir)
    await sign_in(browser, "office")
    response = await browser.post(ACK, data={"drill": DRILL_ID, "rung": "1"})
    assert response.status_code == 403
    assert FileAcks(directory).acknowledged(1) is None


@pytest.mark.parametrize("user", ["staff", "admin"])
async def test_other_roles_may_not_acknowledge_a_drill(
    web: WebHub, browser: httpx.AsyncClient, data_dir: Path, user: str
) -> None:
    directory = _rung_sent(data_dir)
    await sign_in(browser, user)
    page = await browser.get(f"/web/schools/{SCHOOL}/mine")
    fields = {"csrf_token": csrf_of(page.text), "drill": DRILL_ID, "rung": "1"}
    response = await browser.post(ACK, data=fields)
    assert response.status_code == 403
    assert "office staff, DSLs and senior leaders" in response.text
    assert FileAcks(directory).acknowledged(1) is None


async def test_a_rung_the_drill_moved_past_is_refused(
    web: WebHub, browser: httpx.AsyncClient, data_dir: Path
) -> None:
    directory = _rung_sent(data_dir, 2)
    await sign_in(browser, "office")
    board = await browser.get(BOARD)
    stale = {**_banner_fields(board.text), "rung": "1"}
    response = await browser.post(ACK, data=stale)
    assert response.status_code == 409
    assert "no longer waiting" in response.text
    assert not list(directory.glob("ack-*.json"))


async def test_no_banner_once_the_window_passed_or_the_drill_ended(
    web: WebHub, browser: httpx.AsyncClient, data_dir: Path
) -> None:
    directory = _rung_sent(data_dir, window=timedelta(minutes=5))
    await sign_in(browser, "office")
    assert "DRILL in progress" in (await browser.get(BOARD)).text
    web.hub.now[0] = T0 + timedelta(minutes=4)  # sent at T0 - 1 min: the window has passed
    board = await browser.get(BOARD)
    assert "DRILL in progress" not in board.text
    response = await browser.post(
        ACK, data={"csrf_token": csrf_of(board.text), "drill": DRILL_ID, "rung": "1"}
    )
    assert response.status_code == 409
    web.hub.now[0] = T0
    (directory / REPORT).write_text("{}", encoding="utf-8")
    assert "DRILL in progress" not in (await browser.get(BOARD)).text


async def test_no_banner_without_a_drill(web: WebHub, browser: httpx.AsyncClient, data_dir: Path):
    await sign_in(browser, "office")
    board = await browser.get(BOARD)
    assert board.status_code == 200
    assert 'id="drill"' not in board.text


async def test_a_real_drill_is_timed_from_board_acknowledgements(
    web: WebHub, browser: httpx.AsyncClient, data_dir: Path
) -> None:
    """``doorstep drill`` on the fake channels; every rung acknowledged on the board."""
    web.hub.now[0] = datetime.now(UTC)
    await sign_in(browser, "office")
    with serve_fakes(folder=data_dir / "fakes", only=DEMO_FAKES) as fakes:
        tables = settings_data(fakes, DemoRoster.generate(DEMO_SCHOOL))
        tables["schools"] = {SCHOOL: tables["schools"][DEMO_SCHOOL]}
        config = data_dir / "doorstep.toml"
        config.write_text(to_toml(tables), encoding="utf-8")
        command = [sys.executable, "-c", CLI, "drill", "--school", SCHOOL, "--window", "30"]
        with (data_dir / "drill.log").open("w") as log:
            process = subprocess.Popen(
                command,
                stdout=subprocess.PIPE,
                stderr=log,
                text=True,
                env=environment(data_dir, config),
            )
        assert process.stdout is not None
        printed: list[str] = []
        acked: list[int] = []
        while line := await asyncio.wait_for(asyncio.to_thread(process.stdout.readline), 60):
            printed.append(line.rstrip())
            if "acknowledge with" not in line:
                continue
            rung = int(line.split(" rung ")[1].split()[0])
            board = await browser.get(BOARD)
            assert f"DRILL in progress — rung {rung}" in board.text
            response = await browser.post(ACK, data=_banner_fields(board.text))
            assert response.status_code == 303
            acked.append(rung)
        code = await asyncio.to_thread(process.wait, 30)

    assert code == 0, "\n".join(printed)
    assert acked == [1, 2, 3]
    assert printed[-1] == "drill passed"
    assert sum("acknowledged by s-office in" in line for line in printed) == 3
    [report_file] = (data_dir / "drills" / SCHOOL).glob("*/report.json")
    report = json.loads(report_file.read_text())
    assert [r["acknowledged_by"] for r in report["rungs"]] == ["s-office"] * 3
    assert all(r["acknowledged_at"] >= r["sent_at"] for r in report["rungs"])
    assert "DRILL in progress" not in (await browser.get(BOARD)).text


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("rung.json", '{"drill_id": "20261123T085900-abc'),  # truncated
        ("rung.json", '{"drill_id": "x", "number": 1}'),  # an older layout
        ("rung.json", "\udcff"),  # not UTF-8 once written with surrogateescape
    ],
)
async def test_an_unreadable_drill_file_is_no_drill_and_never_a_500(
    web: WebHub, browser: httpx.AsyncClient, data_dir: Path, name: str, text: str
) -> None:
    directory = _rung_sent(data_dir)
    (directory / name).write_bytes(text.encode("utf-8", "surrogateescape"))
    await sign_in(browser, "office")
    with capture_logs() as logs:
        board = await browser.get(BOARD)
    assert board.status_code == 200
    assert 'id="drill"' not in board.text
    unreadable = [entry for entry in logs if entry["event"] == "drill.unreadable"]
    assert unreadable
    assert all("abc" not in str(entry) for entry in unreadable)  # never the file's content


async def test_a_drill_folder_and_its_files_are_owner_only(data_dir: Path) -> None:
    directory = _rung_sent(data_dir)
    FileAcks(directory).ack(1, "office-1")
    assert directory.stat().st_mode & 0o777 == 0o700
    for path in (directory / "rung.json", directory / "ack-1.json", directory.parent / "current"):
        assert path.stat().st_mode & 0o777 == 0o600, path.name
