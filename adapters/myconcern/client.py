"""The MyConcern-style API client over ``hub.http.HttpClient``.

Every path sits under ``/organisations/{org}``. Lists are cursor-paged:
``{"items": [...], "next_cursor": "<opaque>" | null}``. The API has no idempotency
header: a concern is raised once (never retried in-process) and found again by its
``client_reference``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from hub.adapters.myconcern.models import WireConcern, WireIndicator, WireSubject
from hub.adapters.myconcern.settings import MyConcernSettings
from hub.http import HttpClient

ADAPTER_ID = "myconcern"
ORG = "/organisations/{org}"


class MyConcernClient:
    """One school's organisation in a MyConcern-style system."""

    def __init__(
        self,
        settings: MyConcernSettings,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._org = settings.organisation_id
        self._limit = settings.page_size
        self._http = HttpClient(
            ADAPTER_ID,
            settings,
            transport=transport,
            sleep=sleep,
            headers={"X-Api-Key": settings.api_key.get_secret_value()},
        )

    async def organisation(self) -> dict[str, Any]:
        """The organisation's record (its status), for health checks."""
        return dict(await self._http.get_json(ORG, path_params={"org": self._org}))

    async def subjects(self, **filters: str) -> list[WireSubject]:
        """Subjects matching ``mis_id=`` or ``family_id=``."""
        items = await self._items(f"{ORG}/subjects", {}, filters)
        return [WireSubject.model_validate(item) for item in items]

    async def indicators(self, subject_id: str) -> list[WireIndicator]:
        """A subject's open risk indicators (their details are dropped while parsing)."""
        items = await self._items(f"{ORG}/subjects/{{id}}/risk-indicators", {"id": subject_id}, {})
        return [WireIndicator.model_validate(item) for item in items]

    async def concern_by_reference(self, client_reference: str) -> WireConcern | None:
        """The concern raised with this client reference, or None."""
        items = await self._items(f"{ORG}/concerns", {}, {"client_reference": client_reference})
        return WireConcern.model_validate(items[0]) if items else None

    async def raise_concern(self, payload: dict[str, Any]) -> str:
        """Raise a concern into the triage queue, once; returns its id."""
        response = await self._http.request(
            "POST",
            f"{ORG}/concerns",
            path_params={"org": self._org},
            json=payload,
            idempotent=False,
        )
        return str(response.json()["id"])

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._http.aclose()

    async def _items(
        self, template: str, path_params: dict[str, str], filters: dict[str, str]
    ) -> list[Any]:
        items: list[Any] = []
        cursor: str | None = None
        while True:
            params = {**filters, "limit": str(self._limit)}
            if cursor:
                params["cursor"] = cursor
            body = await self._http.get_json(
                template, path_params={"org": self._org, **path_params}, params=params
            )
            items += body.get("items") or []
            cursor = body.get("next_cursor")
            if not cursor:
                return items
