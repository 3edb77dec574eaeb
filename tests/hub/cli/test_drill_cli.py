"""``doorstep drill`` against the fake channels: every rung sent marked DRILL, acknowledged
with ``doorstep drill ack`` from another process, timed, and nothing sent to CPOMS or the MIS."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from typer.testing import CliRunner

from hub.cli import app
from hub.demo.roster import DemoRoster
from hub.demo.settings import DEMO_FAKES, DEMO_SCHOOL, settings_data, to_toml
from hub.fakes import serve_fakes

CLI = "import sys; from hub.cli import main; sys.exit(main())"


def environment(tmp_path: Path, config: Path) -> dict[str, str]:
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith("DOORSTEP_")},
        "DOORSTEP_CONFIG": str(config),
        "DOORSTEP_DATA_DIR": str(tmp_path),
        "DOORSTEP_DATABASE_URL": f"sqlite:///{tmp_path / 'doorstep.db'}",
        "DOORSTEP_LOG_FORMAT": "json",
        "PYTHONUNBUFFERED": "1",
    }


def test_drill_runs_every_rung_marked_drill_and_times_each_ack(tmp_path: Path) -> None:
    with serve_fakes(folder=tmp_path / "fakes", only=DEMO_FAKES) as fakes:
        config = tmp_path / "doorstep.toml"
        roster = DemoRoster.generate(DEMO_SCHOOL)
        config.write_text(to_toml(settings_data(fakes, roster)), encoding="utf-8")
        env = environment(tmp_path, config)
        command = [sys.executable, "-c", CLI, "drill", "--school", DEMO_SCHOOL, "--window", "30"]
        with (tmp_path / "drill.log").open("w") as log:
            process = subprocess.Popen(
                command, stdout=subprocess.PIPE, stderr=log, text=True, env=env
            )
        assert process.stdout is not None
        acked: list[int] = []
        printed: list[str] = []
        runner = CliRunner()
        began = time.monotonic()
        for line in process.stdout:
            printed.append(line.rstrip())
            if " sent via " in line and "acknowledge with" in line:
                rung = int(line.split(" rung ")[1].split()[0])
                result = runner.invoke(
                    app,
                    ["drill", "ack", "--school", DEMO_SCHOOL, "--rung", str(rung), "--by", "s-1"],
                    env=env,
                )
                assert result.exit_code == 0, result.output
                acked.append(rung)
            assert time.monotonic() - began < 60
        code = process.wait(timeout=30)
        notify = fakes.state("govuk_notify").records
        teams = fakes.state("teams").records
        cpoms_requests = list(fakes.state("cpoms").requests)

    assert code == 0, "\n".join(printed)
    assert acked == [1, 2, 3]
    assert printed[-1] == "drill passed"
    assert any("police prompt, drill only" in line for line in printed)
    assert sum("acknowledged by s-1 in" in line for line in printed) == 3
    sent = [json.dumps(body) for body in notify.values()] + [
        json.dumps(body) for _hook, body in teams.values()
    ]
    assert sent
    assert all("DRILL" in text for text in sent)
    assert cpoms_requests == []  # nothing went to the safeguarding system
    reports = list((tmp_path / "drills" / DEMO_SCHOOL).glob("*/report.json"))
    assert len(reports) == 1
    assert reports[0].stat().st_mode & 0o777 == 0o600  # owner-only, like every drill file
    report = json.loads(reports[0].read_text())
    assert [r["acknowledged_by"] for r in report["rungs"]] == ["s-1", "s-1", "s-1"]


def test_ack_without_a_running_drill_is_one_clear_line(tmp_path: Path) -> None:
    config = tmp_path / "doorstep.toml"
    config.write_text(
        '[schools.st-michaels]\nname = "St Michaels"\npolicy_pack = "st-michaels"\n',
        encoding="utf-8",
    )
    env = environment(tmp_path, config)
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            CLI,
            "drill",
            "ack",
            "--school",
            "st-michaels",
            "--rung",
            "1",
            "--by",
            "s-1",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.strip() == "doorstep: error: school st-michaels has no drill running"
