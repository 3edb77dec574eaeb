"""The visit record: the plan, who went, check-ins, the outcome and, for those who may
see it, the risk detail. Read through the API's handler, so it is audited and shaped
to the caller's need to know in exactly the same way."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from hub.api import visit_routes
from hub.api.access import Op, allowed, is_on
from hub.auth.roles import SEES_EVERY_VISIT
from hub.web.nav import nav_for
from hub.web.render import day_and_clock, page
from hub.web.routing import WebRoute, web_caller
from hub.web.sessions import keys_of

router = APIRouter(prefix="/web/schools/{school_id}", route_class=WebRoute, include_in_schema=False)


@router.get("/visits/{visit_id}")
async def record(request: Request, school_id: str, visit_id: str) -> Response:
    """One visit's record, as the caller may see it."""
    caller, session = await web_caller(request, school_id)
    visit = await caller.visit(visit_id, Op.READ_VISIT)
    view = await visit_routes.get_visit(visit_id, caller)
    ctx = caller.ctx
    pack = await ctx.pack(school_id)
    staff = {s.id: s for s in await ctx.io(ctx.store.list_staff, school_id)}
    pupil = await ctx.io(ctx.store.get_pupil, school_id, visit.pupil_id)
    return page(
        request,
        "record.html",
        nav=nav_for(caller, session, keys_of(request)),
        title="Visit record",
        view=view,
        staff=staff,
        pupil=pupil,
        on_visit=is_on(caller.membership, visit),
        police_pack=bool(caller.membership.roles & SEES_EVERY_VISIT),
        may_check_in=allowed(Op.CHECK_IN, caller.membership, visit),
        when=lambda at: day_and_clock(at, pack),
    )
