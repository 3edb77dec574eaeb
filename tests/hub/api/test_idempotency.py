"""Idempotency-Key: replay, a different body (422), a concurrent duplicate (409)."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta

import httpx

from hub import hookimpl
from hub.api.app import create_app
from hub.api.idempotency import request_hash
from hub.hooks.manager import Hooks, build_hooks
from hub.models import School, VisitEvent, VisitState
from hub.schools import blocked_names, school_and_pack
from hub.store.requests import KeyState
from tests.factories import SCHOOL, T0
from tests.hub.api.conftest import BUILT_INS, Hub

BASE = f"/api/v1/schools/{SCHOOL}"


def _request(hours: int = 1) -> dict[str, object]:
    return {
        "pupil_id": "p-1",
        "reason": "attendance_concern",
        "planned_start": (T0 + timedelta(hours=hours)).isoformat(),
        "planned_end": (T0 + timedelta(hours=hours + 1)).isoformat(),
        "staff_ids": ["s-1", "s-2"],
    }


async def test_the_same_request_again_replays_the_first_response(
    hub: Hub, client: httpx.AsyncClient
) -> None:
    headers = hub.headers("staff", **{"Idempotency-Key": "k-1"})
    first = await client.post(f"{BASE}/visits", json=_request(), headers=headers)
    again = await client.post(f"{BASE}/visits", json=_request(), headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.content == first.content
    assert again.headers["idempotent-replayed"] == "true"
    assert len(hub.store.list_visits(SCHOOL)) == 1


async def test_the_same_key_with_another_body_is_422(hub: Hub, client: httpx.AsyncClient) -> None:
    headers = hub.headers("staff", **{"Idempotency-Key": "k-1"})
    first = await client.post(f"{BASE}/visits", json=_request(1), headers=headers)
    other = await client.post(f"{BASE}/visits", json=_request(2), headers=headers)
    assert first.status_code == 201
    assert other.status_code == 422
    assert other.json()["type"] == "urn:doorstep:problem:idempotency-key-reused"
    assert len(hub.store.list_visits(SCHOOL)) == 1


async def test_keys_belong_to_one_user(hub: Hub, client: httpx.AsyncClient) -> None:
    mine = await client.post(
        f"{BASE}/visits",
        json=_request(),
        headers=hub.headers("staff", **{"Idempotency-Key": "shared"}),
    )
    body = {**_request(), "staff_ids": ["s-dsl", "s-2"]}
    theirs = await client.post(
        f"{BASE}/visits", json=body, headers=hub.headers("dsl", **{"Idempotency-Key": "shared"})
    )
    assert mine.status_code == theirs.status_code == 201
    assert mine.json()["id"] != theirs.json()["id"]


async def test_a_refusal_is_replayed_too(hub: Hub, client: httpx.AsyncClient) -> None:
    hub.add_visit("v-1", VisitState.REQUESTED)
    headers = hub.headers("dsl", **{"Idempotency-Key": "k-2"})
    first = await client.post(f"{BASE}/visits/v-1/authorise", json={}, headers=headers)
    again = await client.post(f"{BASE}/visits/v-1/authorise", json={}, headers=headers)
    assert first.status_code == again.status_code == 409
    assert again.content == first.content


async def test_a_key_in_flight_in_another_process_is_409(
    hub: Hub, client: httpx.AsyncClient
) -> None:
    requests = hub.app.state.ctx.requests
    body = json.dumps(_request()).encode()
    digest = request_hash("POST", f"{BASE}/visits", body)
    assert requests.begin("staff", "k-3", digest, T0).state is KeyState.NEW
    headers = hub.headers("staff", **{"Idempotency-Key": "k-3", "Content-Type": "application/json"})
    response = await client.post(f"{BASE}/visits", content=body, headers=headers)
    assert response.status_code == 409
    assert response.headers["retry-after"] == "1"
    assert hub.store.list_visits(SCHOOL) == []


class _Gate:
    """An observer that holds the first visit event until the test lets it go."""

    def __init__(self) -> None:
        self.entered = asyncio.Event()
        self.release = asyncio.Event()

    @hookimpl
    async def hub_on_visit_event(self, school: School, event: VisitEvent) -> None:
        self.entered.set()
        await self.release.wait()


async def test_a_concurrent_duplicate_is_409(hub: Hub) -> None:
    gate = _Gate()
    settings = hub.app.state.ctx.settings

    def gated_hooks(school_id: str) -> Hooks:
        school, pack = school_and_pack(settings, school_id)
        return build_hooks(
            school,
            pack=pack,
            extra=[("gate", gate)],
            recorder=hub.store,
            disabled=blocked_names(settings),
        )

    assert settings.load_plugins == BUILT_INS
    app = create_app(settings=settings, store=hub.store, hooks_for=gated_hooks, clock=lambda: T0)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    headers = hub.headers("staff", **{"Idempotency-Key": "k-4"})
    async with httpx.AsyncClient(transport=transport, base_url="http://hub.test") as client:
        first = asyncio.create_task(client.post(f"{BASE}/visits", json=_request(), headers=headers))
        await asyncio.wait_for(gate.entered.wait(), timeout=10)
        second = await client.post(f"{BASE}/visits", json=_request(), headers=headers)
        gate.release.set()
        done = await first
        third = await client.post(f"{BASE}/visits", json=_request(), headers=headers)
    assert second.status_code == 409
    assert second.json()["type"] == "urn:doorstep:problem:idempotency-key-in-flight"
    assert done.status_code == 201
    assert third.content == done.content
    assert len(hub.store.list_visits(SCHOOL)) == 1


async def test_a_bad_key_is_422(hub: Hub, client: httpx.AsyncClient) -> None:
    response = await client.post(
        f"{BASE}/visits",
        json=_request(),
        headers=hub.headers("staff", **{"Idempotency-Key": "x" * 300}),
    )
    assert response.status_code == 422
    assert hub.store.list_visits(SCHOOL) == []
