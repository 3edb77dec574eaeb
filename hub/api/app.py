"""``create_app``: the REST API over one store, the school settings and, optionally, the engine.

No globals: everything a handler needs is on ``app.state.ctx`` (``ApiContext``)::

    app = create_app(settings=settings, store=store, engine=engine)
    uvicorn.run(app)   # see hub.api.server

Every response carries ``Cache-Control: no-store`` (ASVS 14.3.2): visits are
safeguarding records and must not sit in a browser or proxy cache.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

from fastapi import FastAPI, Request, Response

from hub import __version__
from hub.api import day_routes, openapi, ops_routes, problems, school_routes, visit_routes
from hub.api.context import ApiContext, HooksFor, utc_now
from hub.engine.service import Engine
from hub.hooks.manager import Hooks
from hub.schools import hooks_for_school
from hub.settings import HubSettings
from hub.store import Store

DESCRIPTION = (
    "Doorstep's REST API: home visits, check-ins, escalations and deliveries. "
    "Authenticate with `Authorization: Bearer <token>` (`doorstep users token`). "
    "Every error is application/problem+json. POSTs accept `Idempotency-Key`."
)


def create_app(
    *,
    settings: HubSettings,
    store: Store,
    engine: Engine | None = None,
    hooks_for: HooksFor | None = None,
    clock: Callable[[], datetime] | None = None,
) -> FastAPI:
    """The API app. ``hooks_for`` builds a school's hooks (default: from ``settings``,
    with the store recording events); ``clock`` is used when there is no engine."""

    def default_hooks(school_id: str) -> Hooks:
        return hooks_for_school(settings, school_id, recorder=store)

    ctx = ApiContext(
        settings=settings,
        store=store,
        hooks_for=hooks_for or default_hooks,
        engine=engine,
        clock=clock or utc_now,
    )

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        await ctx.aclose()

    app = FastAPI(
        title="Doorstep",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    app.state.ctx = ctx
    problems.install(app)
    for module in (ops_routes, school_routes, visit_routes, day_routes):
        app.include_router(module.router)

    @app.middleware("http")
    async def no_store(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        response = await call_next(request)
        response.headers["Cache-Control"] = "no-store"
        return response

    def cached_openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = openapi.build(app)
        return app.openapi_schema

    app.openapi = cached_openapi  # type: ignore[method-assign]
    return app


def spec_app() -> FastAPI:
    """An app for printing the OpenAPI document only (an in-memory store, no schools)."""
    return create_app(settings=HubSettings(), store=Store.open("sqlite://"))
