"""The school: its record and policy pack, pupil search, and the delivery outbox."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import PlainTextResponse

from hub.api.access import Op
from hub.api.idempotency import IdempotentRoute
from hub.api.problems import ApiProblemError, not_found
from hub.api.schemas import (
    DeliveryList,
    DeliveryOut,
    Empty,
    PolicyOut,
    PupilOut,
    PupilSearch,
    SchoolOut,
)
from hub.api.security import CallerDep
from hub.engine import deliveries as outbox
from hub.engine.records import Delivery, DeliveryStatus
from hub.policy_explain import explain

router = APIRouter(prefix="/api/v1/schools/{school_id}", route_class=IdempotentRoute)


@router.get("", operation_id="get_school")
async def get_school(caller: CallerDep) -> SchoolOut:
    """The school, its policy pack id and your roles there."""
    caller.require(Op.READ_SCHOOL)
    school = await caller.ctx.io(caller.ctx.store.get_school, caller.school_id)
    if school is None:
        raise not_found()
    return SchoolOut(
        id=school.id,
        name=school.name,
        policy_pack=school.policy_pack,
        timezone=school.timezone,
        your_roles=sorted(caller.membership.roles),
    )


@router.get("/policy", operation_id="get_policy")
async def get_policy(caller: CallerDep) -> PolicyOut:
    """The school's policy pack (the duress code phrase is masked)."""
    caller.require(Op.READ_SCHOOL)
    pack = await caller.ctx.pack(caller.school_id)
    return PolicyOut(id=pack.id, pack=pack.model_dump(mode="json"))


@router.get(
    "/policy/explain",
    operation_id="explain_policy",
    response_class=PlainTextResponse,
    responses={200: {"content": {"text/plain": {"schema": {"type": "string"}}}}},
)
async def explain_policy(caller: CallerDep) -> PlainTextResponse:
    """The school's policy as numbered plain-English rules."""
    caller.require(Op.READ_SCHOOL)
    pack = await caller.ctx.pack(caller.school_id)
    return PlainTextResponse(explain(pack))


@router.post("/pupils/search", operation_id="search_pupils")
async def search_pupils(body: PupilSearch, caller: CallerDep) -> list[PupilOut]:
    """Pupils of the school whose first or last name contains ``q`` (the roll cache)."""
    caller.require(Op.SEARCH_PUPILS)
    pupils = await caller.ctx.io(caller.ctx.store.cached_pupils, caller.school_id)
    wanted = body.q.casefold()
    found = [
        PupilOut(id=p.id, first_name=p.first_name, last_name=p.last_name, year_group=p.year_group)
        for p in sorted(pupils.values(), key=lambda p: (p.last_name, p.first_name, p.id))
        if wanted in p.first_name.casefold() or wanted in p.last_name.casefold()
    ]
    return found[: body.limit]


def _delivery_out(d: Delivery) -> DeliveryOut:
    return DeliveryOut(
        key=d.key,
        visit_id=d.visit_id,
        purpose=d.purpose,
        destination=d.destination,
        status=d.status,
        round=d.round,
        attempts=d.attempts,
        reason=d.reason,
        updated_at=d.updated_at,
    )


@router.get("/deliveries", operation_id="list_deliveries")
async def list_deliveries(caller: CallerDep, status: DeliveryStatus | None = None) -> DeliveryList:
    """The school's deliveries, optionally of one status (``dead``: given up, with why)."""
    caller.require(Op.LIST_DELIVERIES)
    statuses = [status] if status is not None else None
    found = await caller.ctx.io(caller.ctx.store.deliveries, caller.school_id, statuses=statuses)
    return DeliveryList(deliveries=[_delivery_out(d) for d in found])


@router.post("/deliveries/{key}/retry", operation_id="retry_delivery")
async def retry_delivery(key: str, body: Empty, caller: CallerDep) -> DeliveryOut:
    """Send a dead or discarded delivery again, with the same idempotency key.

    Needs the durable engine: without it the answer is 503.
    """
    caller.require(Op.RETRY_DELIVERY)
    ctx = caller.ctx
    found = await ctx.io(ctx.store.get_delivery, caller.school_id, key)
    if found is None:
        raise not_found()
    if ctx.engine is None:
        raise ApiProblemError(503, "engine-not-running", "Deliveries are retried by the engine.")
    if found.status in (DeliveryStatus.DEAD, DeliveryStatus.DISCARDED):
        found = outbox.retried(found, ctx.now())
        await ctx.write(ctx.store.save_delivery, found)
        await ctx.engine.drain_outbox()
    return _delivery_out(found)
