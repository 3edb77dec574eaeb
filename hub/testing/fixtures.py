"""Opt-in pytest fixtures for adapter and plugin tests.

Enable in a ``conftest.py`` with ``pytest_plugins = ["hub.testing.fixtures"]``; it is
never auto-loaded. Fixtures:

- ``kit_school``: the St Michael's school the contract kit uses;
- ``recording_sleep``: an injected ``sleep`` that records waits and returns at once;
- ``memory_recorder``: a visit-event log in a list (what the audit plugin writes to);
- ``hooks_for``: ``hooks_for(school, adapters=[("wonde", adapter)])`` → a ``Hooks``
  facade with Doorstep's built-in plugins and only those adapters (no entry points);
- ``mock_backends``: every installed adapter's fake, by adapter id.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

import pytest

from hub.hooks.manager import Hooks, build_hooks
from hub.hooks.registry import build_registry
from hub.hooks.types import MockBackend
from hub.models import School
from hub.policy import PolicyPack, load_bundled_pack
from hub.testing import samples
from hub.testing.harness import MemoryRecorder, RecordingSleep, builtin_plugins


class HooksFor(Protocol):
    """``hooks_for(school=None, *, adapters=(), pack=None, builtins=True)`` → ``Hooks``."""

    def __call__(
        self,
        school: School | None = None,
        *,
        adapters: Iterable[tuple[str, object]] = (),
        pack: PolicyPack | None = None,
        builtins: bool = True,
    ) -> Hooks: ...


@pytest.fixture
def kit_school() -> School:
    """The school the contract kit runs for (St Michael's pack)."""
    return samples.school()


@pytest.fixture
def recording_sleep() -> RecordingSleep:
    """A ``sleep`` to inject: records each wait, never waits."""
    return RecordingSleep()


@pytest.fixture
def memory_recorder() -> MemoryRecorder:
    """An in-memory visit-event log."""
    return MemoryRecorder()


@pytest.fixture
def hooks_for(memory_recorder: MemoryRecorder) -> HooksFor:
    """Build a school's facade with the built-in plugins and the given adapters."""

    def build(
        school: School | None = None,
        *,
        adapters: Iterable[tuple[str, object]] = (),
        pack: PolicyPack | None = None,
        builtins: bool = True,
    ) -> Hooks:
        school = school or samples.school()
        plugins = builtin_plugins() if builtins else []
        return build_hooks(
            school,
            pack=pack or load_bundled_pack(school.policy_pack),
            entry_points=False,
            extra=[*plugins, *adapters],
            recorder=memory_recorder,
        )

    return build


@pytest.fixture
def mock_backends() -> dict[str, MockBackend]:
    """Every installed adapter's fake system, by adapter id."""
    return build_registry().mock_backends()
