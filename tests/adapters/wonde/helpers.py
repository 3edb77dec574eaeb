"""Builders shared by the Wonde tests: settings, client and adapter bound to a fake."""

from __future__ import annotations

from typing import Any

import httpx

from hub.adapters.wonde.adapter import WondeAdapter
from hub.adapters.wonde.client import WondeClient
from hub.adapters.wonde.fake import FakeState, create_app
from hub.adapters.wonde.settings import WondeSettings
from hub.models import School
from tests.factories import SCHOOL

SCHOOL_ROW = School(id=SCHOOL, name="St Michael's", policy_pack=SCHOOL)
"""The school the adapter serves in these tests."""


class Sleeps:
    """An injected sleep that records how long it was asked to wait, and never waits."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


def settings_for(state: FakeState, **overrides: Any) -> WondeSettings:
    values: dict[str, Any] = {"token": state.token, "school_id": state.school_id}
    values.update(overrides)
    return WondeSettings.model_validate(values)


def transport(state: FakeState) -> httpx.ASGITransport:
    return httpx.ASGITransport(app=create_app(state))


def client_for(state: FakeState, sleeps: Sleeps | None = None, **overrides: Any) -> WondeClient:
    return WondeClient(
        settings_for(state, **overrides), transport=transport(state), sleep=sleeps or Sleeps()
    )


def adapter_for(state: FakeState, sleeps: Sleeps | None = None, **overrides: Any) -> WondeAdapter:
    return WondeAdapter(
        settings_for(state, **overrides), transport=transport(state), sleep=sleeps or Sleeps()
    )
