"""Fixtures for the OneRoster adapter tests: a seeded fake service and clients bound to it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from hub.adapters.oneroster import OneRosterAdapter
from hub.adapters.oneroster.client import OneRosterClient
from hub.adapters.oneroster.fake import FakeState, create_app
from hub.adapters.oneroster.settings import OneRosterSettings
from hub.testing import RecordingSleep as Sleeps

BASE_URL = "https://oneroster.test/ims/oneroster/rostering/v1p2"
TOKEN_URL = "https://oneroster.test/oauth/token"


class ManualClock:
    """A monotonic clock the test moves by hand (shared by the fake and the client)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def settings_for(state: FakeState, **overrides: Any) -> OneRosterSettings:
    """Settings pointing at the fake with its credentials."""
    values: dict[str, Any] = {
        "base_url": BASE_URL,
        "token_url": TOKEN_URL,
        "client_id": state.client_id,
        "client_secret": state.client_secret,
    }
    return OneRosterSettings.model_validate(values | overrides)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def fake_oneroster(clock: ManualClock) -> FakeState:
    return FakeState(clock=clock)


@pytest.fixture
async def oneroster_client(
    fake_oneroster: FakeState, clock: ManualClock, sleeps: Sleeps
) -> AsyncIterator[OneRosterClient]:
    client = OneRosterClient(
        settings_for(fake_oneroster),
        transport=httpx.ASGITransport(app=create_app(fake_oneroster)),
        sleep=sleeps,
        clock=clock,
    )
    yield client
    await client.aclose()


@pytest.fixture
async def oneroster_adapter(
    fake_oneroster: FakeState, sleeps: Sleeps
) -> AsyncIterator[OneRosterAdapter]:
    adapter = OneRosterAdapter(
        settings_for(fake_oneroster),
        transport=httpx.ASGITransport(app=create_app(fake_oneroster)),
        sleep=sleeps,
    )
    await adapter.start()
    yield adapter
    await adapter.stop()
