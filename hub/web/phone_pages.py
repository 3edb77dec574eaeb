"""The phone check-in page: large buttons, a PIN, and the outcome form.

A duress PIN is typed in the same box as the normal PIN and leads to exactly the same
screen: the receipt page is rendered from the same template with the same fields
(``CheckInReceiptOut`` is identical for both). The outcome form lists the pack's
ways a visit can end, asks for the written reason where the pack names who reads it,
and offers the calling card.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse
from pydantic import ValidationError

from hub.api import day_routes
from hub.api.access import Op, is_on
from hub.api.problems import ApiProblemError
from hub.api.schemas import CheckInBody, CheckInReceiptOut, OutcomeBody
from hub.api.security import Caller
from hub.models import CheckInKind, OutcomeKind, Visit
from hub.policy import PolicyPack
from hub.web.forms import read_form
from hub.web.nav import nav_for
from hub.web.render import clock, day_and_clock, page
from hub.web.routing import WebRoute, web_caller
from hub.web.sessions import WebSession, check_csrf, keys_of
from hub.workflow.guards import WRITTEN_REASON_OUTCOMES

router = APIRouter(prefix="/web/schools/{school_id}", route_class=WebRoute, include_in_schema=False)

BUTTONS: tuple[tuple[CheckInKind, str], ...] = (
    (CheckInKind.DEPARTED, "Departed"),
    (CheckInKind.ARRIVED, "Arrived"),
    (CheckInKind.INTERVAL, "All fine"),
    (CheckInKind.LEFT, "Leaving"),
    (CheckInKind.RETURNED, "Back at school"),
)
PIN_REFUSED = "That PIN was not accepted. Try again."
PIN_MISSING = "Type your PIN, then press the button again."


@dataclass(frozen=True)
class OutcomeChoice:
    """One way the visit can end, as the outcome form offers it."""

    kind: OutcomeKind
    label: str
    written_reason: bool


def outcome_choices(pack: PolicyPack) -> list[OutcomeChoice]:
    """The pack's outcomes: late-parent and animals cancellations only where the pack has them."""
    readers = bool(pack.doorstep.cancellation_reasons_in_writing_to)
    kinds = [
        OutcomeKind.COMPLETED,
        OutcomeKind.NO_ACCESS,
        OutcomeKind.PARENT_ABSENT,
        *([OutcomeKind.PARENT_LATE] if pack.doorstep.late_arrival_cancel_minutes else []),
        OutcomeKind.UNSAFE,
        *([OutcomeKind.ANIMALS] if pack.doorstep.animals_must_be_secured else []),
    ]
    return [
        OutcomeChoice(kind, kind.label, readers and kind in WRITTEN_REASON_OUTCOMES)
        for kind in kinds
    ]


async def _uses_pin(caller: Caller) -> bool:
    ctx = caller.ctx
    pack = await ctx.pack(caller.school_id)
    user = await ctx.io(ctx.users.get_user, caller.principal.user_id)
    return pack.duress.pin_enabled and user is not None and user.has_pins


async def _check_in_page(
    request: Request,
    caller: Caller,
    session: WebSession,
    visit: Visit,
    *,
    message: str = "",
    status_code: int = 200,
) -> Response:
    pack = await caller.ctx.pack(caller.school_id)
    return page(
        request,
        "check_in.html",
        status_code=status_code,
        nav=nav_for(caller, session, keys_of(request)),
        title="Check in",
        visit=visit,
        buttons=BUTTONS,
        uses_pin=await _uses_pin(caller),
        message=message,
        outcomes=outcome_choices(pack),
        calling_card=pack.doorstep.calling_card_on_no_access,
        readers=[
            r.value.replace("_", " ") for r in pack.doorstep.cancellation_reasons_in_writing_to
        ],
        when=lambda at: day_and_clock(at, pack),
    )


async def _api_check_in(
    request: Request, caller: Caller, visit_id: str, body: CheckInBody
) -> CheckInReceiptOut:
    """The API's check-in, exactly as over HTTP; its 201 body is the receipt."""
    answered = await day_routes.check_in(visit_id, body, caller, request)
    return CheckInReceiptOut.model_validate_json(bytes(answered.body))


@router.get("/mine")
async def mine(request: Request, school_id: str) -> Response:
    """The caller's own visits that are not finished, with a link to check in."""
    caller, session = await web_caller(request, school_id)
    ctx = caller.ctx
    pack = await ctx.pack(school_id)
    visits = [
        v
        for v in await ctx.io(ctx.store.list_visits, school_id)
        if is_on(caller.membership, v) and v.state.value not in ("closed", "rejected", "withdrawn")
    ]
    return page(
        request,
        "mine.html",
        nav=nav_for(caller, session, keys_of(request)),
        title="My visits",
        visits=visits,
        when=lambda at: day_and_clock(at, pack),
    )


@router.get("/visits/{visit_id}/check-in")
async def check_in_page(request: Request, school_id: str, visit_id: str) -> Response:
    """Large buttons for each check-in, the PIN box and the outcome form."""
    caller, session = await web_caller(request, school_id)
    visit = await caller.visit(visit_id, Op.CHECK_IN)
    return await _check_in_page(request, caller, session, visit)


@router.post("/visits/{visit_id}/check-in")
async def check_in(request: Request, school_id: str, visit_id: str) -> Response:
    """Record the check-in; the same receipt screen whichever PIN was typed."""
    caller, session = await web_caller(request, school_id)
    visit = await caller.visit(visit_id, Op.CHECK_IN)
    form = await read_form(request)
    check_csrf(request, session, form.csrf)
    pin = form.get("pin")
    if await _uses_pin(caller) and not pin:
        return await _check_in_page(request, caller, session, visit, message=PIN_MISSING)
    kinds = {kind.value for kind, _text in BUTTONS}
    if form.get("kind") not in kinds:
        message = "Press one of the buttons to check in."
        return await _check_in_page(request, caller, session, visit, message=message)
    try:
        body = CheckInBody(kind=CheckInKind(form.get("kind")), channel="web", pin=pin or None)
        receipt = await _api_check_in(request, caller, visit_id, body)
    except ValidationError:
        return await _check_in_page(request, caller, session, visit, message=PIN_REFUSED)
    except ApiProblemError as exc:
        if exc.status != 403:
            raise
        return await _check_in_page(
            request, caller, session, visit, message=PIN_REFUSED, status_code=403
        )
    pack = await caller.ctx.pack(school_id)
    label = dict(BUTTONS)[body.kind]
    return page(
        request,
        "checked_in.html",
        nav=nav_for(caller, session, keys_of(request)),
        title="Checked in",
        visit_id=visit_id,
        label=label,
        received=clock(receipt.received_at, pack),
        next_by=clock(receipt.next_check_in_by, pack),
    )


@router.post("/visits/{visit_id}/outcome")
async def outcome(request: Request, school_id: str, visit_id: str) -> Response:
    """Record how the visit ended; then the visit record."""
    caller, session = await web_caller(request, school_id)
    form = await read_form(request)
    check_csrf(request, session, form.csrf)
    try:
        body = OutcomeBody(
            kind=OutcomeKind(form.get("kind")),
            reason=form.get("reason") or None,
            calling_card_left=form.checked("calling_card_left"),
        )
    except (ValidationError, ValueError):
        visit = await caller.visit(visit_id, Op.OUTCOME)
        message = "Choose how the visit ended; a reason is at most 4,000 characters."
        return await _check_in_page(request, caller, session, visit, message=message)
    await day_routes.outcome(visit_id, body, caller)
    return RedirectResponse(f"/web/schools/{school_id}/visits/{visit_id}", status_code=303)
