"""The Wonde client against the fake: cursor paging, includes, updated_after, errors."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from hub.adapters.wonde.client import ROLL_INCLUDES, STUDENT_INCLUDES, WondeClient
from hub.adapters.wonde.fake import UPDATED_BASE, FakeState
from hub.errors import AdapterError, AuthError, NotFoundError, TransientError
from tests.adapters.wonde.helpers import Sleeps, client_for, settings_for, transport


async def test_every_page_is_followed_with_page_size_one() -> None:
    state = FakeState(pupils=25)
    state.page_size = 1
    client = client_for(state)
    students = [s async for s in client.students()]
    await client.aclose()
    assert len(students) == 25
    assert len({s.id for s in students}) == 25
    assert sorted(s.id for s in students) == sorted(state.students)
    assert len(state.requests) == 25
    assert state.requests[0].params["cursor"] == "true"
    assert all(r.params["cursor"] not in ("", "true") for r in state.requests[1:])


async def test_a_page_size_from_settings_is_sent_and_honoured() -> None:
    state = FakeState(pupils=25)
    client = client_for(state, page_size=10)
    students = [s async for s in client.students()]
    await client.aclose()
    assert len(students) == 25
    assert [r.params["per_page"] for r in state.requests] == ["10", "10", "10"]


async def test_one_student_is_asked_for_with_contacts_and_details() -> None:
    state = FakeState(pupils=3)
    client = client_for(state)
    one = await client.student(state.pupil_ids()[0])
    await client.aclose()
    includes = set(state.requests[0].params["include"].split(","))
    assert {"contacts", "contact_details", "extended_details"} <= includes
    assert includes == set(STUDENT_INCLUDES)
    assert one.contacts is not None
    assert one.contacts.data
    assert one.contacts.data[0].contact_details is not None
    assert one.contact_details is not None
    assert one.extended_details is not None


async def test_the_roll_is_asked_for_with_what_a_pupil_needs() -> None:
    state = FakeState(pupils=3)
    client = client_for(state)
    listed = [s async for s in client.students()]
    await client.aclose()
    includes = set(state.requests[0].params["include"].split(","))
    assert includes == set(ROLL_INCLUDES) == {"contact_details", "year"}  # no extended details
    assert all(s.contact_details is not None for s in listed)


async def test_the_next_page_is_asked_for_before_the_caller_finishes_this_one() -> None:
    state = FakeState(pupils=6)
    state.page_size = 2
    client = client_for(state)
    seen_when_first_page_arrived = -1
    async for _student in client.students():
        if seen_when_first_page_arrived < 0:
            seen_when_first_page_arrived = len(state.requests)
    await client.aclose()
    assert seen_when_first_page_arrived == 2
    assert len(state.requests) == 3


class CheckpointedTransport(httpx.AsyncBaseTransport):
    """The fake behind the checkpoints a pooled socket connection passes (lock
    acquisitions, each a turn of the loop) before the request's bytes are written."""

    def __init__(self, state: FakeState, turns: int) -> None:
        self.inner, self.turns = transport(state), turns

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        for _ in range(self.turns):
            await asyncio.sleep(0)
        return await self.inner.handle_async_request(request)


async def test_the_next_request_is_sent_before_this_page_is_parsed() -> None:
    state = FakeState(pupils=6)
    state.page_size = 2
    client = WondeClient(
        settings_for(state), transport=CheckpointedTransport(state, turns=3), sleep=Sleeps()
    )
    seen_when_first_page_arrived = -1
    async for _student in client.students():
        if seen_when_first_page_arrived < 0:
            seen_when_first_page_arrived = len(state.requests)
    await client.aclose()
    assert seen_when_first_page_arrived == 2  # the second page was already asked for
    assert len(state.requests) == 3


async def test_stopping_early_cancels_the_page_in_flight() -> None:
    state = FakeState(pupils=6)
    state.page_size = 2
    client = client_for(state)
    pages = client.students()
    first = await anext(pages)
    await pages.aclose()  # type: ignore[attr-defined]
    await client.aclose()
    assert first.id == state.pupil_ids()[0]
    assert len(state.requests) <= 2


async def test_an_incremental_pull_sends_updated_after_in_utc() -> None:
    state = FakeState(pupils=25)
    since = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
    changed = sorted(state.students)[:3]
    state.touch(changed, at=since + timedelta(minutes=5))
    client = client_for(state)
    students = [s async for s in client.students(since)]
    await client.aclose()
    assert state.requests[0].params["updated_after"] == "2026-11-01 12:00:00"
    assert sorted(s.id for s in students) == changed


async def test_updated_after_is_converted_from_uk_summer_time() -> None:
    state = FakeState(pupils=2)
    client = client_for(state)
    since = datetime(2026, 9, 1, 9, 0, tzinfo=ZoneInfo("Europe/London"))
    [s async for s in client.students(since)]
    await client.aclose()
    assert state.requests[0].params["updated_after"] == "2026-09-01 08:00:00"


async def test_a_full_pull_sends_no_updated_after() -> None:
    state = FakeState(pupils=2)
    client = client_for(state)
    assert len([s async for s in client.students()]) == 2
    await client.aclose()
    assert "updated_after" not in state.requests[0].params


async def test_updated_at_is_read_from_uk_time() -> None:
    state = FakeState(pupils=1)
    (student_id,) = state.students
    client = client_for(state)
    student = await client.student(student_id)
    await client.aclose()
    assert student.updated_at is not None
    assert student.updated_at.timezone == "Europe/London"
    assert student.updated_at.to_utc() == UPDATED_BASE


async def test_an_unknown_student_is_not_found_and_the_message_is_safe() -> None:
    state = FakeState(pupils=1)
    client = client_for(state)
    with pytest.raises(NotFoundError) as caught:
        await client.student("A000000000")
    await client.aclose()
    message = str(caught.value)
    assert caught.value.status == 404
    assert "/schools/{school_id}/students/{student_id}" in message
    assert "include" not in message
    assert state.token not in message


async def test_a_bad_token_is_an_auth_error_without_retry() -> None:
    state = FakeState(pupils=1)
    sleeps = Sleeps()
    client = client_for(state, sleeps, token="not-the-token")
    with pytest.raises(AuthError) as caught:
        await client.school()
    await client.aclose()
    assert len(state.requests) == 1
    assert sleeps.waits == []
    assert "not-the-token" not in str(caught.value)


async def test_the_bearer_token_is_sent() -> None:
    state = FakeState(pupils=1)
    client = client_for(state)
    await client.school()
    await client.aclose()
    assert state.requests[0].authorised is True


async def test_a_429_is_waited_out_as_retry_after_says() -> None:
    state = FakeState(pupils=3)
    state.fail_next(status=429, times=1, retry_after=2)
    sleeps = Sleeps()
    client = client_for(state, sleeps)
    students = [s async for s in client.students()]
    await client.aclose()
    assert len(students) == 3
    assert sleeps.waits == [2]


async def test_repeated_5xx_stops_after_the_bounded_attempts() -> None:
    state = FakeState(pupils=3)
    state.fail_next(status=503, times=10)
    client = client_for(state, max_attempts=3)
    with pytest.raises(TransientError):
        [s async for s in client.students()]
    await client.aclose()
    assert len(state.requests) == 3


async def test_attendance_summaries_are_asked_for_the_window() -> None:
    state = FakeState(pupils=2)
    student_id = sorted(state.students)[0]
    client = client_for(state)
    rows = await client.attendance_summaries(student_id, date(2026, 9, 1), date(2026, 9, 30))
    await client.aclose()
    assert [r.student for r in rows] == [student_id]
    assert rows[0].possible_marks == 2 * 22  # 22 school days in September 2026
    assert state.requests[0].params["start_date"] == "2026-09-01"
    assert state.requests[0].params["end_date"] == "2026-09-30"
    assert state.requests[0].params["student_id"] == student_id


# --- next links that cannot be trusted -----------------------------------------------


def _stub(pages: list[dict[str, Any]]) -> tuple[WondeClient, list[httpx.Request]]:
    """A client over a transport replaying ``pages``: for shapes the fake never sends."""
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=pages[min(len(seen), len(pages)) - 1])

    settings = settings_for(FakeState(pupils=1))
    client = WondeClient(settings, transport=httpx.MockTransport(handler), sleep=Sleeps())
    return client, seen


def _page(next_url: str | None, more: bool, ids: tuple[str, ...] = ("A1",)) -> dict[str, Any]:
    return {
        "data": [{"id": i} for i in ids],
        "meta": {"pagination": {"next": next_url, "more": more}},
    }


async def test_a_next_link_to_another_host_is_refused_before_the_token_goes_there() -> None:
    evil = "https://evil.example/v1.0/schools/A1000000001/students?cursor=abc"
    client, seen = _stub([_page(evil, True)])
    with pytest.raises(AdapterError, match="another place") as caught:
        [s async for s in client.students()]
    await client.aclose()
    assert len(seen) == 1
    assert "evil" not in str(caught.value)


async def test_a_next_link_to_another_path_is_refused() -> None:
    other = "https://api.wonde.com/v1.0/schools/A1000000001/employees?cursor=abc"
    client, seen = _stub([_page(other, True)])
    with pytest.raises(AdapterError, match="another place"):
        [s async for s in client.students()]
    await client.aclose()
    assert len(seen) == 1


async def test_more_pages_without_a_next_link_is_an_error_not_a_silent_stop() -> None:
    client, _ = _stub([_page(None, True)])
    with pytest.raises(AdapterError, match="gave no next link"):
        [s async for s in client.students()]
    await client.aclose()


async def test_a_next_link_that_repeats_is_an_error_not_a_loop() -> None:
    link = "https://api.wonde.com/v1.0/schools/A1000000001/students?cursor=same"
    client, seen = _stub([_page(link, True), _page(link, True, ("A2",))])
    with pytest.raises(AdapterError, match="same next link twice"):
        [s async for s in client.students()]
    await client.aclose()
    assert len(seen) == 2


async def test_a_body_of_the_wrong_shape_is_an_adapter_error_naming_the_field() -> None:
    client, _ = _stub([{"data": [{"id": "A1", "forename": ["Not", "a", "name"]}]}])
    with pytest.raises(AdapterError, match="unexpected shape") as caught:
        [s async for s in client.students()]
    await client.aclose()
    assert "data.0.forename" in str(caught.value)
    assert "Not" not in str(caught.value)


async def test_pages_are_still_followed_when_the_peek_cannot_read_the_tail() -> None:
    link = "https://api.wonde.com/v1.0/schools/A1000000001/students?cursor=two"
    pagination = {"next": link, "more": True}
    first = {"meta": {"pagination": pagination}, "data": [{"id": "A1", "meta": {}}]}
    last = {"meta": {"pagination": {"next": None, "more": False}}, "data": [{"id": "A2"}]}
    client, seen = _stub([first, last])
    students = [s async for s in client.students()]
    await client.aclose()
    assert [s.id for s in students] == ["A1", "A2"]
    assert seen[1].url.params["cursor"] == "two"
