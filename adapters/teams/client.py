"""Posting cards to Teams Workflows webhooks over ``hub.http.HttpClient``.

Each webhook URL is a full URL on ``base_url``'s origin; errors and retry logs show
its path (the workflow), never its query (``sig=``, the credential).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from hub.http import HttpClient
from hub.http.settings import HttpSettings

ADAPTER = "teams"


class TeamsClient:
    """One school's connection to its Workflows host."""

    def __init__(
        self,
        settings: HttpSettings,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._http = HttpClient(ADAPTER, settings, transport=transport, sleep=sleep)

    async def post(self, webhook_url: str, payload: dict[str, Any]) -> str | None:
        """POST one card; returns the upstream request id, if any.

        Retried on 429, 5xx and network errors: a card Teams already accepted may
        (rarely) be posted twice, which is better than an escalation never shown.
        """
        response = await self._http.request("POST", webhook_url, json=payload, idempotent=True)
        for header in ("x-ms-workflow-run-id", "x-request-id"):
            if header in response.headers:
                return str(response.headers[header])
        return None

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._http.aclose()
