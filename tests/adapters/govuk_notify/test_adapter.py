"""The govuk_notify adapter: API keys, fresh JWTs the official client's decoder accepts,
e-mail, SMS and letters by template, references, the error envelope and 429s."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import httpx
import pytest
import structlog
from notifications_python_client.authentication import decode_jwt_token, get_token_issuer

from hub.adapters.govuk_notify import NotifyAdapter
from hub.adapters.govuk_notify.client import seconds_to_midnight
from hub.adapters.govuk_notify.fake import (
    API_KEY,
    SECRET,
    SERVICE_ID,
    TEMPLATES,
    FakeState,
    create_app,
    seeded_staff,
)
from hub.adapters.govuk_notify.models import parse_api_key
from hub.adapters.govuk_notify.settings import NotifySettings
from hub.errors import AdapterConfigError, AuthError, RejectedError, TransientError
from hub.hooks.types import Notification
from hub.models import School, StaffRole
from tests.factories import fake

SCHOOL = School(id="st-michaels", name="St Michael's", policy_pack="st-michaels")
STAFF = seeded_staff()
PUPIL_NAME = fake(79).name()


def settings(**changes: object) -> NotifySettings:
    values: dict[str, object] = {
        "base_url": "https://notify.fake.test/",
        "api_key": API_KEY,
        "templates": TEMPLATES,
        "channels": {"sms": "sms", "email": "email", "letter": "letter"},
        "sms": {
            "roles": {"dsl": [STAFF["staff-1"]["phone"]]},
            "staff": {"s-2": [STAFF["staff-2"]["phone"]]},
        },
        "email": {"roles": {"office": [STAFF["staff-3"]["email"]]}},
        "letter": {"roles": {"headteacher": [STAFF["staff-1"]["address"]]}},
        "message": {"board_url": "https://hub.example.test/board/{visit_id}"},
    }
    return NotifySettings.model_validate(values | changes)


def notification(**changes: object) -> Notification:
    values: dict[str, object] = {
        "id": "n-1",
        "school_id": "st-michaels",
        "visit_id": "v-42",
        "channel": "sms",
        "roles": frozenset({StaffRole.DSL}),
        "subject": f"{PUPIL_NAME} overdue",
        "body": f"Concern about {PUPIL_NAME}",
        "urgent": True,
    }
    return Notification.model_validate(values | changes)


def adapter(state: FakeState, clock: float | None = None, **changes: object) -> NotifyAdapter:
    transport = httpx.ASGITransport(app=create_app(state))
    if clock is None:
        return NotifyAdapter(settings(**changes), transport=transport)
    return NotifyAdapter(settings(**changes), transport=transport, clock=lambda: clock)


@pytest.mark.parametrize(
    "name", ["doorstep", "my-school-live-key", "a-b-c-d-e-f-g-h-i-j-k-l-m-n-o-p"]
)
def test_an_api_key_name_may_hold_hyphens(name: str) -> None:
    key = parse_api_key(f"{name}-{SERVICE_ID}-{SECRET}")
    assert key.service_id == SERVICE_ID
    assert key.secret == SECRET
    assert SECRET not in repr(key)


@pytest.mark.parametrize(
    "text", ["", SECRET, f"{SERVICE_ID}{SECRET}", f"name-{SERVICE_ID}-{SECRET[:-1]}x-", "x" * 80]
)
def test_a_malformed_key_is_refused_without_quoting_it(text: str) -> None:
    with pytest.raises(ValueError, match=r"not a GOV\.UK Notify API key") as caught:
        parse_api_key(text)
    assert not text or text not in str(caught.value)


async def test_a_request_is_accepted_by_the_official_clients_jwt_decoder() -> None:
    captured: list[httpx.Request] = []

    async def notify(request: httpx.Request) -> httpx.Response:
        captured.append(request)
        if request.method == "GET":
            return httpx.Response(200, json={"notifications": [], "links": {}})
        return httpx.Response(201, json={"id": "11111111-0000-4000-8000-000000000000"})

    sender = NotifyAdapter(settings(), transport=httpx.MockTransport(notify))
    await sender.hub_send_notification(SCHOOL, notification(), "escalate:k1:sms")
    await sender.stop()

    assert [r.method for r in captured] == ["GET", "POST"]
    for request in captured:
        token = request.headers["authorization"].removeprefix("Bearer ")
        assert get_token_issuer(token) == SERVICE_ID
        assert decode_jwt_token(token, SECRET) is True
    sent = json.loads(captured[1].content)
    assert sent["reference"] == "escalate:k1:sms"
    assert sent["template_id"] == TEMPLATES["sms"]
    assert sent["phone_number"] == STAFF["staff-1"]["phone"]


async def test_every_request_gets_a_fresh_token() -> None:
    ticks = iter([1_790_000_000.0, 1_790_000_100.0, 1_790_000_200.0, 1_790_000_300.0])
    tokens: list[str] = []

    async def notify(request: httpx.Request) -> httpx.Response:
        tokens.append(request.headers["authorization"])
        return httpx.Response(503 if len(tokens) == 1 else 200, json={"templates": []})

    sender = NotifyAdapter(
        settings(), transport=httpx.MockTransport(notify), clock=lambda: next(ticks), sleep=_nap
    )
    await sender.hub_health(datetime.now(UTC))
    assert len(tokens) == 2
    assert tokens[0] != tokens[1]


async def _nap(seconds: float) -> None:
    return None


async def test_a_clock_more_than_30_seconds_out_is_refused_by_the_fake() -> None:
    state = FakeState(clock=lambda: 1_790_000_000.0)
    with pytest.raises(AuthError):
        await adapter(state, clock=1_790_000_031.0).hub_send_notification(
            SCHOOL, notification(), "k"
        )
    receipt = await adapter(state, clock=1_790_000_029.0).hub_send_notification(
        SCHOOL, notification(), "k"
    )
    assert receipt is not None
    assert len(state.records) == 1


async def test_sms_email_and_letter_each_use_their_template_and_directory() -> None:
    state = FakeState()
    notify = adapter(state)
    await notify.hub_send_notification(SCHOOL, notification(), "k-sms")
    office = frozenset({StaffRole.OFFICE})
    await notify.hub_send_notification(SCHOOL, notification(channel="email", roles=office), "k-e")
    head = frozenset({StaffRole.HEADTEACHER})
    await notify.hub_send_notification(SCHOOL, notification(channel="letter", roles=head), "k-l")
    sent = {r["type"]: r for r in state.records.values()}
    assert sent["sms"]["phone_number"] == STAFF["staff-1"]["phone"]
    assert sent["email"]["email_address"] == STAFF["staff-3"]["email"]
    letter = sent["letter"]["personalisation"]
    assert letter["address_line_1"] == STAFF["staff-1"]["address"].splitlines()[0]
    assert letter["address_line_3"] == STAFF["staff-1"]["address"].splitlines()[2]


async def test_the_message_is_minimal_unless_full_content_is_allowed() -> None:
    state = FakeState()
    await adapter(state).hub_send_notification(SCHOOL, notification(), "k-1")
    await adapter(state, message={"content": "full"}).hub_send_notification(
        SCHOOL, notification(), "k-2"
    )
    minimal, full = list(state.records.values())
    assert PUPIL_NAME not in json.dumps(minimal)
    assert minimal["personalisation"]["link"] == "https://hub.example.test/board/v-42"
    assert PUPIL_NAME in full["personalisation"]["body"]


async def test_each_recipient_gets_its_own_reference() -> None:
    state = FakeState()
    both = notification(staff_ids=("s-2",))
    await adapter(state).hub_send_notification(SCHOOL, both, "k-1")
    assert sorted(r["reference"] for r in state.records.values()) == ["k-1", "k-1:1"]


async def test_after_a_crash_a_new_instance_finds_the_reference_and_sends_nothing() -> None:
    state = FakeState()
    first = await adapter(state).hub_send_notification(SCHOOL, notification(), "k-1")
    again = await adapter(state).hub_send_notification(SCHOOL, notification(), "k-1")
    assert first is not None
    assert again is not None
    assert again.external_id == first.external_id
    assert len(state.records) == 1


async def test_a_channel_it_does_not_serve_is_declined() -> None:
    notify = adapter(FakeState(), channels={"sms": "sms"})
    assert await notify.hub_send_notification(SCHOOL, notification(channel="email"), "k") is None


async def test_a_kind_without_a_template_is_a_config_error() -> None:
    notify = adapter(FakeState(), templates={"sms": None})
    with pytest.raises(AdapterConfigError, match="no sms template"):
        await notify.hub_send_notification(SCHOOL, notification(), "k")


async def test_the_error_envelope_maps_without_echoing_its_message() -> None:
    async def notify(request: httpx.Request) -> httpx.Response:
        if request.method == "GET":
            return httpx.Response(200, json={"notifications": []})
        errors = [{"error": "BadRequestError", "message": f"Can't send to {PUPIL_NAME}"}]
        return httpx.Response(400, json={"status_code": 400, "errors": errors})

    sender = NotifyAdapter(settings(), transport=httpx.MockTransport(notify))
    with structlog.testing.capture_logs() as events, pytest.raises(RejectedError) as caught:
        await sender.hub_send_notification(SCHOOL, notification(), "k")
    assert PUPIL_NAME not in str(caught.value) + repr(events)
    assert {
        "event": "govuk_notify.error",
        "status": 400,
        "errors": ["BadRequestError"],
        "log_level": "info",
    } in events


async def test_the_daily_limit_waits_until_midnight_in_london() -> None:
    now = datetime(2026, 11, 23, 23, 0, tzinfo=UTC).timestamp()

    async def notify(request: httpx.Request) -> httpx.Response:
        errors = [{"error": "TooManyRequestsError", "message": "Exceeded send limits"}]
        return httpx.Response(429, json={"status_code": 429, "errors": errors})

    sender = NotifyAdapter(settings(), transport=httpx.MockTransport(notify), clock=lambda: now)
    with pytest.raises(TransientError) as caught:
        await sender.hub_send_notification(SCHOOL, notification(), "k")
    assert caught.value.retry_after == 3600


def test_seconds_to_midnight_follows_british_summer_time() -> None:
    assert seconds_to_midnight(datetime(2026, 7, 1, 22, 30, tzinfo=UTC).timestamp()) == 1800
    assert seconds_to_midnight(datetime(2026, 1, 1, 22, 30, tzinfo=UTC).timestamp()) == 5400


async def test_the_per_minute_limit_is_retried_with_its_hint() -> None:
    state = FakeState()
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    notify = NotifyAdapter(
        settings(), transport=httpx.ASGITransport(app=create_app(state)), sleep=sleep
    )
    state.fail_next(status=429, times=1, retry_after=3)
    await notify.hub_send_notification(SCHOOL, notification(), "k")
    assert waits == [3.0]
    assert len(state.records) == 1


def test_settings_never_show_the_key() -> None:
    shown = repr(settings()) + settings().model_dump_json()
    assert SECRET not in shown
    with pytest.raises(ValueError, match=r"not a GOV\.UK Notify API key") as caught:
        settings(api_key="live-" + SECRET)
    assert SECRET not in str(caught.value)
