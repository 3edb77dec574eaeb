"""The webhook adapter: signed events any Standard Webhooks library verifies, thin
payloads, idempotent delivery, and verifying what the hub receives."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import structlog
from standardwebhooks import Webhook

from hub.adapters.webhook import WebhookAdapter
from hub.adapters.webhook.fake import SECRET, FakeState, create_app
from hub.adapters.webhook.models import SignatureError, signed_headers
from hub.adapters.webhook.settings import WebhookSettings, secret_bytes
from hub.errors import AuthError
from hub.hooks.types import Notification
from hub.models import School, StaffRole
from tests.factories import T0, fake

SCHOOL = School(id="st-michaels", name="St Michael's", policy_pack="st-michaels")
PUPIL_NAME = fake(77).name()


def settings(**changes: object) -> WebhookSettings:
    values: dict[str, object] = {
        "base_url": "https://receiver.example.test/",
        "path": "/doorstep/events",
        "signing_secret": SECRET,
        "message": {"board_url": "https://hub.example.test/board/{visit_id}"},
    }
    return WebhookSettings.model_validate(values | changes)


def notification(**changes: object) -> Notification:
    values: dict[str, object] = {
        "id": "n-1",
        "school_id": "st-michaels",
        "visit_id": "v-42",
        "channel": "webhook",
        "roles": frozenset({StaffRole.DSL}),
        "staff_ids": ("s-1",),
        "subject": f"{PUPIL_NAME} overdue",
        "body": f"Note about {PUPIL_NAME}",
        "urgent": True,
    }
    return Notification.model_validate(values | changes)


def adapter(state: FakeState, clock: datetime | None = None, **changes: object) -> WebhookAdapter:
    transport = httpx.ASGITransport(app=create_app(state))
    if clock is None:
        return WebhookAdapter(settings(**changes), transport=transport)
    return WebhookAdapter(settings(**changes), transport=transport, clock=lambda: clock)


async def test_an_outgoing_event_verifies_with_the_standardwebhooks_package() -> None:
    captured: list[httpx.Request] = []

    async def receiver(request: httpx.Request) -> httpx.Response:
        captured.append(request)
        return httpx.Response(204)

    sender = WebhookAdapter(settings(), transport=httpx.MockTransport(receiver))
    receipt = await sender.hub_send_notification(SCHOOL, notification(), "escalate:k1:webhook")
    await sender.stop()

    request = captured[0]
    event = Webhook(SECRET).verify(request.content, dict(request.headers))
    assert request.headers["webhook-id"] == "escalate:k1:webhook"
    assert request.url.path == "/doorstep/events"
    assert event["type"] == "notification.sent"
    assert event["data"]["visit_id"] == "v-42"
    assert event["data"]["link"] == "https://hub.example.test/board/v-42"
    assert receipt is not None
    assert receipt.external_id == "escalate:k1:webhook"


async def test_the_payload_strips_the_free_text_unless_full_content_is_allowed() -> None:
    state = FakeState()
    minimal = adapter(state)
    await minimal.hub_send_notification(SCHOOL, notification(), "key-minimal")
    full = adapter(state, message={"content": "full"})
    await full.hub_send_notification(SCHOOL, notification(), "key-full")

    assert PUPIL_NAME not in json.dumps(state.records["key-minimal"])
    assert state.records["key-minimal"]["data"]["subject"] == "Action needed: home visit v-42"
    assert PUPIL_NAME in state.records["key-full"]["data"]["text"]


async def test_the_same_key_twice_posts_once_and_gives_the_same_receipt() -> None:
    state = FakeState()
    sender = adapter(state)
    first = await sender.hub_send_notification(SCHOOL, notification(), "key-1")
    second = await sender.hub_send_notification(SCHOOL, notification(), "key-1")
    assert first == second
    assert len(state.requests) == 1
    assert list(state.records) == ["key-1"]


async def test_another_channel_is_not_served() -> None:
    sender = adapter(FakeState())
    assert await sender.hub_send_notification(SCHOOL, notification(channel="sms"), "k") is None


async def test_a_receiver_with_another_secret_refuses_the_event() -> None:
    state = FakeState(secret="whsec_" + "QUJD" * 8)
    with pytest.raises(AuthError):
        await adapter(state).hub_send_notification(SCHOOL, notification(), "key-1")
    assert state.records == {}


def test_the_known_answer_vector_of_the_spec() -> None:
    key = secret_bytes(
        settings(signing_secret="whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").signing_secret
    )
    at = datetime.fromtimestamp(1614265330, UTC)
    headers = signed_headers(key, "msg_p5jXN8AQM9LWM0D4loKWxJek", b'{"test": 2432232314}', at)
    assert headers["webhook-signature"] == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def incoming(at: datetime, body: bytes = b'{"type":"visit.acknowledged"}') -> dict[str, str]:
    return signed_headers(secret_bytes(settings().signing_secret), "msg-1", body, at)


def test_verify_incoming_accepts_a_fresh_signed_webhook_once() -> None:
    receiver = adapter(FakeState(), clock=T0)
    first = receiver.verify_incoming(
        incoming(T0 - timedelta(minutes=4)), b'{"type":"visit.acknowledged"}'
    )
    again = receiver.verify_incoming(incoming(T0), b'{"type":"visit.acknowledged"}')
    assert first.payload == {"type": "visit.acknowledged"}
    assert not first.duplicate
    assert again.duplicate


def test_verify_incoming_accepts_a_webhook_signed_by_the_standardwebhooks_package() -> None:
    body = '{"type":"visit.acknowledged"}'
    signature = Webhook(SECRET).sign("msg-9", T0, body)
    headers = {
        "Webhook-Id": "msg-9",
        "Webhook-Timestamp": str(int(T0.timestamp())),
        "Webhook-Signature": f"v1,bm90IGl0 {signature}",
    }
    assert adapter(FakeState(), clock=T0).verify_incoming(headers, body.encode()).id == "msg-9"


@pytest.mark.parametrize(
    ("headers", "body", "why"),
    [
        (incoming(T0), b'{"type":"visit.acknowledged","x":1}', "signature"),
        (incoming(T0 - timedelta(minutes=5, seconds=1)), b'{"type":"visit.acknowledged"}', "stale"),
        (incoming(T0 + timedelta(minutes=6)), b'{"type":"visit.acknowledged"}', "stale"),
        ({}, b"{}", "headers"),
        ({**incoming(T0), "webhook-timestamp": "soon"}, b"{}", "number"),
        (
            {**incoming(T0), "webhook-signature": "v1a,AAAA"},
            b'{"type":"visit.acknowledged"}',
            "signature",
        ),
    ],
    ids=["tampered", "stale", "future", "unsigned", "bad-timestamp", "other-scheme"],
)
def test_verify_incoming_refuses(headers: dict[str, str], body: bytes, why: str) -> None:
    with pytest.raises(SignatureError, match=why):
        adapter(FakeState(), clock=T0).verify_incoming(headers, body)


def test_verify_incoming_uses_its_own_secret_when_set() -> None:
    other = "whsec_" + "QUJD" * 8
    receiver = adapter(FakeState(), clock=T0, incoming_secret=other)
    body = b'{"type":"visit.acknowledged"}'
    with pytest.raises(SignatureError):
        receiver.verify_incoming(incoming(T0, body), body)
    assert (
        receiver.verify_incoming(
            signed_headers(
                secret_bytes(settings(signing_secret=other).signing_secret), "m", body, T0
            ),
            body,
        ).id
        == "m"
    )


@pytest.mark.parametrize("secret", ["abc", "whsec_not base64!", "whsec_QUJD"])
def test_a_malformed_secret_is_refused_without_echoing_it(secret: str) -> None:
    with pytest.raises(ValueError, match="webhook secret") as caught:
        settings(signing_secret=secret)
    assert secret not in str(caught.value)


async def test_nothing_personal_is_logged_on_a_retry_or_in_an_error() -> None:
    state = FakeState()
    sender = adapter(state)
    with structlog.testing.capture_logs() as events:
        state.fail_next(status=503, times=1)
        await sender.hub_send_notification(SCHOOL, notification(), "key-1")
        state.fail_next(status=401, times=1)
        with pytest.raises(AuthError) as caught:
            await sender.hub_send_notification(SCHOOL, notification(), "key-2")
    assert [e["event"] for e in events] == ["http.retry"]
    assert PUPIL_NAME not in repr(events)
    assert PUPIL_NAME not in str(caught.value)
    assert SECRET not in repr(events) + str(caught.value)
