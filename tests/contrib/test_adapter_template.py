"""The adapter template installs beside Doorstep as a third-party distribution, is
listed by ``doorstep plugins`` and passes the contract kit.

It is built with pip (an isolated build, as a user's ``pip install`` would) into a
private ``--target`` folder put on ``PYTHONPATH`` of the subprocesses, so the shared
venv is never changed. Runs in CI like every other test (about 20 s).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

TEMPLATE = Path(__file__).resolve().parents[2] / "contrib" / "adapter-template"
IGNORED = shutil.ignore_patterns("__pycache__", "*.egg-info", "build", ".pytest_cache")


def run(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args, env=env, cwd=cwd, capture_output=True, text=True, timeout=120, check=False
    )


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """The template built and installed into a private folder, and an env using it."""
    work = tmp_path_factory.mktemp("adapter-template")
    source, site = work / "doorstep-example", work / "site"
    shutil.copytree(TEMPLATE, source, ignore=IGNORED)
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOORSTEP_")}
    pip = [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(site)]
    done = run([*pip, str(source)], env, work)
    assert done.returncode == 0, f"pip install failed:\n{done.stderr[-2000:]}"
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(site), env.get("PYTHONPATH")]))
    return work, env


def test_it_installs_as_its_own_distribution(installed: tuple[Path, dict[str, str]]) -> None:
    work, env = installed
    code = "import doorstep_example, importlib.metadata as m; "
    code += "print(doorstep_example.__file__); print(m.version('doorstep-example'))"
    done = run([sys.executable, "-c", code], env, work)
    where, version = done.stdout.split()
    assert Path(where).is_relative_to(work / "site")
    assert version == "0.1.0"


def test_doorstep_plugins_lists_it(installed: tuple[Path, dict[str, str]]) -> None:
    work, env = installed
    done = run(
        [sys.executable, "-c", "from hub.cli import main; main()", "plugins", "--json"], env, work
    )
    assert done.returncode == 0, done.stderr[-2000:]
    rows = {row["name"]: row for row in json.loads(done.stdout)}
    example = rows["example"]
    assert example["kind"] == "adapter"
    assert example["version"] == "0.1.0"
    assert {"pull_pupil", "pull_contacts", "push_visit_note", "health"} <= set(example["hooks"])


def test_its_one_line_contract_test_passes(installed: tuple[Path, dict[str, str]]) -> None:
    work, env = installed
    tests = work / "doorstep-example" / "tests"
    args = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tests)]
    done = run(args, env, work)
    assert done.returncode == 0, done.stdout[-3000:]
    assert "36 passed" in done.stdout
