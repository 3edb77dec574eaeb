"""The OneRoster client against the fake: tokens, paging, back-off, filters, errors."""

from __future__ import annotations

import asyncio
from contextlib import aclosing
from datetime import UTC, datetime, timedelta, timezone

import httpx
import pytest

from hub.adapters.oneroster.client import OneRosterClient
from hub.adapters.oneroster.fake import FakeState, create_app, imsx_body
from hub.errors import AuthError, NotFoundError, RejectedError, TransientError
from hub.testing import RecordingSleep as Sleeps

from .conftest import ManualClock, settings_for


def client_for(
    state: FakeState, clock: ManualClock, sleeps: Sleeps, **overrides: object
) -> OneRosterClient:
    return OneRosterClient(
        settings_for(state, **overrides),
        transport=httpx.ASGITransport(app=create_app(state)),
        sleep=sleeps,
        clock=clock,
    )


def offsets(state: FakeState, path_end: str = "/students") -> list[int]:
    return [int(r.query["offset"][0]) for r in state.requests if r.path.endswith(path_end)]


# --- tokens ------------------------------------------------------------------------------


async def test_one_token_is_shared_by_concurrent_requests(
    oneroster_client: OneRosterClient, fake_oneroster: FakeState
) -> None:
    await asyncio.gather(*(oneroster_client.student(i) for i in fake_oneroster.pupil_ids()))
    assert fake_oneroster.tokens_issued == 1
    assert len(fake_oneroster.requests) == len(fake_oneroster.pupil_ids())


async def test_token_is_refreshed_before_it_expires(
    oneroster_client: OneRosterClient, fake_oneroster: FakeState, clock: ManualClock
) -> None:
    await oneroster_client.student("stu-00001")
    clock.advance(fake_oneroster.token_lifetime_s - 30)  # inside the 60 s margin
    await oneroster_client.student("stu-00002")
    assert fake_oneroster.tokens_issued == 2
    assert [r.status for r in fake_oneroster.requests] == [200, 200]  # no 401 on the way


async def test_a_refused_token_is_replaced_once(
    oneroster_client: OneRosterClient, fake_oneroster: FakeState
) -> None:
    await oneroster_client.student("stu-00001")
    fake_oneroster.revoke_tokens()  # e.g. the provider rotated its keys
    user = await oneroster_client.student("stu-00002")
    assert user.sourced_id == "stu-00002"
    assert [r.status for r in fake_oneroster.requests] == [200, 401, 200]
    assert fake_oneroster.tokens_issued == 2


async def test_a_401_that_persists_is_an_auth_error_after_one_retry(
    oneroster_client: OneRosterClient, fake_oneroster: FakeState
) -> None:
    fake_oneroster.fail_next(status=401, times=5)
    with pytest.raises(AuthError) as caught:
        await oneroster_client.student("stu-00001")
    assert caught.value.status == 401
    assert len(fake_oneroster.requests) == 2
    assert fake_oneroster.tokens_issued == 2


@pytest.mark.parametrize("client_auth", ["basic", "body"])
async def test_wrong_secret_is_an_auth_error_without_the_secret(
    fake_oneroster: FakeState, clock: ManualClock, sleeps: Sleeps, client_auth: str
) -> None:
    client = client_for(
        fake_oneroster, clock, sleeps, client_secret="not-the-secret", client_auth=client_auth
    )
    with pytest.raises(AuthError) as caught:
        await client.student("stu-00001")
    await client.aclose()
    assert "not-the-secret" not in str(caught.value)
    assert "/oauth/token" in str(caught.value)
    assert fake_oneroster.requests == []


async def test_both_client_auth_styles_get_a_token(
    fake_oneroster: FakeState, clock: ManualClock, sleeps: Sleeps
) -> None:
    for style in ("basic", "body"):
        client = client_for(fake_oneroster, clock, sleeps, client_auth=style)
        assert (await client.student("stu-00001")).is_student
        await client.aclose()
    assert fake_oneroster.tokens_issued == 2


# --- paging ------------------------------------------------------------------------------


async def test_without_total_count_pages_are_read_until_a_short_page(
    fake_oneroster: FakeState, clock: ManualClock, sleeps: Sleeps
) -> None:
    fake_oneroster.total_count_header = False
    client = client_for(fake_oneroster, clock, sleeps, page_size=5)
    students = await client.students()
    await client.aclose()
    assert len(students) == len(fake_oneroster.pupil_ids()) + 2  # 14 students in all
    assert offsets(fake_oneroster) == [0, 5, 10]  # the third page holds 4: stop there


async def test_without_total_count_an_exact_multiple_ends_on_an_empty_page(
    clock: ManualClock, sleeps: Sleeps
) -> None:
    state = FakeState(pupils=13, clock=clock, total_count_header=False)  # 15 students
    client = client_for(state, clock, sleeps, page_size=5)
    students = await client.students()
    await client.aclose()
    assert len(students) == 15
    assert offsets(state) == [0, 5, 10, 15]


async def test_total_count_fetches_the_remaining_pages_concurrently(
    clock: ManualClock, sleeps: Sleeps
) -> None:
    async def yield_once(seconds: float) -> None:
        await asyncio.sleep(0)  # let the other page requests in; no real wait

    state = FakeState(pupils=40, clock=clock, latency_s=0.01, sleep=yield_once)
    client = client_for(state, clock, sleeps, page_size=4, concurrency=3)
    students = await client.students()
    await client.aclose()
    assert len({s["sourcedId"] for s in students}) == 42
    assert sorted(offsets(state)) == list(range(0, 42, 4))
    assert state.max_in_flight == 3  # concurrent, and never more than allowed


async def test_a_server_page_cap_is_followed_at_its_size(
    fake_oneroster: FakeState, clock: ManualClock, sleeps: Sleeps
) -> None:
    fake_oneroster.page_size = 1  # the server serves one record, whatever limit says
    client = client_for(fake_oneroster, clock, sleeps, page_size=100)
    students = await client.students()
    await client.aclose()
    assert len(students) == 14
    # offset 100 was the second page asked for before the first answer; then one a record
    assert sorted(offsets(fake_oneroster)) == [*range(14), 100]


async def test_a_server_ignoring_offset_does_not_loop_forever(
    clock: ManualClock, sleeps: Sleeps
) -> None:
    def same_page(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/oauth/token"):
            return httpx.Response(200, json={"access_token": "t", "expires_in": 3600})
        users = [FakeState(pupils=2).users[f"stu-0000{n}"] for n in (1, 2)]
        return httpx.Response(200, json={"users": users})

    state = FakeState(clock=clock)
    client = OneRosterClient(
        settings_for(state, page_size=2), transport=httpx.MockTransport(same_page), sleep=sleeps
    )
    students = await client.students()
    await client.aclose()
    assert [s["sourcedId"] for s in students] == ["stu-00001", "stu-00002"]


# --- back-off ----------------------------------------------------------------------------


async def test_concurrent_paging_pauses_every_fetch_while_a_429_backs_off(
    clock: ManualClock,
) -> None:
    async def yield_once(seconds: float) -> None:
        await asyncio.sleep(0)

    state = FakeState(pupils=30, clock=clock, latency_s=0.01, sleep=yield_once)
    app = create_app(state)

    async def busy_on_second_page(scope, receive, send):
        if scope["query_string"].endswith(b"offset=4") and not waits:
            state.fail_next(status=429, times=1, retry_after=3)
        await app(scope, receive, send)

    waits: list[float] = []
    started_during_backoff: list[int] = []

    async def backoff_sleep(seconds: float) -> None:
        before = len(state.requests)
        for _ in range(50):  # every other task gets many chances to run meanwhile
            await asyncio.sleep(0)
        started_during_backoff.append(len(state.requests) - before)
        waits.append(seconds)

    client = OneRosterClient(
        settings_for(state, page_size=4, concurrency=4),
        transport=httpx.ASGITransport(app=busy_on_second_page),
        sleep=backoff_sleep,
        clock=clock,
    )
    students = await client.students()
    await client.aclose()
    assert waits == [3]  # Retry-After honoured
    assert started_during_backoff == [0]  # no page fetch started while backing off
    assert len({s["sourcedId"] for s in students}) == 32
    assert [r.status for r in state.requests].count(429) == 1
    assert state.max_in_flight <= 4


async def test_retry_after_beyond_the_cap_fails_at_once(
    oneroster_client: OneRosterClient, fake_oneroster: FakeState, sleeps: Sleeps
) -> None:
    fake_oneroster.fail_next(status=429, times=1, retry_after=600)
    with pytest.raises(TransientError) as caught:
        await oneroster_client.students()
    assert caught.value.retry_after == 600
    assert sleeps.calls == []


async def test_repeated_5xx_stops_after_the_bounded_attempts(
    oneroster_client: OneRosterClient, fake_oneroster: FakeState, sleeps: Sleeps
) -> None:
    fake_oneroster.fail_next(status=503, times=10)
    with pytest.raises(TransientError):
        await oneroster_client.student("stu-00001")
    assert len(fake_oneroster.requests) == 4
    assert len(sleeps.calls) == 3


# --- filters -----------------------------------------------------------------------------


async def test_since_becomes_a_quoted_utc_filter(
    oneroster_client: OneRosterClient, fake_oneroster: FakeState
) -> None:
    since = datetime(2026, 6, 1, 1, 30, 15, 999_000, tzinfo=timezone(timedelta(hours=1)))
    changed = await oneroster_client.students(since)
    sent = fake_oneroster.requests[0].query["filter"]
    assert sent == ["dateLastModified>'2026-06-01T00:30:15Z'"]
    cut = datetime(2026, 6, 1, 0, 30, 15, tzinfo=UTC)
    assert changed
    modified = [fake_oneroster.users[s["sourcedId"]]["dateLastModified"] for s in changed]
    assert all(datetime.fromisoformat(m.replace("Z", "+00:00")) > cut for m in modified)


async def test_the_filter_is_percent_encoded_on_the_wire(fake_oneroster: FakeState) -> None:
    seen: list[bytes] = []
    app = create_app(fake_oneroster)

    async def spy(scope, receive, send):
        seen.append(scope["query_string"])
        await app(scope, receive, send)

    client = OneRosterClient(
        settings_for(fake_oneroster), transport=httpx.ASGITransport(app=spy), sleep=Sleeps()
    )
    await client.students(datetime(2026, 1, 1, tzinfo=UTC))
    await client.aclose()
    query = next(q for q in seen if b"filter" in q)
    assert b"filter=dateLastModified%3E%272026-01-01T00%3A00%3A00Z%27" in query


async def test_school_scope_reads_only_that_schools_students(
    fake_oneroster: FakeState, clock: ManualClock, sleeps: Sleeps
) -> None:
    client = client_for(fake_oneroster, clock, sleeps, school_sourced_id="org-school-1")
    students = await client.students()
    await client.aclose()
    assert fake_oneroster.requests[0].path.endswith("/schools/org-school-1/students")
    assert {s["sourcedId"] for s in students if s.get("status") != "tobedeleted"} == set(
        fake_oneroster.pupil_ids()
    )


# --- errors ------------------------------------------------------------------------------


async def test_unknown_student_is_not_found(oneroster_client: OneRosterClient) -> None:
    with pytest.raises(NotFoundError) as caught:
        await oneroster_client.student("stu-99999")
    assert "stu-99999" not in str(caught.value)
    assert "/students/{sourced_id}" in str(caught.value)


@pytest.mark.parametrize(
    ("minor", "error"),
    [
        ("unknownobject", NotFoundError),
        ("server_busy", TransientError),
        ("unauthorisedrequest", AuthError),
        ("invalid_filter_field", RejectedError),
    ],
)
async def test_an_imsx_failure_sent_with_200_is_mapped_without_its_description(
    fake_oneroster: FakeState,
    clock: ManualClock,
    sleeps: Sleeps,
    minor: str,
    error: type[Exception],
) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/oauth/token"):
            return httpx.Response(200, json={"access_token": "t", "expires_in": 3600})
        body = imsx_body(400, minor) | {"imsx_description": "Unknown pupil Ada Lovelace"}
        return httpx.Response(200, json=body)

    client = OneRosterClient(
        settings_for(fake_oneroster), transport=httpx.MockTransport(handler), sleep=sleeps
    )
    with pytest.raises(error) as caught:
        await client.student("stu-00001")
    await client.aclose()
    assert minor in str(caught.value)
    assert "Lovelace" not in str(caught.value)


# --- streaming ---------------------------------------------------------------------------


async def yield_once(seconds: float) -> None:
    await asyncio.sleep(0)  # the fake's latency: let other requests in, no real wait


async def test_pages_are_handed_over_in_order_before_the_roll_is_read(
    clock: ManualClock, sleeps: Sleeps
) -> None:
    state = FakeState(pupils=98, clock=clock, latency_s=0.01, sleep=yield_once)  # 100 students
    client = client_for(state, clock, sleeps, page_size=4, concurrency=2)
    pages = client.student_pages()
    first = await anext(pages)
    asked_after_first = len(state.requests)
    rest = [page async for page in pages]
    await client.aclose()
    assert [s["sourcedId"] for s in first] == [f"stu-{n:05d}" for n in range(1, 5)]
    assert len(first) + sum(map(len, rest)) == 100
    ids = [s["sourcedId"] for page in [first, *rest] for s in page]
    assert ids == sorted(ids)  # offset order, whatever order the answers came in
    assert asked_after_first <= 2 + 2 * 2  # first round, then a window of two per slot
    assert len(state.requests) == 25


async def test_a_window_bounds_the_pages_fetched_ahead_of_the_caller(
    clock: ManualClock, sleeps: Sleeps
) -> None:
    state = FakeState(pupils=98, clock=clock, latency_s=0.01, sleep=yield_once)
    client = client_for(state, clock, sleeps, page_size=4, concurrency=3)
    handed = 0
    ahead: list[int] = []
    async for _ in client.student_pages():
        handed += 1
        for _ in range(20):  # a slow caller: every fetch in flight gets time to finish
            await asyncio.sleep(0)
        ahead.append(len(state.requests) - handed)
    await client.aclose()
    assert handed == 25
    assert max(ahead) <= 2 * 3  # never more than two pages per slot waiting or in flight
    assert state.max_in_flight <= 3


async def test_the_first_two_pages_are_asked_for_at_once(
    fake_oneroster: FakeState, clock: ManualClock, sleeps: Sleeps
) -> None:
    fake_oneroster.latency_s, fake_oneroster.sleep = 0.01, yield_once
    fake_oneroster.touch([f"stu-{n:05d}" for n in range(1, 7)], datetime(2027, 2, 1, tzinfo=UTC))
    client = client_for(fake_oneroster, clock, sleeps, page_size=4)
    changed = await client.students(datetime(2027, 1, 1, tzinfo=UTC))
    await client.aclose()
    assert len(changed) == 6
    assert sorted(offsets(fake_oneroster)) == [0, 4]
    assert fake_oneroster.max_in_flight == 2  # one round trip for a two-page change


async def test_stopping_early_cancels_the_fetches_ahead(clock: ManualClock, sleeps: Sleeps) -> None:
    state = FakeState(pupils=98, clock=clock, latency_s=0.01, sleep=yield_once)
    client = client_for(state, clock, sleeps, page_size=4, concurrency=3)
    async with aclosing(client.student_pages()) as pages:
        async for _ in pages:
            break
    for _ in range(20):
        await asyncio.sleep(0)
    await client.aclose()
    assert state.in_flight == 0
    assert len(state.requests) < 25
    assert [t for t in asyncio.all_tasks() if t is not asyncio.current_task()] == []


# --- demographics ------------------------------------------------------------------------


async def test_birth_dates_of_a_few_pupils_come_from_filtered_requests(
    fake_oneroster: FakeState, clock: ManualClock, sleeps: Sleeps
) -> None:
    wanted = [f"stu-{n:05d}" for n in (2, 3, 5, 7, 11)]
    client = client_for(fake_oneroster, clock, sleeps, page_size=2)
    births = await client.birth_dates_of([*wanted, "stu-99999"])
    await client.aclose()
    expected = {i: fake_oneroster.demographics[i]["birthDate"] for i in wanted}
    assert {i: d.isoformat() if d else None for i, d in births.items()} == expected
    sent = [r.query["filter"][0] for r in fake_oneroster.requests]
    assert len(sent) == 3  # two ids a request (the page size), the unknown one included
    assert all(
        set(f.split(" OR ")) <= {f"sourcedId='{i}'" for i in wanted} | {"sourcedId='stu-99999'"}
        for f in sent
    )


async def test_a_server_refusing_the_filter_is_asked_one_pupil_at_a_time(
    fake_oneroster: FakeState, sleeps: Sleeps
) -> None:
    app = create_app(fake_oneroster)

    async def no_or_filters(scope, receive, send):  # some servers allow one predicate only
        if b"+OR+" in scope["query_string"] or b"%20OR%20" in scope["query_string"]:
            fake_oneroster.fail_next(status=400, times=1)
        await app(scope, receive, send)

    client = OneRosterClient(
        settings_for(fake_oneroster), transport=httpx.ASGITransport(app=no_or_filters), sleep=sleeps
    )
    births = await client.birth_dates_of(["stu-00002", "stu-00003"])
    await client.aclose()
    assert set(births) == {"stu-00002", "stu-00003"}
    assert [r.status for r in fake_oneroster.requests] == [400, 200, 200]
    assert sorted(r.path.rsplit("/", 1)[-1] for r in fake_oneroster.requests[1:]) == [
        "stu-00002",
        "stu-00003",
    ]
