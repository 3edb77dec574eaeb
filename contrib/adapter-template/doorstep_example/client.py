"""The Example MIS API client over ``hub.http.HttpClient``.

Imports only ``hub.errors``, ``hub.http`` and its own models, so it could become a
library of its own. Lists are cursor-paged: ``{"data": [...], "next": "<cursor>"}``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
from hub.errors import NotFoundError
from hub.http import HttpClient

from doorstep_example.models import WireContact, WireFlag, WirePupil
from doorstep_example.settings import ExampleSettings


class ExampleClient:
    """One school's connection to the Example MIS."""

    def __init__(
        self,
        settings: ExampleSettings,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        token = settings.token.get_secret_value()
        self._http = HttpClient(
            "example",
            settings,
            transport=transport,
            sleep=sleep,
            headers={"Authorization": f"Bearer {token}"},
        )

    async def pupil(self, pupil_id: str) -> WirePupil | None:
        """One pupil, or None when the MIS does not know the id."""
        try:
            body = await self._http.get_json("/pupils/{id}", path_params={"id": pupil_id})
        except NotFoundError:
            return None
        return WirePupil.model_validate(body["data"])

    async def pupils(self) -> list[WirePupil]:
        """Every pupil on roll, page by page."""
        return [WirePupil.model_validate(item) for item in await self._all("/pupils", {})]

    async def contacts(self, pupil_id: str) -> list[WireContact]:
        """A pupil's contacts (an empty list for an unknown pupil)."""
        items = await self._all("/pupils/{id}/contacts", {"id": pupil_id})
        return [WireContact.model_validate(item) for item in items]

    async def flags(self, pupil_id: str) -> list[WireFlag]:
        """Risk flags on the pupil and their household."""
        items = await self._all("/pupils/{id}/flags", {"id": pupil_id})
        return [WireFlag.model_validate(item) for item in items]

    async def create_note(self, payload: dict[str, Any], idempotency_key: str) -> str:
        """Store a visit note; the same key returns the first note's id."""
        response = await self._http.request(
            "POST",
            "/notes",
            json=payload,
            headers={"Idempotency-Key": idempotency_key},
            idempotent=True,
        )
        return str(response.json()["data"]["id"])

    async def ping(self) -> None:
        """A cheap authenticated call, for health checks."""
        await self._http.get_json("/health")

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._http.aclose()

    async def _all(self, path: str, path_params: dict[str, str]) -> list[Any]:
        items: list[Any] = []
        cursor: str | None = None
        while True:
            params = {"cursor": cursor} if cursor else None
            try:
                body = await self._http.get_json(path, path_params=path_params, params=params)
            except NotFoundError:
                return items
            items += body["data"]
            cursor = body.get("next")
            if not cursor:
                return items
