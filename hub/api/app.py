"""``create_app``: the REST API over one store, the school settings and, optionally, the engine.

No globals: everything a handler needs is on ``app.state.ctx`` (``ApiContext``)::

    app = create_app(settings=settings, store=store, engine=engine)
    uvicorn.run(app)   # see hub.api.server

Every response carries ``Cache-Control: no-store`` (ASVS 14.3.2): visits are
safeguarding records and must not sit in a browser or proxy cache.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

from fastapi import FastAPI
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hub import __version__
from hub.api import (
    day_routes,
    openapi,
    ops_routes,
    problems,
    report_routes,
    school_routes,
    visit_routes,
)
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


class NoStore:
    """ASGI middleware: ``Cache-Control: no-store`` on every HTTP response.

    Plain ASGI rather than ``@app.middleware("http")``, whose ``BaseHTTPMiddleware``
    runs every request through an extra task and memory streams.
    """

    def __init__(self, app: ASGIApp) -> None:
        self._app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return

        async def send_no_store(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)["Cache-Control"] = "no-store"
            await send(message)

        await self._app(scope, receive, send_no_store)


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
    for module in (ops_routes, school_routes, visit_routes, day_routes, report_routes):
        app.include_router(module.router)

    app.add_middleware(NoStore)

    def cached_openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = openapi.build(app)
        return app.openapi_schema

    app.openapi = cached_openapi  # type: ignore[method-assign]
    return app


def spec_app() -> FastAPI:
    """An app for printing the OpenAPI document only (an in-memory store, no schools)."""
    return create_app(settings=HubSettings(), store=Store.open("sqlite://"))
