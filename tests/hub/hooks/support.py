"""Helpers shared by the hook and plugin tests: a school, an event recorder, a facade."""

from __future__ import annotations

from typing import Any

from hub.hooks.manager import Hooks, build_hooks
from hub.models import School, VisitEvent
from tests import factories


class MemoryRecorder:
    """An event log in a list, shaped like the store's ``append_event``."""

    def __init__(self) -> None:
        self.events: list[VisitEvent] = []

    def append_event(self, event: VisitEvent) -> int:
        self.events.append(event)
        return len(self.events)


def school(pack_id: str = factories.SCHOOL) -> School:
    return School(id=pack_id, name="Test School", policy_pack=pack_id)


def hooks_for(*extra: tuple[str, object], **options: Any) -> Hooks:
    """A facade for the test school with only ``extra`` registered (no entry points)."""
    options.setdefault("entry_points", False)
    return build_hooks(school(), pack=factories.pack(), extra=extra, **options)
