"""A running drill on the office board: its banner, and acknowledging its rung.

``doorstep drill --school X`` (another process on the same ``data_dir``) records the
rung it sent last (``hub.drills``). While that rung waits, the board of whoever may
acknowledge an escalation (office, DSL, senior leaders) shows "DRILL in progress —
rung N" with an Acknowledge button. The button writes the same acknowledgement file
as ``doorstep drill ack --by STAFF``, with the caller's staff id, so the drill times
it exactly as it times the command line. ``hub.web.board_pages`` serves the banner
with the board's rows and routes ``POST .../drill/acknowledge`` to ``acknowledge_drill``.
"""

from __future__ import annotations

import structlog
from fastapi import Request, Response
from fastapi.responses import RedirectResponse

from hub.api.access import RULES, Op
from hub.api.problems import ApiProblemError, forbidden
from hub.api.security import Caller
from hub.drills import SentRung, drill_folder, rung_waiting
from hub.engine.drill import FileAcks
from hub.web.forms import read_form
from hub.web.routing import web_caller
from hub.web.sessions import check_csrf

log = structlog.get_logger(__name__)

ACKNOWLEDGES = RULES[Op.ACKNOWLEDGE].roles
"""Who may acknowledge a drill's rung: whoever may acknowledge a real escalation."""
GONE = "That drill rung is no longer waiting: the drill moved on or ended. Reload the board."


def may_acknowledge(caller: Caller) -> bool:
    """Whether the caller may acknowledge a drill's rung at their school."""
    return bool(caller.membership.roles & ACKNOWLEDGES)


async def drill_waiting(caller: Caller) -> SentRung | None:
    """The school's drill rung waiting for an acknowledgement, for those who may give it."""
    if not may_acknowledge(caller):
        return None
    ctx = caller.ctx
    return await ctx.io(rung_waiting, ctx.settings.data_dir, caller.school_id, ctx.now())


async def acknowledge_drill(request: Request, school_id: str) -> Response:
    """Acknowledge the running drill's current rung as the signed-in member of staff."""
    caller, session = await web_caller(request, school_id)
    form = await read_form(request)
    check_csrf(request, session, form.csrf)
    if not may_acknowledge(caller):
        raise forbidden("Drill rungs are acknowledged by office staff, DSLs and senior leaders.")
    waiting = await drill_waiting(caller)
    if waiting is None or (form.get("drill"), form.get("rung")) != (
        waiting.drill_id,
        str(waiting.number),
    ):
        raise ApiProblemError(409, "conflict", GONE)
    ctx = caller.ctx
    directory = drill_folder(ctx.settings.data_dir, school_id, waiting.drill_id)
    if directory is None:
        raise ApiProblemError(409, "conflict", GONE)
    staff_id = caller.membership.staff_id
    await ctx.io(FileAcks(directory).ack, waiting.number, staff_id)
    log.info("drill.acknowledged_on_board", drill=waiting.drill_id, rung=waiting.number)
    return RedirectResponse(f"/web/schools/{school_id}/board", status_code=303)
