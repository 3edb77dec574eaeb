"""Every error is problem+json, and nothing the caller sent is ever echoed back (S-16)."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from hub.models import VisitState
from tests.factories import SCHOOL, T0, fake
from tests.hub.api.conftest import Hub

BASE = f"/api/v1/schools/{SCHOOL}"
PROBLEM_KEYS = {"type", "title", "status", "detail", "instance"}


def _personal() -> dict[str, str]:
    faker = fake(77)
    return {
        "name": faker.name(),
        "address": faker.street_address(),
        "phone": faker.phone_number(),
        "postcode": faker.postcode(),
    }


def _leaks(response: httpx.Response, values: dict[str, str]) -> list[str]:
    return [key for key, value in values.items() if value in response.text]


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(lambda p: {"pupil_id": p["name"], "reason": p["address"]}, id="bad-values"),
        pytest.param(lambda p: {p["name"]: p["phone"], "reason": "x"}, id="unknown-field"),
        pytest.param(
            lambda p: {
                "pupil_id": "p-1",
                "reason": "attendance_concern",
                "planned_start": p["postcode"],
                "planned_end": (T0 + timedelta(hours=1)).isoformat(),
                "staff_ids": [p["name"]],
                "solo_reason": 12,
            },
            id="bad-types",
        ),
    ],
)
async def test_validation_errors_never_echo_input(
    hub: Hub, client: httpx.AsyncClient, body: object
) -> None:
    personal = _personal()
    sent = body(personal)  # type: ignore[operator]
    response = await client.post(f"{BASE}/visits", json=sent, headers=hub.headers("staff"))
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem.keys() >= PROBLEM_KEYS
    assert all(set(error) == {"loc", "type"} for error in problem["errors"])
    assert _leaks(response, personal) == []


async def test_personal_data_in_a_note_is_not_echoed_when_refused(
    hub: Hub, client: httpx.AsyncClient
) -> None:
    hub.add_visit("v-1", VisitState.ON_SITE)
    personal = _personal()
    response = await client.post(
        f"{BASE}/visits/v-1/note",
        json={"discussion": f"{personal['name']} at {personal['address']}"},
        headers=hub.headers("staff"),
    )
    assert response.status_code == 409
    assert _leaks(response, personal) == []


async def test_broken_json_is_a_problem_without_the_text(
    hub: Hub, client: httpx.AsyncClient
) -> None:
    secret = _personal()["name"]
    response = await client.post(
        f"{BASE}/visits",
        content=f'{{"pupil_id": "{secret}", '.encode(),
        headers={**hub.headers("staff"), "Content-Type": "application/json"},
    )
    assert response.status_code == 422
    assert secret not in response.text


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/api/v1/nowhere/Jane%20Smith", 404),
        ("DELETE", f"{BASE}/visits", 405),
        ("GET", f"{BASE}/visits", 401),
    ],
)
async def test_framework_errors_are_problems_too(
    client: httpx.AsyncClient, method: str, path: str, status: int
) -> None:
    response = await client.request(method, path)
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json().keys() >= PROBLEM_KEYS
    assert "Jane" not in response.text


async def test_an_unknown_school_and_a_foreign_school_look_the_same(
    hub: Hub, client: httpx.AsyncClient
) -> None:
    foreign = await client.get("/api/v1/schools/harrogate", headers=hub.headers("dsl"))
    unknown = await client.get("/api/v1/schools/nowhere", headers=hub.headers("dsl"))
    assert foreign.status_code == unknown.status_code == 404
    assert foreign.json()["detail"] == unknown.json()["detail"]
