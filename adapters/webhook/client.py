"""Sending signed events to the school's receiver over ``hub.http.HttpClient``."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping

import httpx

from hub.errors import RejectedError
from hub.http import HttpClient
from hub.http.settings import HttpSettings

ADAPTER = "webhook"


class WebhookClient:
    """One school's connection to its webhook receiver."""

    def __init__(
        self,
        settings: HttpSettings,
        path: str,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._path = path
        self._http = HttpClient(ADAPTER, settings, transport=transport, sleep=sleep)

    async def post(self, body: bytes, headers: Mapping[str, str]) -> int:
        """POST one signed event; returns the status (2xx). Retried when transient:
        receivers process a ``webhook-id`` once, so a repeat is harmless."""
        response = await self._http.request(
            "POST", self._path, content=body, headers=headers, idempotent=True
        )
        if not 200 <= response.status_code < 300:
            raise RejectedError(
                f"{ADAPTER}: POST {self._path} answered {response.status_code}; "
                "only 2xx counts as delivered",
                adapter=ADAPTER,
                status=response.status_code,
            )
        return response.status_code

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._http.aclose()
