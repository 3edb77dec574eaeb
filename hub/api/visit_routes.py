"""Visits before the day: request, read, list, risk assessment, authorisation, booking."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from hub.api.access import Op, sees
from hub.api.idempotency import IdempotentRoute
from hub.api.persist import apply
from hub.api.problems import ApiProblemError
from hub.api.schemas import (
    AssessmentBody,
    AuthoriseBody,
    Empty,
    ScheduleBody,
    SecondStaffBody,
    VisitList,
    VisitOut,
    VisitRequest,
)
from hub.api.security import Caller, CallerDep
from hub.api.views import board_view, full_view
from hub.models import RiskAssessment, Visit
from hub.store.requests import VisitRead
from hub.store.steps import VisitStep
from hub.workflow import (
    assess,
    authorise,
    reject,
    request,
    require_second_staff,
    schedule,
    submit_for_authorisation,
)

router = APIRouter(prefix="/api/v1/schools/{school_id}/visits", route_class=IdempotentRoute)


async def _view(caller: Caller, visit: Visit) -> VisitOut:
    ctx, school = caller.ctx, caller.school_id
    board = await ctx.io(ctx.store.board_state, school, visit.id)
    assessment = await ctx.io(ctx.store.risk_assessment_for, school, visit.id)
    outcome = await ctx.io(ctx.store.outcome_for, school, visit.id)
    check_ins = await ctx.io(ctx.store.check_ins, school, visit.id)
    view = full_view(
        visit,
        caller.membership,
        board=board,
        assessment=assessment,
        outcome=outcome,
        check_ins=check_ins,
    )
    read = VisitRead(
        school_id=school,
        visit_id=visit.id,
        user_id=caller.principal.user_id,
        roles=",".join(sorted(caller.membership.roles)),
        at=ctx.now(),
        risk_flags=bool(assessment and (assessment.flags or assessment.findings)),
        risk_detail=view.risk_detail,
    )
    await ctx.write(ctx.requests.record_read, read)
    return view


@router.post("", status_code=201, operation_id="request_visit")
async def request_visit(body: VisitRequest, caller: CallerDep) -> VisitOut:
    """Request a home visit for a pupil of the school; you are the requester."""
    caller.require(Op.REQUEST_VISIT)
    ctx, school = caller.ctx, caller.school_id
    actor = await caller.staff()
    if await ctx.io(ctx.store.get_pupil, school, body.pupil_id) is None:
        raise ApiProblemError(422, "unknown-pupil", "The school's roll has no pupil with that id.")
    now = ctx.now()
    visit = Visit(
        id=uuid.uuid4().hex,
        school_id=school,
        pupil_id=body.pupil_id,
        reason=body.reason,
        planned_start=body.planned_start,
        planned_end=body.planned_end,
        staff_ids=tuple(body.staff_ids),
        announced=body.announced,
        requested_by=actor.id,
        requested_at=now,
        solo_reason=body.solo_reason,
    )
    transition = request(visit, await ctx.pack(school), actor, now)
    visit = await apply(ctx, transition)
    return board_view(visit, caller.membership, None)


@router.get("", operation_id="list_visits")
async def list_visits(caller: CallerDep) -> VisitList:
    """The visits you may see: every visit for office and leaders, your own for staff."""
    caller.require(Op.LIST_VISITS)
    ctx, school = caller.ctx, caller.school_id
    visits = await ctx.io(ctx.store.list_visits, school)
    boards = {b.visit_id: b for b in await ctx.io(ctx.store.board_states, school)}
    return VisitList(
        visits=[
            board_view(v, caller.membership, boards.get(v.id))
            for v in visits
            if sees(caller.membership, v)
        ]
    )


@router.get("/{visit_id}", operation_id="get_visit")
async def get_visit(visit_id: str, caller: CallerDep) -> VisitOut:
    """One visit; its risk detail only for DSL, senior leaders and its own staff. Audited."""
    visit = await caller.visit(visit_id, Op.READ_VISIT)
    return await _view(caller, visit)


@router.post("/{visit_id}/assessment", operation_id="assess_visit")
async def assess_visit(visit_id: str, body: AssessmentBody, caller: CallerDep) -> VisitOut:
    """Record the risk assessment: the hub pulls the risk flags and the rules add findings."""
    visit = await caller.visit(visit_id, Op.ASSESS)
    ctx, school = caller.ctx, caller.school_id
    actor = await caller.staff()
    hooks = await ctx.hooks(school)
    pupil = await ctx.io(ctx.store.get_pupil, school, visit.pupil_id)
    household = pupil.address.household_id if pupil and pupil.address else None
    flags = await hooks.pull_risk_flags(pupil_id=visit.pupil_id, household_id=household)
    now = ctx.now()
    findings = hooks.assess_visit(
        visit=visit, flags=flags, questionnaire=body.questionnaire, now=now
    )
    assessment = RiskAssessment(
        id=uuid.uuid4().hex,
        visit_id=visit.id,
        completed_by=actor.id,
        completed_at=now,
        questionnaire=body.questionnaire,
        flags=tuple(flags),
        findings=tuple(findings),
    )
    transition = assess(visit, hooks.pack, actor, assessment, now)
    step = VisitStep(visit=visit, risk_assessment=assessment)
    return await _view(caller, await apply(ctx, transition, step))


async def _assessment(caller: Caller, visit: Visit) -> RiskAssessment:
    found = await caller.ctx.io(caller.ctx.store.risk_assessment_for, caller.school_id, visit.id)
    if found is None:
        raise ApiProblemError(
            409,
            "transition-refused",
            "The visit workflow refused: complete the risk assessment first",
            reasons=["complete the risk assessment first"],
        )
    return found


@router.post("/{visit_id}/submit", operation_id="submit_visit")
async def submit_visit(visit_id: str, body: Empty, caller: CallerDep) -> VisitOut:
    """Send the assessed visit to the authoriser."""
    visit = await caller.visit(visit_id, Op.SUBMIT)
    ctx = caller.ctx
    actor = await caller.staff()
    assessment = await _assessment(caller, visit)
    pack = await ctx.pack(caller.school_id)
    transition = submit_for_authorisation(visit, pack, actor, assessment, ctx.now())
    return await _view(caller, await apply(ctx, transition))


@router.post("/{visit_id}/authorise", operation_id="authorise_visit")
async def authorise_visit(visit_id: str, body: AuthoriseBody, caller: CallerDep) -> VisitOut:
    """Authorise the visit (the pack's authoriser roles only)."""
    visit = await caller.visit(visit_id, Op.AUTHORISE)
    ctx = caller.ctx
    actor = await caller.staff()
    assessment = await _assessment(caller, visit)
    pack = await ctx.pack(caller.school_id)
    transition = authorise(
        visit, pack, actor, assessment, ctx.now(), accept_solo_reason=body.accept_solo_reason
    )
    return await _view(caller, await apply(ctx, transition))


@router.post("/{visit_id}/reject", operation_id="reject_visit")
async def reject_visit(visit_id: str, body: Empty, caller: CallerDep) -> VisitOut:
    """Turn the visit down."""
    visit = await caller.visit(visit_id, Op.REJECT)
    ctx = caller.ctx
    actor = await caller.staff()
    transition = reject(visit, await ctx.pack(caller.school_id), actor, ctx.now())
    return await _view(caller, await apply(ctx, transition))


@router.post("/{visit_id}/second-staff", operation_id="require_second_staff")
async def second_staff(visit_id: str, body: SecondStaffBody, caller: CallerDep) -> VisitOut:
    """Refuse a solo visit and name a second member of staff who must go."""
    visit = await caller.visit(visit_id, Op.REQUIRE_SECOND_STAFF)
    ctx = caller.ctx
    actor = await caller.staff()
    second = await ctx.io(ctx.store.get_staff, caller.school_id, body.staff_id)
    if second is None:
        raise ApiProblemError(
            422, "unknown-staff", "The school has no member of staff with that id."
        )
    pack = await ctx.pack(caller.school_id)
    transition = require_second_staff(visit, pack, actor, second, ctx.now())
    return await _view(caller, await apply(ctx, transition))


@router.post("/{visit_id}/schedule", operation_id="schedule_visit")
async def schedule_visit(visit_id: str, body: ScheduleBody, caller: CallerDep) -> VisitOut:
    """Book the authorised visit."""
    visit = await caller.visit(visit_id, Op.SCHEDULE)
    ctx = caller.ctx
    actor = await caller.staff()
    pack = await ctx.pack(caller.school_id)
    transition = schedule(
        visit, pack, actor, ctx.now(), written_confirmation=body.written_confirmation
    )
    visit = await apply(ctx, transition)
    if ctx.engine is not None:
        await ctx.engine.watch(caller.school_id, visit.id)
    return await _view(caller, visit)
