"""The CPOMS-style API client over ``hub.http.HttpClient``.

Imports only ``hub.errors``, ``hub.http`` and its own models and settings. Lists are
page-numbered: ``?page=1&per_page=100`` → ``{"data": [...], "meta": {"total_pages": n}}``.
The API has no idempotency header, so writes are sent once (never retried in-process);
the adapter looks an incident up by its ``external_ref`` before any repeat.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from hub.adapters.cpoms.models import WireCategory, WireIncident, WireStudent
from hub.adapters.cpoms.settings import CpomsSettings
from hub.http import HttpClient

ADAPTER_ID = "cpoms"


class CpomsClient:
    """One school's connection to its CPOMS-style host."""

    def __init__(
        self,
        settings: CpomsSettings,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        key = settings.api_key.get_secret_value()
        header = settings.auth_scheme == "header"
        auth = {"X-API-Key": key} if header else {"Authorization": f"Bearer {key}"}
        self._per_page = settings.per_page
        self._categories: dict[str, WireCategory] | None = None
        self._http = HttpClient(
            ADAPTER_ID,
            settings,
            transport=transport,
            sleep=sleep,
            headers={**auth, "Accept": "application/json"},
        )

    async def integration(self) -> dict[str, Any]:
        """The integration's own record: its status (``active`` once both vendors agree)."""
        body = await self._http.get_json("/integration")
        return dict(body.get("data") or {})

    async def student_by_mis_id(self, mis_id: str) -> WireStudent | None:
        """The student CPOMS holds for an MIS id, or None."""
        items = await self._pages("/students", {"mis_id": mis_id})
        return WireStudent.model_validate(items[0]) if items else None

    async def household(self, household_id: str) -> list[WireStudent]:
        """Every student CPOMS places in a household (siblings at the same address)."""
        items = await self._pages("/students", {"household_id": household_id})
        return [WireStudent.model_validate(item) for item in items]

    async def categories(self) -> dict[str, WireCategory]:
        """The school's incident categories by id (read once per adapter instance)."""
        if self._categories is None:
            items = await self._pages("/categories", {})
            parsed = [WireCategory.model_validate(item) for item in items]
            self._categories = {category.id: category for category in parsed}
        return self._categories

    async def incidents_for(self, student_id: str) -> list[WireIncident]:
        """The incidents a student is linked to (narratives are dropped while parsing)."""
        items = await self._pages("/incidents", {"student_id": student_id})
        return [WireIncident.model_validate(item) for item in items]

    async def incident_by_ref(self, external_ref: str) -> WireIncident | None:
        """The incident filed with this external reference, or None."""
        items = await self._pages("/incidents", {"external_ref": external_ref})
        return WireIncident.model_validate(items[0]) if items else None

    async def create_incident(self, payload: dict[str, Any]) -> str:
        """File an incident, once; returns its id."""
        response = await self._http.request("POST", "/incidents", json=payload, idempotent=False)
        return str(response.json()["data"]["id"])

    async def add_action(self, incident_id: str, payload: dict[str, Any]) -> str:
        """Append an action (an alert, a note) to an incident, once; returns its id."""
        response = await self._http.request(
            "POST",
            "/incidents/{id}/actions",
            path_params={"id": incident_id},
            json=payload,
            idempotent=False,
        )
        return str(response.json()["data"]["id"])

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._http.aclose()

    async def _pages(self, path: str, filters: dict[str, str]) -> list[Any]:
        items: list[Any] = []
        page = 1
        while True:
            params = {**filters, "page": str(page), "per_page": str(self._per_page)}
            body = await self._http.get_json(path, params=params)
            data = body.get("data") or []
            items += data
            total = int((body.get("meta") or {}).get("total_pages") or page)
            if not data or page >= total:
                return items
            page += 1
