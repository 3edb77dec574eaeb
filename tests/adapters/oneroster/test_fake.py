"""The fake OneRoster service answers the way the official 1.2 OpenAPI file says."""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import httpx
import pytest

from hub.adapters.oneroster.fake import FakeState, create_app

from .conftest import ManualClock
from .openapi import errors, response_schema

ROOT = "https://oneroster.test"
API = "/ims/oneroster/rostering/v1p2"


@pytest.fixture
async def http(fake_oneroster: FakeState) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=create_app(fake_oneroster))
    async with httpx.AsyncClient(transport=transport, base_url=ROOT) as client:
        token = await client.post(
            "/oauth/token",
            data={"grant_type": "client_credentials", "scope": "roster-core.readonly"},
            auth=(fake_oneroster.client_id, fake_oneroster.client_secret),
        )
        client.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
        yield client


COLLECTIONS = [
    (f"{API}/users", "/users"),
    (f"{API}/students", "/students"),
    (f"{API}/schools/org-school-1/students", "/schools/{schoolSourcedId}/students"),
    (f"{API}/demographics", "/demographics"),
]


@pytest.mark.parametrize(("url", "spec_path"), COLLECTIONS)
async def test_collections_match_the_openapi_schema(
    http: httpx.AsyncClient, url: str, spec_path: str
) -> None:
    response = await http.get(url, params={"limit": 1000})
    body = response.json()
    assert response.status_code == 200
    assert errors(body, response_schema(spec_path)) == []
    assert len(next(iter(body.values()))) > 10
    assert response.headers["x-total-count"].isdigit()


async def test_every_single_user_and_student_matches_the_schema(
    http: httpx.AsyncClient, fake_oneroster: FakeState
) -> None:
    for sourced_id in fake_oneroster.users:
        user = await http.get(f"{API}/users/{sourced_id}")
        assert errors(user.json(), response_schema("/users/{sourcedId}")) == []
    for sourced_id in fake_oneroster.pupil_ids():
        student = await http.get(f"{API}/students/{sourced_id}")
        demographics = await http.get(f"{API}/demographics/{sourced_id}")
        assert errors(student.json(), response_schema("/students/{sourcedId}")) == []
        assert errors(demographics.json(), response_schema("/demographics/{sourcedId}")) == []


@pytest.mark.parametrize(
    ("url", "params", "status"),
    [
        (f"{API}/students/usr-00001-1", {}, "404"),  # a parent is not a student
        (f"{API}/users/nobody", {}, "404"),
        (f"{API}/users", {"filter": "givenName='x'"}, "400"),  # not a filterable field
        (f"{API}/users", {"filter": "dateLastModified>2026-01-01"}, "400"),  # unquoted
        (f"{API}/users", {"limit": "0"}, "400"),
    ],
)
async def test_errors_are_imsx_envelopes(
    http: httpx.AsyncClient, url: str, params: dict[str, str], status: str
) -> None:
    response = await http.get(url, params=params)
    assert str(response.status_code) == status
    spec_path = "/users/{sourcedId}" if status == "404" else "/users"
    assert errors(response.json(), response_schema(spec_path, status)) == []


async def test_bad_and_expired_tokens_are_401_envelopes(
    http: httpx.AsyncClient, fake_oneroster: FakeState, clock: ManualClock
) -> None:
    clock.advance(fake_oneroster.token_lifetime_s)
    expired = await http.get(f"{API}/users")
    missing = await http.get(f"{API}/users", headers={"Authorization": ""})
    for response in (expired, missing):
        assert response.status_code == 401
        assert errors(response.json(), response_schema("/users", "401")) == []
        assert response.headers["www-authenticate"].startswith("Bearer")


async def test_injected_failures_are_envelopes_with_retry_after(
    http: httpx.AsyncClient, fake_oneroster: FakeState
) -> None:
    fake_oneroster.fail_next(status=429, times=1, retry_after=2)
    busy = await http.get(f"{API}/students")
    after = await http.get(f"{API}/students")
    assert busy.status_code == 429
    assert busy.headers["retry-after"] == "2"
    assert errors(busy.json(), response_schema("/students", "429")) == []
    assert after.status_code == 200


async def test_limit_offset_and_total_count(
    http: httpx.AsyncClient, fake_oneroster: FakeState
) -> None:
    fake_oneroster.page_size = 3
    first = await http.get(f"{API}/students", params={"limit": 10, "offset": 0})
    last = await http.get(f"{API}/students", params={"limit": 10, "offset": 12})
    total = int(first.headers["x-total-count"])
    assert len(first.json()["users"]) == 3  # the server's cap wins over limit
    assert total == len(fake_oneroster.pupil_ids()) + 2  # another school's and a tobedeleted
    assert [u["sourcedId"] for u in last.json()["users"]] == ["stu-00013", "stu-00014"]


async def test_filter_on_date_last_modified(
    http: httpx.AsyncClient, fake_oneroster: FakeState
) -> None:
    cut = "2026-06-01T00:00:00Z"
    response = await http.get(f"{API}/students", params={"filter": f"dateLastModified>'{cut}'"})
    found = response.json()["users"]
    assert found
    assert all(u["dateLastModified"] > "2026-06-01" for u in found)
    assert len(found) < len(fake_oneroster.pupil_ids())


async def test_a_touch_is_seen_by_the_next_filtered_request(
    http: httpx.AsyncClient, fake_oneroster: FakeState
) -> None:
    expression = "dateLastModified>'2027-01-01T00:00:00Z'"
    before = await http.get(f"{API}/students", params={"filter": expression})
    fake_oneroster.touch(["stu-00007", "stu-00002"], datetime(2027, 2, 1, tzinfo=UTC))
    after = await http.get(f"{API}/students", params={"filter": expression})
    at_or_before = await http.get(
        f"{API}/students", params={"filter": "dateLastModified<='2027-02-01T00:00:00Z'"}
    )
    assert before.json()["users"] == []
    assert [u["sourcedId"] for u in after.json()["users"]] == ["stu-00002", "stu-00007"]
    assert after.headers["x-total-count"] == "2"
    assert len(at_or_before.json()["users"]) == len(fake_oneroster.pupil_ids()) + 2


async def test_filter_by_sourced_ids_joined_with_or(http: httpx.AsyncClient) -> None:
    expression = "sourcedId='stu-00005' OR sourcedId='stu-00001' OR sourcedId='stu-99999'"
    response = await http.get(f"{API}/demographics", params={"filter": expression})
    assert [d["sourcedId"] for d in response.json()["demographics"]] == ["stu-00001", "stu-00005"]
    assert errors(response.json(), response_schema("/demographics")) == []


async def test_a_filter_on_another_field_is_refused(http: httpx.AsyncClient) -> None:
    response = await http.get(f"{API}/students", params={"filter": "givenName='Ann'"})
    assert response.status_code == 400
    assert response.json()["imsx_codeMajor"] == "failure"


async def test_the_validator_catches_a_broken_body(http: httpx.AsyncClient) -> None:
    body = (await http.get(f"{API}/users/stu-00001")).json()
    broken = copy.deepcopy(body)
    del broken["user"]["roles"]
    broken["user"]["enabledUser"] = True
    broken["user"]["nickname"] = "x"
    assert sorted(errors(broken, response_schema("/users/{sourcedId}"))) == [
        "$.user.enabledUser: type string",
        "$.user.nickname: additionalProperties",
        "$.user.roles: required",
    ]


async def test_token_endpoint_refuses_bad_credentials(fake_oneroster: FakeState) -> None:
    transport = httpx.ASGITransport(app=create_app(fake_oneroster))
    async with httpx.AsyncClient(transport=transport, base_url=ROOT) as client:
        bad = await client.post(
            "/oauth/token",
            data={"grant_type": "client_credentials"},
            auth=(fake_oneroster.client_id, "wrong"),
        )
        body_auth = await client.post(
            "/oauth/token",
            data={
                "grant_type": "client_credentials",
                "client_id": fake_oneroster.client_id,
                "client_secret": fake_oneroster.client_secret,
            },
        )
    assert bad.status_code == 401
    assert body_auth.json()["expires_in"] == 3600
    assert len(fake_oneroster.token_requests) == 2
    assert fake_oneroster.requests == []
