"""The GOV.UK Notify API client over ``hub.http.HttpClient``.

Sends are POSTs Notify does not de-duplicate, so they are tried once per call; before
sending, ``find`` asks Notify for a notification with the same ``reference`` (our
idempotency key), so a retry after a crash or a lost answer sends nothing twice.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import structlog

from hub.adapters.govuk_notify.models import ApiKey, NotifyAuth, error_types
from hub.http import HttpClient, build_transport
from hub.http.settings import HttpSettings

ADAPTER = "govuk_notify"
DAILY_LIMIT = "TooManyRequestsError"
LONDON = ZoneInfo("Europe/London")

log = structlog.get_logger(__name__)


class NotifyClient:
    """One school's (one Notify service's) connection to GOV.UK Notify."""

    def __init__(
        self,
        settings: HttpSettings,
        key: ApiKey,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        clock: Callable[[], float] = time.time,
    ) -> None:
        inner = transport if transport is not None else build_transport(ADAPTER, settings)
        self._http = HttpClient(
            ADAPTER,
            settings,
            transport=EnvelopeTransport(inner, clock),
            sleep=sleep,
            auth=NotifyAuth(key, clock),
        )

    async def find(self, reference: str) -> str | None:
        """The id of a notification already sent with ``reference``, if any."""
        body = await self._http.get_json("/v2/notifications", params={"reference": reference})
        found = body.get("notifications") or []
        return str(found[0]["id"]) if found else None

    async def send(self, kind: str, payload: dict[str, Any]) -> str:
        """Send one notification of ``kind`` (email, sms, letter); returns Notify's id."""
        response = await self._http.request(
            "POST", "/v2/notifications/{kind}", path_params={"kind": kind}, json=payload
        )
        return str(response.json()["id"])

    async def ping(self) -> None:
        """A cheap authenticated read (the service's text message templates)."""
        await self._http.get_json("/v2/templates", params={"type": "sms"})

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._http.aclose()


class EnvelopeTransport(httpx.AsyncBaseTransport):
    """Reads Notify's error envelope so the hub's error mapping can use it.

    Logs each error's status and types (never the messages, which may quote data), and
    gives a daily-limit 429 (``TooManyRequestsError``) a ``Retry-After`` until midnight
    in London, when Notify's daily limits reset; the request then fails at once as
    transient and the engine tries again after midnight (or on the next channel).
    """

    def __init__(self, inner: httpx.AsyncBaseTransport, clock: Callable[[], float]) -> None:
        self._inner = inner
        self._clock = clock

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Pass the request on; look at an error response's envelope."""
        response = await self._inner.handle_async_request(request)
        if response.status_code < 400:
            return response
        raw = await response.aread()
        try:
            types = error_types(json.loads(raw or b"null"))
        except ValueError:
            types = []
        log.info("govuk_notify.error", status=response.status_code, errors=types)
        headers = httpx.Headers(response.headers)
        if response.status_code == 429 and DAILY_LIMIT in types and "retry-after" not in headers:
            headers["retry-after"] = str(seconds_to_midnight(self._clock()))
        return httpx.Response(
            response.status_code, headers=headers, content=raw, extensions=response.extensions
        )

    async def aclose(self) -> None:
        """Close the inner transport."""
        await self._inner.aclose()


def seconds_to_midnight(now: float) -> int:
    """Whole seconds from ``now`` (epoch) to the next midnight in London."""
    local = datetime.fromtimestamp(now, LONDON)
    midnight = datetime.combine(local.date() + timedelta(days=1), datetime.min.time(), LONDON)
    return max(1, int((midnight - local).total_seconds()))
