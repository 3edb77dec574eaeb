"""``Hooks.start()`` and ``Hooks.aclose()``: every adapter started and stopped, each
failure isolated, logged by name and returned."""

from __future__ import annotations

from hub import hookimpl
from hub.logging import capture_redacted_logs
from hub.models import Pupil, School
from hub.plugins import risk_rules
from tests.hub.hooks.support import hooks_for


class Adapter:
    def __init__(self, name: str, calls: list[str], *, broken: str = "") -> None:
        self.name, self.calls, self.broken = name, calls, broken

    async def start(self) -> None:
        self.calls.append(f"start {self.name}")
        if self.broken == "start":
            raise RuntimeError("cannot reach the system")

    async def stop(self) -> None:
        self.calls.append(f"stop {self.name}")
        if self.broken == "stop":
            raise RuntimeError("close failed")

    @hookimpl
    def hub_pull_pupil(self, school: School, pupil_id: str) -> Pupil | None:
        return None


class SyncStopAdapter:
    def __init__(self, calls: list[str]) -> None:
        self.calls = calls

    def stop(self) -> None:
        self.calls.append("stop sync")


async def test_start_and_aclose_reach_every_adapter_and_no_plugin() -> None:
    calls: list[str] = []
    hooks = hooks_for(("a", Adapter("a", calls)), ("b", Adapter("b", calls)))
    assert set(hooks.adapters()) == {"a", "b"}
    assert await hooks.start() == []
    assert await hooks.aclose() == []
    assert sorted(calls) == ["start a", "start b", "stop a", "stop b"]


async def test_one_adapter_failing_to_start_does_not_stop_the_others() -> None:
    calls: list[str] = []
    hooks = hooks_for(("a", Adapter("a", calls, broken="start")), ("b", Adapter("b", calls)))
    with capture_redacted_logs() as events:
        failed = await hooks.start()
    assert failed == ["a"]
    assert "start b" in calls
    assert [e["event"] for e in events] == ["adapter.start_failed"]
    assert events[0]["adapter"] == "a"
    assert events[0]["error"] == "RuntimeError"


async def test_aclose_stops_the_rest_after_a_failure_and_awaits_only_awaitables() -> None:
    calls: list[str] = []
    hooks = hooks_for(
        ("a", Adapter("a", calls, broken="stop")),
        ("s", SyncStopAdapter(calls)),
        ("b", Adapter("b", calls)),
    )
    assert await hooks.aclose() == ["a"]
    assert {"stop a", "stop sync", "stop b"} <= set(calls)


async def test_plugin_modules_are_not_adapters() -> None:
    hooks = hooks_for(("risk_rules", risk_rules))
    assert "risk_rules" in hooks.plugins()
    assert hooks.adapters() == {}
    assert await hooks.start() == []
