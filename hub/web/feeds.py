"""Serving the ics adapter's staff calendar feeds from the hub's web server.

The ics adapter writes each school's bookings to ``feed_dir``; the web server reads the
same files and answers ``/ics/{token}.ics``. A school whose ics adapter keeps its feed
in memory (no ``feed_dir``) cannot be served by another process, so it is skipped
with one log line.
"""

from __future__ import annotations

import structlog
from fastapi import FastAPI
from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Receive, Scope, Send

from hub.schools import blocked_names
from hub.settings import HubSettings, adapter_settings, enabled_adapters

log = structlog.get_logger(__name__)

ICS = "ics"


def mount_feeds(app: FastAPI, settings: HubSettings) -> list[str]:
    """Mount the feeds of every school that enabled the ics adapter; return those schools."""
    if ICS in blocked_names(settings):
        return []
    schools = [s for s in sorted(settings.schools) if ICS in enabled_adapters(settings, s)]
    if not schools:
        return []
    from hub.adapters.ics.client import FeedStore
    from hub.adapters.ics.feed import create_feed_app
    from hub.adapters.ics.settings import IcsSettings

    stores = []
    for school_id in schools:
        feed_settings = adapter_settings(settings, school_id, ICS, IcsSettings)
        if feed_settings.feed_dir is None:
            log.warning("ics.feed_not_served", school=school_id, reason="no feed_dir")
            continue
        stores.append(FeedStore(school_id, feed_settings))
    if stores:
        # The feed app answers under its own /ics/ prefix, so it sees the whole path.
        app.router.routes.append(_FeedRoute(create_feed_app(stores)))
    return [store.school_id for store in stores]


class _FeedRoute(BaseRoute):
    """Hands every request under /ics/ to the feed app, path untouched."""

    def __init__(self, feed_app: ASGIApp) -> None:
        self._app = feed_app

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        path = scope.get("path", "")
        if scope["type"] == "http" and path.startswith("/ics/"):
            return Match.FULL, {}
        return Match.NONE, {}

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self._app(scope, receive, send)
