"""Fixtures shared by the Wonde tests: a seeded fake, the adapter over it, its facade.

A test module may override ``fake_wonde`` (a smaller school, say); the adapter and the
facade follow it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from hub.adapters.wonde import WondeAdapter
from hub.adapters.wonde.fake import FakeState
from hub.hooks.manager import Hooks, build_hooks
from tests.adapters.wonde.helpers import SCHOOL_ROW, adapter_for
from tests.factories import pack


@pytest.fixture
def fake_wonde() -> FakeState:
    return FakeState(pupils=25)


@pytest.fixture
async def wonde(fake_wonde: FakeState) -> AsyncIterator[WondeAdapter]:
    adapter = adapter_for(fake_wonde)
    await adapter.start()
    yield adapter
    await adapter.stop()


@pytest.fixture
def hooks(wonde: WondeAdapter) -> Hooks:
    return build_hooks(SCHOOL_ROW, pack=pack(), entry_points=False, extra=[("wonde", wonde)])
