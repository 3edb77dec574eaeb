"""Liveness, readiness and metrics: for the load balancer and Prometheus."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST
from sqlalchemy import text

from hub.api import metrics
from hub.api.context import context_of
from hub.api.problems import forbidden
from hub.api.schemas import Health
from hub.api.security import current_principal
from hub.auth.roles import Principal, Role
from hub.engine.service import EngineNotRunningError

router = APIRouter()


@router.get("/healthz", operation_id="healthz")
async def healthz() -> Health:
    """Liveness: the process answers."""
    return Health(status="ok")


def _store_answers(request: Request) -> bool:
    try:
        with context_of(request).store.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception:
        return False
    return True


@router.get(
    "/readyz",
    operation_id="readyz",
    responses={503: {"model": Health, "description": "Not ready."}},
)
async def readyz(request: Request) -> JSONResponse:
    """Readiness: the store answers and, when configured, the durable engine runs."""
    ctx = context_of(request)
    checks = {"store": await ctx.io(_store_answers, request)}
    if ctx.engine is not None:
        try:
            ctx.engine.workflows  # noqa: B018 (raises when stopped)
            checks["engine"] = True
        except EngineNotRunningError:
            checks["engine"] = False
    ready = all(checks.values())
    body = Health(status="ok" if ready else "unavailable", checks=checks)
    return JSONResponse(body.model_dump(mode="json"), status_code=200 if ready else 503)


@router.get(
    "/metrics",
    operation_id="metrics",
    response_class=Response,
    responses={200: {"content": {CONTENT_TYPE_LATEST: {"schema": {"type": "string"}}}}},
)
async def prometheus_metrics(
    request: Request, principal: Annotated[Principal, Depends(current_principal)]
) -> Response:
    """Prometheus metrics of the schools where the caller is an admin."""
    schools = principal.schools_with(Role.ADMIN)
    if not schools:
        raise forbidden("Metrics are for school admins.")
    ctx = context_of(request)
    payload = await ctx.io(metrics.render, ctx.store, ctx.settings, schools, ctx.now())
    return Response(payload, media_type=CONTENT_TYPE_LATEST)
