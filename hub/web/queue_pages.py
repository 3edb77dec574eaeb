"""The DSL's queue: visits awaiting authorisation with their risk findings, and the
three decisions: authorise, reject, or require a second member of staff.

Every decision goes through the API's own handler, so the pack's rules (who may
authorise, pairs, solo reasons) apply exactly as they do over the API. Each visit
shown is an audited read with its risk detail.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse

from hub.api import visit_routes
from hub.api.access import Op
from hub.api.schemas import AuthoriseBody, Empty, SecondStaffBody, VisitOut
from hub.api.security import Caller
from hub.models import VisitState
from hub.web.forms import read_form
from hub.web.nav import nav_for
from hub.web.render import day_and_clock, page
from hub.web.routing import WebRoute, web_caller
from hub.web.sessions import check_csrf, keys_of

router = APIRouter(prefix="/web/schools/{school_id}", route_class=WebRoute, include_in_schema=False)

DONE = {
    "authorised": "Visit authorised.",
    "rejected": "Visit rejected.",
    "second": "Second member of staff required.",
}


async def _queue(caller: Caller) -> list[VisitOut]:
    ctx = caller.ctx
    waiting = await ctx.io(
        ctx.store.list_visits, caller.school_id, states=[VisitState.AWAITING_AUTHORISATION]
    )
    return [await visit_routes.get_visit(v.id, caller) for v in waiting]


@router.get("/queue")
async def queue(request: Request, school_id: str, done: str = "") -> Response:
    """Visits awaiting authorisation, with findings, flags and required controls."""
    caller, session = await web_caller(request, school_id)
    caller.require(Op.AUTHORISE)
    ctx = caller.ctx
    pack = await ctx.pack(school_id)
    visits = await _queue(caller)
    staff = {s.id: s for s in await ctx.io(ctx.store.list_staff, school_id)}
    pupils = await ctx.io(ctx.store.cached_pupils, school_id, {v.pupil_id for v in visits})
    return page(
        request,
        "queue.html",
        nav=nav_for(caller, session, keys_of(request)),
        title="Visits to authorise",
        visits=visits,
        staff=staff,
        pupils=pupils,
        message=DONE.get(done, ""),
        when=lambda at: day_and_clock(at, pack),
    )


@router.post("/queue/{visit_id}/{decision}")
async def decide(request: Request, school_id: str, visit_id: str, decision: str) -> Response:
    """Authorise, reject, or require a second member of staff; back to the queue."""
    caller, session = await web_caller(request, school_id)
    form = await read_form(request)
    check_csrf(request, session, form.csrf)
    if decision == "authorise":
        body = AuthoriseBody(accept_solo_reason=form.checked("accept_solo_reason"))
        await visit_routes.authorise_visit(visit_id, body, caller)
        done = "authorised"
    elif decision == "reject":
        await visit_routes.reject_visit(visit_id, Empty(), caller)
        done = "rejected"
    elif decision == "second-staff":
        second = SecondStaffBody(staff_id=form.get("staff_id") or "-")
        await visit_routes.second_staff(visit_id, second, caller)
        done = "second"
    else:
        return Response(status_code=404)
    return RedirectResponse(f"/web/schools/{school_id}/queue?done={done}", status_code=303)
