"""What a per-school plugin is built with.

Most plugins are modules of hook functions and need nothing. A plugin module that
keeps per-school state (the audit plugin records events somewhere) sets a module
attribute ``per_school`` to a class; the manager builds one instance per school with
a ``PluginContext`` and registers the instance in place of the module::

    class AuditPlugin:
        def __init__(self, context: PluginContext) -> None:
            self._recorder = context.require_recorder("audit")

        @hookimpl
        def hub_on_visit_event(self, event): ...

    per_school = AuditPlugin
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from hub.errors import PluginError
from hub.models import School, VisitEvent
from hub.policy import PolicyPack


class EventRecorder(Protocol):
    """Somewhere visit events are appended; the store's event log satisfies it."""

    def append_event(self, event: VisitEvent) -> int:
        """Append one event and return its sequence number."""
        ...


@dataclass(frozen=True)
class PluginContext:
    """The school a per-school plugin serves, its policy pack, and where events go."""

    school: School
    pack: PolicyPack
    recorder: EventRecorder | None = None

    def require_recorder(self, plugin: str) -> EventRecorder:
        """The event recorder, or a PluginError saying ``plugin`` cannot run without one."""
        if self.recorder is None:
            raise PluginError(
                f"plugin '{plugin}' needs an event recorder: pass recorder= to "
                f"build_hooks, or disable '{plugin}'"
            )
        return self.recorder
