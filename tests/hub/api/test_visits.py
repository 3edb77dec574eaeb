"""A whole visit through the API, and what each role sees of it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import update

from hub.api.principals import TOKEN_CACHE_SECONDS, PrincipalCache
from hub.models import VisitEventKind, VisitState
from hub.store.tables import ApiTokenRow
from tests.factories import SCHOOL, T0
from tests.hub.api.conftest import Hub, full_questionnaire

BASE = f"/api/v1/schools/{SCHOOL}"


async def _post(
    client: httpx.AsyncClient, hub: Hub, user: str, path: str, body: object
) -> dict[str, Any]:
    response = await client.post(f"{BASE}{path}", json=body, headers=hub.headers(user))
    assert response.status_code in (200, 201), response.text
    found: dict[str, Any] = response.json()
    return found


async def test_a_visit_from_request_to_note(hub: Hub, client: httpx.AsyncClient) -> None:
    request = {
        "pupil_id": "p-1",
        "reason": "attendance_concern",
        "planned_start": (T0 + timedelta(hours=1)).isoformat(),
        "planned_end": (T0 + timedelta(hours=2)).isoformat(),
        "staff_ids": ["s-1", "s-2"],
    }
    created = await _post(client, hub, "staff", "/visits", request)
    visit_id = created["id"]
    assert created["state"] == "requested"
    assert created["requested_by"] == "s-1"
    questionnaire = full_questionnaire().model_dump(mode="json", exclude_none=True)
    assessed = await _post(
        client, hub, "staff", f"/visits/{visit_id}/assessment", {"questionnaire": questionnaire}
    )
    assert assessed["state"] == "assessed"
    assert assessed["risk_detail"] is True
    await _post(client, hub, "staff", f"/visits/{visit_id}/submit", {})
    authorised = await _post(client, hub, "dsl", f"/visits/{visit_id}/authorise", {})
    assert authorised["state"] == "authorised"
    assert authorised["authorised_by"] == "s-dsl"
    await _post(
        client, hub, "office", f"/visits/{visit_id}/schedule", {"written_confirmation": True}
    )
    receipt = await _post(
        client, hub, "staff", f"/visits/{visit_id}/check-ins", {"kind": "arrived"}
    )
    assert receipt["visit_id"] == visit_id
    assert receipt["next_check_in_by"] is not None
    await _post(client, hub, "staff", f"/visits/{visit_id}/doorstep", {"kind": "parent_present"})
    done = await _post(client, hub, "staff", f"/visits/{visit_id}/outcome", {"kind": "completed"})
    assert done["state"] == "completed"
    await _post(client, hub, "staff", f"/visits/{visit_id}/check-ins", {"kind": "returned"})
    note = await _post(
        client, hub, "staff", f"/visits/{visit_id}/note", {"discussion": "Talked it through."}
    )
    assert note["visit_id"] == visit_id
    stored = hub.store.get_visit(SCHOOL, visit_id)
    assert stored is not None
    assert stored.state is VisitState.RETURNED
    kinds = [event.kind for event in hub.store.events(SCHOOL, visit_id)]
    assert kinds[0] is VisitEventKind.REQUESTED
    assert VisitEventKind.AUTHORISED in kinds
    assert kinds[-1] is VisitEventKind.NOTE_RECORDED


async def test_office_sees_the_board_not_the_risk(hub: Hub, client: httpx.AsyncClient) -> None:
    hub.add_visit("v-risky", VisitState.ASSESSED)
    office = await client.get(f"{BASE}/visits/v-risky", headers=hub.headers("office"))
    dsl = await client.get(f"{BASE}/visits/v-risky", headers=hub.headers("dsl"))
    assert office.status_code == dsl.status_code == 200
    assert office.json()["risk_detail"] is False
    assert office.json()["flags"] is None
    assert dsl.json()["flags"] == [
        {"category": "dangerous_animal", "severity": "medium", "applies_to": "household"}
    ]
    assert office.headers["cache-control"] == "no-store"


async def test_staff_see_only_their_own_visits(hub: Hub, client: httpx.AsyncClient) -> None:
    hub.add_visit("v-mine", VisitState.REQUESTED)
    hub.add_visit("v-theirs", VisitState.REQUESTED, staff_ids=("s-2",))
    listed = await client.get(f"{BASE}/visits", headers=hub.headers("staff"))
    assert [v["id"] for v in listed.json()["visits"]] == ["v-mine"]
    theirs = await client.get(f"{BASE}/visits/v-theirs", headers=hub.headers("staff"))
    missing = await client.get(f"{BASE}/visits/v-nowhere", headers=hub.headers("staff"))
    assert theirs.status_code == missing.status_code == 404
    strip = ("instance",)
    assert {k: v for k, v in theirs.json().items() if k not in strip} == {
        k: v for k, v in missing.json().items() if k not in strip
    }


async def test_every_read_of_a_flagged_visit_is_audited(
    hub: Hub, client: httpx.AsyncClient
) -> None:
    hub.add_visit("v-risky", VisitState.ASSESSED)
    for user in ("office", "dsl"):
        response = await client.get(f"{BASE}/visits/v-risky", headers=hub.headers(user))
        assert response.status_code == 200
    reads = hub.app.state.ctx.requests.reads(SCHOOL, "v-risky")
    assert [(r.user_id, r.risk_flags, r.risk_detail) for r in reads] == [
        ("office", True, False),
        ("dsl", True, True),
    ]
    assert all(r.at == T0 for r in reads)


async def test_a_refused_step_is_409_with_reasons(hub: Hub, client: httpx.AsyncClient) -> None:
    hub.add_visit("v-1", VisitState.REQUESTED)
    response = await client.post(
        f"{BASE}/visits/v-1/authorise", json={}, headers=hub.headers("dsl")
    )
    assert response.status_code == 409
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["type"] == "urn:doorstep:problem:transition-refused"
    assert "a visit that is requested cannot become authorised" in problem["reasons"]


async def test_a_revoked_token_stops_at_once(hub: Hub, client: httpx.AsyncClient) -> None:
    users = hub.app.state.ctx.users
    token_id = users.tokens("office")[0].id
    before = await client.get(f"{BASE}", headers=hub.headers("office"))
    assert users.revoke_token(token_id, T0)
    after = await client.get(f"{BASE}", headers=hub.headers("office"))
    assert before.status_code == 200
    assert after.status_code == 401
    assert after.headers["www-authenticate"] == "Bearer"


async def test_a_token_revoked_by_another_process_stops_within_seconds(
    hub: Hub, client: httpx.AsyncClient
) -> None:
    ctx = hub.app.state.ctx
    now = [0.0]
    ctx.principals = PrincipalCache(clock=lambda: now[0])
    before = await client.get(f"{BASE}", headers=hub.headers("office"))
    with hub.store.engine.begin() as connection:  # as `doorstep users revoke` would
        revoke = update(ApiTokenRow).where(ApiTokenRow.user_id == "office")
        connection.execute(revoke.values(revoked_at=T0))
    remembered = await client.get(f"{BASE}", headers=hub.headers("office"))
    now[0] += TOKEN_CACHE_SECONDS
    after = await client.get(f"{BASE}", headers=hub.headers("office"))
    assert before.status_code == remembered.status_code == 200
    assert after.status_code == 401


async def test_a_removed_role_stops_at_once(hub: Hub, client: httpx.AsyncClient) -> None:
    hub.add_visit("v-1", VisitState.REQUESTED)
    before = await client.get(f"{BASE}/visits/v-1", headers=hub.headers("dsl"))
    assert hub.app.state.ctx.users.ungrant("dsl", SCHOOL)
    after = await client.get(f"{BASE}/visits/v-1", headers=hub.headers("dsl"))
    assert before.status_code == 200
    assert after.status_code == 404
