"""The Microsoft Graph calendar adapter against its fake: book, move, cancel, exactly once."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest

from hub.adapters.msgraph_calendar import MsGraphCalendarAdapter
from hub.adapters.msgraph_calendar.client import MsGraphCalendarClient
from hub.adapters.msgraph_calendar.fake import (
    CLIENT_ID,
    CLIENT_SECRET,
    MAILBOXES,
    TENANT,
    FakeState,
    create_app,
)
from hub.adapters.msgraph_calendar.models import KEY_PROPERTY, VISIT_PROPERTY, transaction_id
from hub.adapters.msgraph_calendar.settings import MsGraphCalendarSettings
from hub.errors import AdapterConfigError, AuthError, TransientError
from hub.hooks.types import CalendarEvent
from hub.models import VisitState
from hub.testing.harness import RecordingSleep
from hub.testing.logs import assert_error_is_safe
from tests.factories import T0, fake, visit

URL = "https://graph.fake.test/"
LEAD, SECOND, SHARED = MAILBOXES[0], MAILBOXES[1], MAILBOXES[5]
ADDRESS = fake(91).street_address()


def settings(**changes: Any) -> MsGraphCalendarSettings:
    values: dict[str, Any] = {
        "base_url": URL,
        "authority_url": URL,
        "tenant_id": TENANT,
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "mailboxes": {"s-1": LEAD, "s-2": SECOND},
    }
    return MsGraphCalendarSettings.model_validate(values | changes)


def booking(hours: int = 1, staff: tuple[str, ...] = ("s-1", "s-2")) -> CalendarEvent:
    return CalendarEvent(
        id="e-1",
        school_id="st-michaels",
        visit_id="v-1",
        starts_at=T0 + timedelta(hours=hours),
        ends_at=T0 + timedelta(hours=hours + 1),
        staff_ids=staff,
        location=ADDRESS,
    )


def adapter(state: FakeState, **changes: Any) -> MsGraphCalendarAdapter:
    transport = httpx.ASGITransport(app=create_app(state))
    return MsGraphCalendarAdapter(settings(**changes), transport=transport, sleep=RecordingSleep())


async def push(
    graph: MsGraphCalendarAdapter,
    key: str,
    event: CalendarEvent | None = None,
    **visit_changes: Any,
) -> Any:
    return await graph.hub_push_calendar_event(
        visit=visit(**visit_changes), event=event or booking(), idempotency_key=key
    )


async def test_a_booking_is_one_private_event_with_the_second_member_of_staff_invited() -> None:
    state = FakeState()
    receipt = await push(adapter(state), "k-1")
    [made] = state.live(LEAD)
    assert receipt.external_id == made["id"]
    assert receipt.created
    assert made["subject"] == "Home visit"
    assert made["sensitivity"] == "private"
    assert made["location"] == {"displayName": ADDRESS}
    assert made["start"] == {"dateTime": "2026-11-23T10:00:00", "timeZone": "UTC"}
    assert [a["emailAddress"]["address"] for a in made["attendees"]] == [SECOND]
    assert made["transactionId"] == transaction_id("k-1")
    props = {p["id"]: p["value"] for p in made["singleValueExtendedProperties"]}
    assert props == {VISIT_PROPERTY: "st-michaels:v-1", KEY_PROPERTY: "k-1"}


async def test_a_shared_organiser_mailbox_invites_every_member_of_staff() -> None:
    state = FakeState()
    await push(adapter(state, organiser_mailbox=SHARED), "k-1")
    [made] = state.live(SHARED)
    assert [a["emailAddress"]["address"] for a in made["attendees"]] == [LEAD, SECOND]
    assert state.live(LEAD) == []


async def test_the_same_key_twice_books_once_and_gives_the_same_receipt() -> None:
    state = FakeState()
    graph = adapter(state)
    first, second = await push(graph, "k-1"), await push(graph, "k-1")
    assert first.created
    assert second.external_id == first.external_id
    assert not second.created
    assert len(state.records) == 1


async def test_a_new_version_moves_the_same_booking() -> None:
    state = FakeState()
    graph = adapter(state)
    first = await push(graph, "k-1")
    moved = await push(graph, "k-2", booking(hours=3), version=2)
    [event] = state.live(LEAD)
    assert moved.external_id == first.external_id
    assert moved.created
    assert event["start"]["dateTime"] == "2026-11-23T12:00:00"
    assert ("PATCH", f"/users/{LEAD}/events/{first.external_id}") in state.requests
    assert len(state.records) == 1


async def test_a_withdrawn_visit_cancels_the_meeting_once() -> None:
    state = FakeState()
    graph = adapter(state)
    await push(graph, "k-1")
    cancelled = await push(graph, "k-2", state=VisitState.WITHDRAWN)
    again = await push(graph, "k-2", state=VisitState.WITHDRAWN)
    assert state.live(LEAD) == []
    assert state.records[0]["isCancelled"]
    assert cancelled.external_id == again.external_id == "st-michaels:v-1"
    assert cancelled.created
    assert not again.created
    assert sum(1 for method, path in state.requests if path.endswith("/cancel")) == 1


async def test_a_solo_booking_without_attendees_is_deleted_when_withdrawn() -> None:
    state = FakeState()
    graph = adapter(state)
    await push(graph, "k-1", booking(staff=("s-1",)), staff_ids=("s-1",))
    await push(graph, "k-2", booking(staff=("s-1",)), staff_ids=("s-1",), state="withdrawn")
    assert state.live(LEAD) == []
    assert any(method == "DELETE" for method, _ in state.requests)


@pytest.mark.parametrize("dedupe", [True, False])
async def test_a_create_whose_answer_is_lost_is_found_not_booked_twice(dedupe: bool) -> None:
    state = FakeState(dedupe_transactions=dedupe)
    graph = adapter(state)
    state.lose_next_create()
    receipt = await push(graph, "k-1")
    again = await push(graph, "k-1")
    assert len(state.records) == 1
    assert receipt.external_id == again.external_id == state.records[0]["id"]


async def test_a_create_that_failed_without_landing_raises_for_the_engine_to_retry() -> None:
    state = FakeState()
    graph = adapter(state)
    state.refuse_next_create(status=503)
    with pytest.raises(TransientError) as caught:
        await push(graph, "k-1")
    assert caught.value.status == 503
    assert sum(1 for method, _ in state.requests if method == "POST") == 2  # token, create
    retried = await push(graph, "k-1")
    assert retried.created
    assert len(state.records) == 1


async def test_a_throttled_move_waits_for_retry_after() -> None:
    state = FakeState()
    sleep = RecordingSleep()
    graph = MsGraphCalendarAdapter(
        settings(), transport=httpx.ASGITransport(app=create_app(state)), sleep=sleep
    )
    await push(graph, "k-1")
    state.fail_next(status=429, times=1, retry_after=3)
    await push(graph, "k-2", booking(hours=4), version=2)
    assert 3 in sleep.calls
    assert state.live(LEAD)[0]["start"]["dateTime"] == "2026-11-23T13:00:00"


async def test_one_token_serves_many_pushes_and_a_revoked_token_is_renewed() -> None:
    state = FakeState()
    graph = adapter(state)
    await push(graph, "k-1")
    await push(graph, "k-2", version=2)
    assert state.tokens_issued == 1
    state.revoke_tokens()
    await push(graph, "k-3", version=3)
    assert state.tokens_issued == 2


async def test_a_token_is_renewed_before_it_expires() -> None:
    state = FakeState(token_lifetime_s=3600)
    now = [0.0]
    client = MsGraphCalendarClient(
        settings(),
        transport=httpx.ASGITransport(app=create_app(state)),
        clock=lambda: now[0],
    )
    first = await client.tokens.token()
    now[0] = 3600 - 300 - 1
    assert await client.tokens.token() == first
    now[0] = 3600 - 300
    assert await client.tokens.token() != first
    assert state.tokens_issued == 2
    await client.aclose()


async def test_a_wrong_client_secret_is_an_auth_error_without_the_secret() -> None:
    state = FakeState()
    graph = adapter(state, client_secret="not-the-right-secret-Xy9")
    with pytest.raises(AuthError) as caught:
        await push(graph, "k-1")
    assert_error_is_safe(caught.value, ["not-the-right-secret-Xy9", ADDRESS, LEAD])
    assert state.records == []


async def test_an_unknown_tenant_is_an_auth_error_naming_what_to_check() -> None:
    graph = adapter(FakeState(), tenant_id="other-tenant.example")
    with pytest.raises(AuthError, match="tenant_id, client_id and client_secret"):
        await push(graph, "k-1")


async def test_a_lead_without_a_mailbox_is_a_configuration_error() -> None:
    state = FakeState()
    graph = adapter(state, mailboxes={"s-2": SECOND})
    with pytest.raises(AdapterConfigError, match="organiser_mailbox"):
        await push(graph, "k-1")
    assert state.requests == []


async def test_staff_without_a_mailbox_are_left_out_of_the_invite() -> None:
    state = FakeState()
    await push(adapter(state, mailboxes={"s-1": LEAD}), "k-1")
    assert state.live(LEAD)[0]["attendees"] == []


async def test_health_reports_a_missing_mailbox_setting_and_an_unknown_mailbox() -> None:
    none = await adapter(FakeState(), mailboxes={}).hub_health(now=T0)
    assert not none.ok
    assert "mailboxes" in none.detail
    unknown = await adapter(FakeState(), organiser_mailbox="nobody@school.example").hub_health(
        now=T0
    )
    assert not unknown.ok
    assert "does not exist" in unknown.detail
    assert "nobody" not in unknown.detail


def test_a_link_local_authority_is_refused() -> None:
    with pytest.raises(ValueError, match="never reachable"):
        settings(authority_url="http://169.254.169.254/")


async def test_stop_closes_graph_and_token_connections() -> None:
    graph = adapter(FakeState())
    await push(graph, "k-1")
    await graph.stop()
    await graph.stop()
    with pytest.raises(RuntimeError):
        await push(graph, "k-2")
