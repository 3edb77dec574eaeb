"""``doorstep ics token|revoke``: a link shown once, only its hash kept."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hub.adapters.ics.cli import ics_cli
from hub.adapters.ics.client import FeedStore
from hub.adapters.ics.settings import IcsSettings

SCHOOL = "st-michaels"


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in [n for n in os.environ if n.startswith("DOORSTEP_")]:
        monkeypatch.delenv(name)
    feeds = tmp_path / "feeds"
    path = tmp_path / "doorstep.toml"
    path.write_text(
        f"""
[schools.{SCHOOL}]
name = "St Michael's"
policy_pack = "st-michaels"

[schools.{SCHOOL}.adapters.ics]
feed_dir = "{feeds}"
public_url = "https://doorstep.school.example/"
"""
    )
    monkeypatch.setenv("DOORSTEP_CONFIG", str(path))
    return feeds


def test_token_prints_a_subscribe_link_that_opens_the_staff_feed(config: Path) -> None:
    result = CliRunner().invoke(ics_cli, ["token", "--school", SCHOOL, "--staff", "s-1"])
    assert result.exit_code == 0, result.output
    link = result.output.strip().splitlines()[-1]
    assert link.startswith("https://doorstep.school.example/ics/")
    token = link.rsplit("/", 1)[1].removesuffix(".ics")
    store = FeedStore(SCHOOL, IcsSettings(feed_dir=config))
    assert store.staff_for(token) == "s-1"
    assert token not in (config / f"{SCHOOL}.json").read_text()


def test_revoke_stops_the_link(config: Path) -> None:
    CliRunner().invoke(ics_cli, ["token", "--school", SCHOOL, "--staff", "s-1"])
    result = CliRunner().invoke(ics_cli, ["revoke", "--school", SCHOOL, "--staff", "s-1"])
    assert result.exit_code == 0
    assert "stopped" in result.output
    assert FeedStore(SCHOOL, IcsSettings(feed_dir=config)).subscribed() == 0
