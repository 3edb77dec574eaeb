"""The office board, its rows refreshed every 2 s, acknowledging a rung, and the police pack.

The board is for office staff, DSLs and senior leaders (every visit of their school).
The police pack shows the address, staff and their mobiles and cars, the last check-in
and the authoriser: the same roles only, and every view is audited as a read of the
visit with its risk detail, marked ``police-pack`` in the audit row's roles.

A running drill shows above the rows with its own Acknowledge button
(``hub.web.drill_pages``).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse

from hub.api import day_routes
from hub.api.access import Op
from hub.api.problems import forbidden
from hub.api.schemas import AcknowledgeBody
from hub.api.security import Caller
from hub.auth.roles import SEES_EVERY_VISIT
from hub.store.requests import VisitRead
from hub.web.board import BoardInput, board_lines, counts_by_state, on_the_board
from hub.web.drill_pages import acknowledge_drill, drill_waiting
from hub.web.forms import read_form
from hub.web.nav import nav_for
from hub.web.render import clock, page
from hub.web.routing import WebRoute, web_caller
from hub.web.sessions import check_csrf, keys_of
from hub.workflow import OnTheDay

router = APIRouter(prefix="/web/schools/{school_id}", route_class=WebRoute, include_in_schema=False)
router.post("/drill/acknowledge")(acknowledge_drill)

POLICE_PACK_MARK = "police-pack"


def _board_roles(caller: Caller) -> None:
    if not caller.membership.roles & SEES_EVERY_VISIT:
        raise forbidden("The board is for office staff, DSLs and senior leaders.")


async def _load(caller: Caller) -> BoardInput:
    ctx, school = caller.ctx, caller.school_id
    pack = await ctx.pack(school)
    now = ctx.now()
    boards = {b.visit_id: b for b in await ctx.io(ctx.store.board_states, school)}
    visits = [
        v
        for v in await ctx.io(ctx.store.list_visits, school)
        if on_the_board(v, boards.get(v.id), pack, now)
    ]
    days = {}
    for visit in visits:
        days[visit.id] = OnTheDay(
            check_ins=tuple(await ctx.io(ctx.store.check_ins, school, visit.id)),
            reports=tuple(await ctx.io(ctx.store.doorstep_reports, school, visit.id)),
            acknowledgements=tuple(await ctx.io(ctx.store.acknowledgements, school, visit.id)),
        )
    staff = {s.id: s for s in await ctx.io(ctx.store.list_staff, school)}
    pupils = await ctx.io(ctx.store.cached_pupils, school, {v.pupil_id for v in visits})
    return BoardInput(visits=visits, boards=boards, days=days, staff=staff, pupils=pupils)


async def _rows(request: Request, caller: Caller, template: str, **extra: Any) -> Response:
    ctx = caller.ctx
    pack = await ctx.pack(caller.school_id)
    now = ctx.now()
    lines = board_lines(await _load(caller), pack, caller.membership, now)
    return page(
        request,
        template,
        lines=lines,
        counts=counts_by_state(lines),
        clock=lambda at: clock(at, pack),
        now=clock(now, pack),
        drill=await drill_waiting(caller),
        **extra,
    )


@router.get("/board")
async def board(request: Request, school_id: str) -> Response:
    """Today's visits by state: who is out and where, deadlines, alarms, acknowledgements."""
    caller, session = await web_caller(request, school_id)
    _board_roles(caller)
    nav = nav_for(caller, session, keys_of(request))
    return await _rows(request, caller, "board.html", nav=nav, title="Office board")


@router.get("/board/rows")
async def board_rows(request: Request, school_id: str) -> Response:
    """The board's rows alone, fetched by the page every 2 s."""
    caller, session = await web_caller(request, school_id)
    _board_roles(caller)
    nav = nav_for(caller, session, keys_of(request))
    return await _rows(request, caller, "board_rows.html", nav=nav)


@router.post("/visits/{visit_id}/acknowledge")
async def acknowledge(request: Request, school_id: str, visit_id: str) -> Response:
    """Take responsibility for the rung shown on the board; back to the board."""
    caller, session = await web_caller(request, school_id)
    form = await read_form(request)
    check_csrf(request, session, form.csrf)
    rung = int(form.get("rung")) if form.get("rung").isdigit() else 0
    await day_routes.acknowledge_escalation(visit_id, AcknowledgeBody(rung=rung), caller)
    return RedirectResponse(f"/web/schools/{school_id}/board", status_code=303)


@router.get("/visits/{visit_id}/police-pack")
async def police_pack(request: Request, school_id: str, visit_id: str) -> Response:
    """Everything the police would ask for, on one page. Audited on every view."""
    caller, session = await web_caller(request, school_id)
    visit = await caller.visit(visit_id, Op.READ_VISIT)
    _board_roles(caller)
    ctx = caller.ctx
    pack = await ctx.pack(school_id)
    now = ctx.now()
    await ctx.io(
        ctx.requests.record_read,
        VisitRead(
            school_id=school_id,
            visit_id=visit.id,
            user_id=caller.principal.user_id,
            roles=f"{POLICE_PACK_MARK}:" + ",".join(sorted(caller.membership.roles)),
            at=now,
            risk_flags=False,
            risk_detail=True,
        ),
    )
    pupil = await ctx.io(ctx.store.get_pupil, school_id, visit.pupil_id)
    staff = [await ctx.io(ctx.store.get_staff, school_id, s) for s in visit.staff_ids]
    authoriser = (
        await ctx.io(ctx.store.get_staff, school_id, visit.authorised_by)
        if visit.authorised_by
        else None
    )
    check_ins = await ctx.io(ctx.store.check_ins, school_id, visit.id)
    return page(
        request,
        "police_pack.html",
        nav=nav_for(caller, session, keys_of(request)),
        title="Police pack",
        visit=visit,
        address=pupil.address if pupil else None,
        staff=[s for s in staff if s is not None],
        authoriser=authoriser,
        last=check_ins[-1] if check_ins else None,
        clock=lambda at: clock(at, pack),
        now=clock(now, pack),
    )
