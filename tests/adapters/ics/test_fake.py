"""The ics fake: the real feed app over seeded bookings, with the fake's knobs."""

from __future__ import annotations

import httpx
import icalendar

from hub.adapters.ics.fake import STAFF, FakeState, create_app


async def get(state: FakeState, path: str) -> httpx.Response:
    transport = httpx.ASGITransport(app=create_app(state))
    async with httpx.AsyncClient(transport=transport, base_url="https://fake.test") as client:
        return await client.get(path)


async def test_each_seeded_member_of_staff_has_a_feed_of_their_visits() -> None:
    state = FakeState()
    counts = []
    for staff_id in STAFF:
        response = await get(state, f"/ics/{state.tokens[staff_id]}.ics")
        events = list(icalendar.Calendar.from_ical(response.content).walk("VEVENT"))
        locations = {str(event["location"]) for event in events}
        assert locations <= set(state.personal_values())
        counts.append(len(events))
    assert sum(counts) == 2 * len(state.records)


async def test_failures_and_requests_are_injected_and_recorded() -> None:
    state = FakeState()
    state.fail_next(status=503, times=1, retry_after=4)
    token = state.tokens[STAFF[0]]
    failed = await get(state, f"/ics/{token}.ics")
    assert failed.status_code == 503
    assert failed.headers["retry-after"] == "4"
    assert (await get(state, f"/ics/{token}.ics")).status_code == 200
    assert len(state.requests) == 2


def test_the_seed_is_fixed() -> None:
    assert FakeState().personal_values() == FakeState().personal_values()
