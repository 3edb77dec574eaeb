"""Visits on the day and after: check-ins, the doorstep, the outcome, the note, escalations.

A check-in and an acknowledgement go to the durable engine when the app has one (it
stores them through the same workflow step and wakes the visit's safety timer);
without an engine the API stores them itself. A duress check-in, by PIN or by the
pack's code phrase, answers exactly as a normal one.
"""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from hub.api.access import Op
from hub.api.context import ApiContext
from hub.api.idempotency import IdempotentRoute, answer_for, kept
from hub.api.persist import apply, tell
from hub.api.problems import ApiProblemError, forbidden
from hub.api.schemas import (
    AcknowledgeBody,
    CheckInBody,
    CheckInReceiptOut,
    DoorstepBody,
    NoteBody,
    NoteOut,
    OutcomeBody,
    VisitOut,
)
from hub.api.security import Caller, CallerDep
from hub.api.visit_routes import get_visit
from hub.auth.roles import SEES_EVERY_VISIT
from hub.auth.secrets import verify_pin
from hub.models import (
    Acknowledgement,
    Agreement,
    CheckIn,
    CheckInChannel,
    DoorstepReport,
    Signature,
    Visit,
    VisitEventKind,
    VisitNote,
    VisitState,
)
from hub.store import StaleVisitError
from hub.store.steps import VisitStep
from hub.workflow import (
    acknowledge,
    due_time,
    matches_code_phrase,
    record_check_in,
    record_doorstep_report,
    record_outcome,
)
from hub.workflow.transitions import event

router = APIRouter(prefix="/api/v1/schools/{school_id}/visits", route_class=IdempotentRoute)

SAVE_RETRIES = 3
"""Attempts at saving a check-in whose visit changed meanwhile (another check-in)."""

_BACK = frozenset({VisitState.RETURNED, VisitState.CLOSED})


async def _pin_duress(ctx: ApiContext, user_id: str, pin: str) -> bool:
    """Whether ``pin`` is the duress PIN; 403 when it is neither PIN. Both are always
    checked, so the answer takes as long either way."""
    normal_hash, duress_hash = await ctx.io(ctx.users.pin_hashes, user_id)
    normal = await ctx.io(verify_pin, normal_hash, pin)
    duress = await ctx.io(verify_pin, duress_hash, pin)
    if not (normal or duress):
        raise forbidden("That PIN was not accepted.")
    return duress


async def _check_in(caller: Caller, visit_id: str, body: CheckInBody) -> tuple[Visit, CheckIn]:
    visit = await caller.visit(visit_id, Op.CHECK_IN)
    ctx, me = caller.ctx, caller.membership.staff_id
    staff_id = body.staff_id or me
    on_behalf = staff_id != me
    if on_behalf and not caller.membership.roles & SEES_EVERY_VISIT:
        raise forbidden("Only office staff and leaders record check-ins for someone else.")
    duress = False
    if body.pin is not None and not on_behalf:
        duress = await _pin_duress(ctx, caller.principal.user_id, body.pin)
    if body.message:
        duress = duress or matches_code_phrase(body.message, await ctx.pack(caller.school_id))
    return visit, CheckIn(
        id=uuid.uuid4().hex,
        visit_id=visit.id,
        staff_id=staff_id,
        kind=body.kind,
        at=ctx.now(),
        channel=CheckInChannel.PHONE_CALL if on_behalf else CheckInChannel(body.channel),
        duress=duress,
        recorded_by=me if on_behalf else None,
    )


def _created(receipt: CheckInReceiptOut) -> JSONResponse:
    """The 201 response, rendered as FastAPI renders a returned model."""
    return JSONResponse(receipt.model_dump(mode="json"), status_code=201)


@router.post(
    "/{visit_id}/check-ins",
    status_code=201,
    operation_id="check_in",
    response_model=CheckInReceiptOut,
)
async def check_in(
    visit_id: str, body: CheckInBody, caller: CallerDep, request: Request
) -> Response:
    """Check in (or record a check-in phoned to the office). Never refused once scheduled."""
    ctx, school = caller.ctx, caller.school_id
    visit, made = await _check_in(caller, visit_id, body)
    if ctx.engine is not None:
        receipt = await ctx.engine.check_in(school, made)
        return _created(CheckInReceiptOut.model_validate(receipt.model_dump()))
    pack = await ctx.pack(school)
    for attempt in range(SAVE_RETRIES):
        now = ctx.now()
        transition = record_check_in(visit, made, now)
        saved = transition.visit
        response = _created(
            CheckInReceiptOut(
                check_in_id=made.id,
                visit_id=saved.id,
                received_at=now,
                next_check_in_by=None
                if saved.state in _BACK
                else due_time(saved, made.at, pack).at,
            )
        )
        answer = answer_for(request, response.status_code, bytes(response.body))
        step = VisitStep(visit=saved, check_ins=(made,), answer=answer)
        try:
            await apply(ctx, transition, step)
            break
        except StaleVisitError:
            if attempt == SAVE_RETRIES - 1:
                raise
            visit = await caller.visit(visit_id, Op.CHECK_IN)
    if answer is not None:
        kept(request)
    return response


@router.post("/{visit_id}/doorstep", operation_id="doorstep_report")
async def doorstep(visit_id: str, body: DoorstepBody, caller: CallerDep) -> VisitOut:
    """Report what you found at the door: nobody in, a parent running late, or present."""
    visit = await caller.visit(visit_id, Op.DOORSTEP)
    ctx, school = caller.ctx, caller.school_id
    now = ctx.now()
    report = DoorstepReport(visit_id=visit.id, kind=body.kind, at=now, expected_at=body.expected_at)
    transition = record_doorstep_report(visit, await ctx.pack(school), report, now)
    await apply(ctx, transition, VisitStep(visit=visit, doorstep_reports=(report,)))
    return await get_visit(visit_id, caller)


@router.post("/{visit_id}/outcome", operation_id="record_outcome")
async def outcome(visit_id: str, body: OutcomeBody, caller: CallerDep) -> VisitOut:
    """Record how the visit ended."""
    visit = await caller.visit(visit_id, Op.OUTCOME)
    ctx, school = caller.ctx, caller.school_id
    actor = await caller.staff()
    transition = record_outcome(
        visit,
        await ctx.pack(school),
        actor,
        body.kind,
        ctx.now(),
        reason=body.reason,
        calling_card_left=body.calling_card_left,
    )
    assert transition.outcome is not None
    await apply(ctx, transition, VisitStep(visit=visit, outcome=transition.outcome))
    return await get_visit(visit_id, caller)


@router.post("/{visit_id}/note", status_code=201, operation_id="record_note")
async def note(visit_id: str, body: NoteBody, caller: CallerDep) -> NoteOut:
    """Write the visit note; it goes to the safeguarding system through the outbox."""
    visit = await caller.visit(visit_id, Op.NOTE)
    ctx, school = caller.ctx, caller.school_id
    actor = await caller.staff()
    if visit.state not in (VisitState.COMPLETED, VisitState.RETURNED, VisitState.NO_ACCESS):
        reason = "the note is written once the visit has an outcome"
        raise ApiProblemError(409, "transition-refused", reason, reasons=[reason])
    now = ctx.now()
    written = VisitNote(
        id=uuid.uuid4().hex,
        visit_id=visit.id,
        pupil_id=visit.pupil_id,
        written_by=actor.id,
        written_at=now,
        location=body.location,
        seen=tuple(body.seen),
        discussion=body.discussion,
        concerns=body.concerns,
        safeguarding_concern=body.safeguarding_concern,
        agreements=tuple(
            Agreement(
                id=uuid.uuid4().hex,
                visit_id=visit.id,
                pupil_id=visit.pupil_id,
                action=a.action,
                owner=a.owner,
                due_by=a.due_by,
                made_at=now,
            )
            for a in body.agreements
        ),
        signatures=tuple(
            Signature(signer=s.signer, signer_id=s.signer_id, signed_at=now, method=s.method)
            for s in body.signatures
        ),
    )
    queued = 0
    if ctx.engine is not None:
        queued = len(await ctx.engine.record_note(school, written))
    else:
        await ctx.write(ctx.store.save_note, school, written)
    data = {
        "agreements": len(written.agreements),
        "safeguarding_concern": written.safeguarding_concern,
    }
    recorded = event(visit, VisitEventKind.NOTE_RECORDED, now, actor.id, data=data)
    await tell(ctx, school, (recorded,))
    return NoteOut(
        note_id=written.id, visit_id=visit.id, version=written.version, deliveries=queued
    )


@router.post("/{visit_id}/acknowledgements", operation_id="acknowledge_escalation")
async def acknowledge_escalation(
    visit_id: str, body: AcknowledgeBody, caller: CallerDep
) -> VisitOut:
    """Take responsibility for a rung of the escalation ladder; the ladder stops climbing."""
    visit = await caller.visit(visit_id, Op.ACKNOWLEDGE)
    ctx, school = caller.ctx, caller.school_id
    actor = await caller.staff()
    now = ctx.now()
    ack = Acknowledgement(visit_id=visit.id, rung=body.rung, by=actor.id, at=now)
    if ctx.engine is not None:
        await ctx.engine.acknowledge(school, ack)
    else:
        transition = acknowledge(visit, await ctx.pack(school), actor, ack, now)
        await apply(ctx, transition, VisitStep(visit=visit, acknowledgements=(ack,)))
    return await get_visit(visit_id, caller)
