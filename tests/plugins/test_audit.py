"""The audit plugin writes every visit event into the school's event log."""

from __future__ import annotations

import pytest
import structlog

from hub.errors import PluginError
from hub.hooks.context import PluginContext
from hub.models import VisitEvent, VisitEventKind, VisitState
from hub.plugins import audit
from tests import factories
from tests.factories import T0
from tests.hub.hooks.support import MemoryRecorder, hooks_for, school


def _event(kind: VisitEventKind, school_id: str = "st-michaels") -> VisitEvent:
    return VisitEvent(
        school_id=school_id,
        visit_id="v-1",
        kind=kind,
        at=T0,
        actor="s-1",
        state_from=VisitState.REQUESTED,
        state_to=VisitState.ASSESSED,
    )


async def test_hook_on_visit_event_is_recorded_in_order_by_the_audit_plugin():
    recorder = MemoryRecorder()
    hooks = hooks_for(("audit", audit), recorder=recorder)
    for kind in (VisitEventKind.REQUESTED, VisitEventKind.ASSESSED, VisitEventKind.CLOSED):
        assert await hooks.on_visit_event(event=_event(kind)) == []
    assert [e.kind for e in recorder.events] == [
        VisitEventKind.REQUESTED,
        VisitEventKind.ASSESSED,
        VisitEventKind.CLOSED,
    ]


async def test_an_event_of_another_school_is_never_recorded():
    recorder = MemoryRecorder()
    hooks = hooks_for(("audit", audit), recorder=recorder)
    with structlog.testing.capture_logs() as logs:
        failed = await hooks.on_visit_event(event=_event(VisitEventKind.REQUESTED, "harrogate"))
    assert failed == ["audit"]
    assert recorder.events == []
    assert any(e["event"] == "hook.observer_failed" for e in logs)


def test_the_audit_plugin_needs_a_recorder():
    context = PluginContext(school=school(), pack=factories.pack())
    with pytest.raises(PluginError, match="pass recorder= to build_hooks, or disable 'audit'"):
        audit.AuditPlugin(context)
