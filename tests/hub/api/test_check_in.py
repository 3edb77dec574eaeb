"""Check-ins: a duress PIN or code phrase answers exactly as a normal check-in."""

from __future__ import annotations

import asyncio

import httpx

from hub.models import VisitState
from tests.factories import SCHOOL
from tests.hub.api.conftest import DURESS_PIN, PIN, Hub

BASE = f"/api/v1/schools/{SCHOOL}"
VARYING = {"check_in_id", "visit_id"}


async def _check_in(
    hub: Hub, client: httpx.AsyncClient, visit_id: str, **body: object
) -> httpx.Response:
    return await client.post(
        f"{BASE}/visits/{visit_id}/check-ins",
        json={"kind": "arrived", **body},
        headers=hub.headers("staff"),
    )


async def test_a_duress_pin_answers_like_the_normal_pin(
    hub: Hub, client: httpx.AsyncClient
) -> None:
    hub.add_visit("v-normal", VisitState.SCHEDULED)
    hub.add_visit("v-duress", VisitState.SCHEDULED)
    normal = await _check_in(hub, client, "v-normal", pin=PIN)
    duress = await _check_in(hub, client, "v-duress", pin=DURESS_PIN)
    assert normal.status_code == duress.status_code == 201
    assert set(normal.headers) == set(duress.headers)
    assert normal.headers["content-length"] == duress.headers["content-length"]
    same_n = {k: v for k, v in normal.json().items() if k not in VARYING}
    same_d = {k: v for k, v in duress.json().items() if k not in VARYING}
    assert same_n == same_d
    assert [c.duress for c in hub.store.check_ins(SCHOOL, "v-normal")] == [False]
    assert [c.duress for c in hub.store.check_ins(SCHOOL, "v-duress")] == [True]


async def test_staff_never_see_duress_on_their_own_visit(
    hub: Hub, client: httpx.AsyncClient
) -> None:
    hub.add_visit("v-1", VisitState.SCHEDULED)
    await _check_in(hub, client, "v-1", pin=DURESS_PIN)
    own = await client.get(f"{BASE}/visits/v-1", headers=hub.headers("staff"))
    assert "duress" not in own.text
    assert own.json()["board"] is None


async def test_a_wrong_pin_is_refused_and_nothing_is_stored(
    hub: Hub, client: httpx.AsyncClient
) -> None:
    hub.add_visit("v-1", VisitState.SCHEDULED)
    response = await _check_in(hub, client, "v-1", pin="0000")
    assert response.status_code == 403
    assert hub.store.check_ins(SCHOOL, "v-1") == []


async def test_office_records_a_phoned_check_in(hub: Hub, client: httpx.AsyncClient) -> None:
    hub.add_visit("v-1", VisitState.SCHEDULED)
    response = await client.post(
        f"{BASE}/visits/v-1/check-ins",
        json={"kind": "departed", "staff_id": "s-1"},
        headers=hub.headers("office"),
    )
    assert response.status_code == 201
    [stored] = hub.store.check_ins(SCHOOL, "v-1")
    assert (stored.staff_id, stored.channel.value, stored.recorded_by) == (
        "s-1",
        "phone_call",
        "s-office",
    )


async def test_staff_cannot_check_in_for_someone_else(hub: Hub, client: httpx.AsyncClient) -> None:
    hub.add_visit("v-1", VisitState.SCHEDULED)
    response = await _check_in(hub, client, "v-1", staff_id="s-2")
    assert response.status_code == 403


async def test_a_check_in_saves_its_events_once_each(hub: Hub, client: httpx.AsyncClient) -> None:
    hub.add_visit("v-1", VisitState.SCHEDULED)
    response = await _check_in(hub, client, "v-1")
    assert response.status_code == 201
    events = hub.store.events(SCHOOL, "v-1")
    assert [(e.kind.value, e.state_to) for e in events] == [
        ("state_changed", VisitState.DEPARTED),
        ("check_in", VisitState.ON_SITE),
    ]
    assert hub.store.get_visit(SCHOOL, "v-1").state is VisitState.ON_SITE  # type: ignore[union-attr]
    assert [c.id for c in hub.store.check_ins(SCHOOL, "v-1")] == [response.json()["check_in_id"]]


async def test_a_check_in_with_a_key_is_replayed_from_its_own_transaction(
    hub: Hub, client: httpx.AsyncClient
) -> None:
    hub.add_visit("v-1", VisitState.SCHEDULED)
    headers = hub.headers("staff", **{"Idempotency-Key": "phone-1"})
    path = f"{BASE}/visits/v-1/check-ins"
    first = await client.post(path, json={"kind": "arrived"}, headers=headers)
    again = await client.post(path, json={"kind": "arrived"}, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.content == first.content
    assert again.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    assert len(hub.store.check_ins(SCHOOL, "v-1")) == 1


async def test_check_ins_at_once_on_one_visit_are_all_accepted(
    hub: Hub, client: httpx.AsyncClient
) -> None:
    hub.add_visit("v-1", VisitState.ON_SITE)
    answers = await asyncio.gather(
        *(_check_in(hub, client, "v-1", kind="interval") for _ in range(6))
    )
    assert [a.status_code for a in answers] == [201] * 6
    assert len(hub.store.check_ins(SCHOOL, "v-1")) == 6
    kinds = [e.kind.value for e in hub.store.events(SCHOOL, "v-1")]
    assert kinds == ["check_in"] * 6
