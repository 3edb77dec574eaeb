"""build_fakes: every registered fake mounted under /fake/<id>, found through the hook."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from starlette.routing import Mount

from hub.adapters.cpoms.fake import API_KEY
from hub.fakes import build_fakes, mount_path
from hub.hooks.registry import build_registry


def test_every_registered_fake_is_mounted_under_its_id(tmp_path: Path) -> None:
    registered = build_registry().mock_backends()

    fakes = build_fakes(folder=tmp_path)

    assert set(fakes.states) == set(registered)
    mounts = [route for route in fakes.app.routes if isinstance(route, Mount)]
    assert sorted(mount.path for mount in mounts) == sorted(mount_path(i) for i in registered)
    assert mount_path("cpoms") == "/fake/cpoms"


async def test_a_fake_sees_its_own_paths_under_the_mount(tmp_path: Path) -> None:
    fakes = build_fakes(folder=tmp_path, only=["cpoms"])
    transport = httpx.ASGITransport(app=fakes.app)

    async with httpx.AsyncClient(transport=transport, base_url="http://fakes.test") as client:
        answer = await client.get("/fake/cpoms/students", headers={"X-API-Key": API_KEY})
        missing = await client.get("/fake/nobody/students")

    assert answer.status_code == 200
    assert answer.json()["data"]
    assert fakes.state("cpoms").requests == [("GET", "/students")]
    assert missing.status_code == 404


async def test_a_file_backed_fake_writes_into_its_folder_and_is_served_too(
    tmp_path: Path,
) -> None:
    fakes = build_fakes(folder=tmp_path, only=["csv"])

    assert fakes.folders == {"csv": tmp_path / "csv"}
    assert sorted(p.name for p in (tmp_path / "csv").iterdir()) == [
        "attendance.csv",
        "contacts.csv",
        "pupils.csv",
    ]
    transport = httpx.ASGITransport(app=fakes.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://fakes.test") as client:
        answer = await client.get("/fake/csv/pupils.csv")
    assert answer.status_code == 200
    assert answer.text.splitlines()[0].startswith("Adno")


def test_a_file_backed_fake_needs_a_folder() -> None:
    with pytest.raises(ValueError, match="csv fake writes files"):
        build_fakes(only=["csv"])


def test_an_unknown_fake_is_named() -> None:
    with pytest.raises(ValueError, match="nowhere"):
        build_fakes(only=["cpoms", "nowhere"])


def test_each_build_has_fresh_state(tmp_path: Path) -> None:
    first = build_fakes(only=["teams"])
    second = build_fakes(only=["teams"])

    first.state("teams").records["card-1"] = ("office", {})

    assert second.state("teams").records == {}
