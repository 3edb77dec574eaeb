"""Built-in plugin: every visit event goes into the school's append-only event log.

It needs somewhere to write, so it is a per-school plugin: the manager builds one
``AuditPlugin`` per school with a ``PluginContext`` whose ``recorder`` is the store
(anything with ``append_event(event) -> int``). Without a recorder the school does
not start: an unaudited visit is not allowed (disable ``audit`` to say so on purpose).
"""

from __future__ import annotations

from hub import hookimpl
from hub.errors import PluginError
from hub.hooks.context import EventRecorder, PluginContext
from hub.models import School, VisitEvent

NAME = "audit"


class AuditPlugin:
    """Appends each visit event of one school to its recorder."""

    def __init__(self, context: PluginContext) -> None:
        self._school_id = context.school.id
        self._recorder: EventRecorder = context.require_recorder(NAME)

    @hookimpl
    def hub_on_visit_event(self, school: School, event: VisitEvent) -> None:
        """Record the event; an event of another school is refused, never recorded."""
        if event.school_id != self._school_id or school.id != self._school_id:
            raise PluginError(f"{NAME}: an event of another school reached this school's log")
        self._recorder.append_event(event)


per_school = AuditPlugin
"""The manager instantiates this with each school's ``PluginContext``."""
