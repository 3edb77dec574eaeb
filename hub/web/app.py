"""``create_web_app``: the REST API app with the web UI's pages and static files added.

``hub.api.app.create_app`` has no hook for extra routers, so this wraps it::

    app = create_web_app(settings=settings, store=store, engine=engine)

The pages live under ``/web`` (``/`` redirects there) and static files under
``/web/static``. ``session_key`` signs session cookies and CSRF tokens; without one a
random key is made, so sessions end when the process restarts.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import datetime

from fastapi import FastAPI
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles

from hub.api.app import create_app
from hub.api.context import HooksFor
from hub.engine.service import Engine
from hub.settings import HubSettings
from hub.store import Store
from hub.web import (
    board_pages,
    headers,
    phone_pages,
    queue_pages,
    record_pages,
    report_pages,
    signin,
)
from hub.web.feeds import mount_feeds
from hub.web.render import STATIC, environment
from hub.web.sessions import SessionKeys

PREFIX = "/web"


def create_web_app(
    *,
    settings: HubSettings,
    store: Store,
    engine: Engine | None = None,
    hooks_for: HooksFor | None = None,
    clock: Callable[[], datetime] | None = None,
    session_key: bytes | None = None,
) -> FastAPI:
    """The API app (``create_app``'s arguments) plus the web UI."""
    app = create_app(
        settings=settings, store=store, engine=engine, hooks_for=hooks_for, clock=clock
    )
    if session_key is None and settings.session_secret is not None:
        session_key = settings.session_secret.get_secret_value().encode()
    include_web(app, session_key=session_key)
    mount_feeds(app, settings)
    return app


def include_web(app: FastAPI, *, session_key: bytes | None = None) -> None:
    """Add the web UI to an app made by ``create_app``."""
    app.state.web_keys = SessionKeys(session_key or secrets.token_bytes(32))
    app.state.web_templates = environment()
    for module in (signin, board_pages, queue_pages, phone_pages, record_pages, report_pages):
        app.include_router(module.router)
    app.mount(f"{PREFIX}/static", StaticFiles(directory=STATIC), name="web-static")
    headers.install(app, PREFIX)

    @app.get("/", include_in_schema=False)
    async def root() -> RedirectResponse:
        return RedirectResponse(f"{PREFIX}/", status_code=303)
