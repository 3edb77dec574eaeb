"""The opt-in fixtures plugin: hooks_for builds a facade with the built-ins and the
given adapters only."""

from __future__ import annotations

from typing import TYPE_CHECKING

from hub.models import School
from hub.testing.harness import MemoryRecorder, RecordingSleep
from tests.hub.testing import example

if TYPE_CHECKING:
    from hub.testing.fixtures import HooksFor

pytest_plugins = ["hub.testing.fixtures"]


def test_hooks_for_registers_the_builtins_and_the_given_adapters(
    hooks_for: HooksFor, kit_school: School
) -> None:
    adapter = example.ExampleAdapter(example.settings("https://example.fake.test/"))
    hooks = hooks_for(kit_school, adapters=[("example", adapter)])
    kinds = hooks.plugins()
    assert kinds["example"] == "adapter"
    assert {"risk_rules", "ladder", "authoriser", "audit"} <= set(kinds)
    assert hooks.adapters() == {"example": adapter}


def test_hooks_for_can_leave_out_the_builtins(hooks_for: HooksFor) -> None:
    hooks = hooks_for(builtins=False)
    assert hooks.plugins() == {}
    assert hooks.school.id == "st-michaels"


def test_the_small_fixtures(
    recording_sleep: RecordingSleep, memory_recorder: MemoryRecorder
) -> None:
    assert recording_sleep.calls == []
    assert memory_recorder.events == []
