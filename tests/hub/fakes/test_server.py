"""serve_fakes: the mounted fakes on a real local port, reachable by real adapters."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from hub.adapters.cpoms import CpomsAdapter
from hub.adapters.cpoms.fake import API_KEY
from hub.adapters.cpoms.settings import CpomsSettings
from hub.errors import AdapterError
from hub.fakes import serve_fakes


def test_serves_on_a_free_loopback_port_until_stopped(tmp_path: Path) -> None:
    fakes = serve_fakes(folder=tmp_path, only=["teams", "csv"])
    try:
        assert fakes.url.startswith("http://127.0.0.1:")
        assert fakes.url_for("teams") == f"{fakes.url}/fake/teams/"
        answer = httpx.get(f"{fakes.url_for('teams')}workflows/unknown", timeout=5)
        assert answer.status_code == 404
        assert fakes.state("teams").requests == [("GET", "/workflows/unknown")]
        assert (fakes.folders["csv"] / "pupils.csv").exists()
    finally:
        fakes.stop()
    with pytest.raises(httpx.ConnectError):
        httpx.get(fakes.url_for("teams"), timeout=2)


def test_url_for_a_fake_not_served_is_a_key_error() -> None:
    with serve_fakes(only=["teams"]) as fakes, pytest.raises(KeyError):
        fakes.url_for("cpoms")


async def test_a_real_adapter_reaches_its_fake_through_the_egress_guard() -> None:
    with serve_fakes(only=["cpoms"]) as fakes:
        refused = CpomsAdapter(
            CpomsSettings(base_url=fakes.url_for("cpoms"), api_key=API_KEY, max_attempts=1)
        )
        allowed = CpomsAdapter(
            CpomsSettings(
                base_url=fakes.url_for("cpoms"),
                api_key=API_KEY,
                allow_private_cidrs=["127.0.0.0/8"],
            )
        )
        try:
            with pytest.raises(AdapterError):
                await refused.hub_pull_risk_flags(pupil_id="pupil-3", household_id=None)
            flags = await allowed.hub_pull_risk_flags(pupil_id="pupil-3", household_id=None)
        finally:
            await refused.stop()
            await allowed.stop()
        assert "dangerous_animal" in {flag.category for flag in flags}
        assert ("GET", "/students") in fakes.state("cpoms").requests
