"""The fake Graph behaves like the real one where the adapter depends on it."""

from __future__ import annotations

import httpx

from hub.adapters.msgraph_calendar.fake import (
    CLIENT_ID,
    CLIENT_SECRET,
    MAILBOXES,
    TENANT,
    FakeState,
    create_app,
)


async def client_with_token(state: FakeState) -> httpx.AsyncClient:
    client = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_app(state)), base_url="https://graph.fake.test"
    )
    form = {
        "grant_type": "client_credentials",
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "scope": "https://graph.microsoft.com/.default",
    }
    answer = await client.post(f"/{TENANT}/oauth2/v2.0/token", data=form)
    assert answer.status_code == 200
    assert answer.json()["token_type"] == "Bearer"
    client.headers["Authorization"] = f"Bearer {answer.json()['access_token']}"
    return client


def event(n: int) -> dict[str, object]:
    return {
        "subject": f"Booking {n}",
        "start": {"dateTime": "2026-11-23T10:00:00", "timeZone": "UTC"},
        "end": {"dateTime": "2026-11-23T11:00:00", "timeZone": "UTC"},
        "transactionId": f"t-{n}",
    }


async def test_lists_are_paged_with_an_odata_next_link() -> None:
    state = FakeState(page_size=1)
    client = await client_with_token(state)
    for n in range(3):
        assert (
            await client.post(f"/users/{MAILBOXES[0]}/events", json=event(n))
        ).status_code == 201
    seen, url = [], f"/users/{MAILBOXES[0]}/events"
    while url:
        body = (await client.get(url)).json()
        seen += [item["subject"] for item in body["value"]]
        url = body.get("@odata.nextLink")
    assert seen == ["Booking 0", "Booking 1", "Booking 2"]
    await client.aclose()


async def test_the_same_transaction_id_gives_the_same_event() -> None:
    state = FakeState()
    client = await client_with_token(state)
    first = await client.post(f"/users/{MAILBOXES[0]}/events", json=event(1))
    second = await client.post(f"/users/{MAILBOXES[0]}/events", json=event(1))
    assert first.json()["id"] == second.json()["id"]
    assert len(state.records) == 1
    await client.aclose()


async def test_graph_refuses_a_missing_token_and_an_unknown_mailbox_in_its_envelope() -> None:
    state = FakeState()
    client = await client_with_token(state)
    unknown = await client.get("/users/nobody@school.example/calendar")
    assert unknown.status_code == 404
    assert unknown.json()["error"]["innerError"]["request-id"]
    del client.headers["Authorization"]
    assert (await client.get(f"/users/{MAILBOXES[0]}/calendar")).status_code == 401
    await client.aclose()


async def test_throttling_answers_429_with_retry_after_but_tokens_still_issue() -> None:
    state = FakeState()
    state.fail_next(status=429, times=1, retry_after=7)
    client = await client_with_token(state)
    throttled = await client.get(f"/users/{MAILBOXES[0]}/calendar")
    assert throttled.status_code == 429
    assert throttled.headers["retry-after"] == "7"
    assert (await client.get(f"/users/{MAILBOXES[0]}/calendar")).status_code == 200
    await client.aclose()


async def test_seeded_people_are_reported_as_personal_values() -> None:
    state = FakeState()
    values = state.personal_values()
    assert MAILBOXES[0] in values
    assert len(values) == len(MAILBOXES) * 2 + 2
    assert FakeState().personal_values() == values
