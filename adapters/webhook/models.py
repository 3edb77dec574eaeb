"""Standard Webhooks on the wire: the event the hub sends, its signature, and checking
the signature of what the hub receives.

Signed content is ``{webhook-id}.{webhook-timestamp}.{raw body}`` (HMAC-SHA256, the
``standardwebhooks`` package's ``Webhook.sign``); ``webhook-signature`` is a space-separated
list of ``v1,<base64>`` entries so a sender can rotate keys. Payloads are thin: ids and
the minimal message, never a pupil's name or note text unless the school allows it.
"""

from __future__ import annotations

import base64
import hmac
import json
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import Field
from standardwebhooks import Webhook

from hub.errors import AdapterError
from hub.hooks.types import Notification
from hub.models.base import DomainModel, UtcDateTime, personal
from hub.notify import Message

EVENT_TYPE = "notification.sent"
PING_TYPE = "doorstep.ping"
HEADERS = ("webhook-id", "webhook-timestamp", "webhook-signature")


class SignatureError(AdapterError):
    """An incoming webhook whose headers, timestamp or signature do not check out."""


class IncomingWebhook(DomainModel):
    """A verified incoming webhook. ``duplicate``: its id was seen before (process once)."""

    id: str = Field(min_length=1)
    timestamp: UtcDateTime
    payload: Any = personal()
    duplicate: bool = False


def notification_event(
    notification: Notification, message: Message, idempotency_key: str, now: datetime
) -> dict[str, Any]:
    """The event body for one notification: ids, flags and the composed message."""
    return {
        "type": EVENT_TYPE,
        "timestamp": now.astimezone(UTC).isoformat(),
        "data": {
            "id": idempotency_key,
            "notification_id": notification.id,
            "school_id": notification.school_id,
            "visit_id": notification.visit_id,
            "channel": notification.channel,
            "roles": sorted(role.value for role in notification.roles),
            "staff_ids": list(notification.staff_ids),
            "urgent": message.urgent,
            "silent": notification.silent,
            "subject": message.subject,
            "text": "\n\n".join(message.lines),
            "link": message.link,
        },
    }


def ping_event(now: datetime) -> dict[str, Any]:
    """The event health checks send; receivers answer 2xx and otherwise ignore it."""
    return {"type": PING_TYPE, "timestamp": now.astimezone(UTC).isoformat(), "data": {}}


def encode(event: Mapping[str, Any]) -> bytes:
    """The raw body: compact JSON, the exact bytes that are signed."""
    return json.dumps(event, separators=(",", ":"), sort_keys=True).encode()


def signed_headers(key: bytes, msg_id: str, body: bytes, now: datetime) -> dict[str, str]:
    """The three Standard Webhooks headers for ``body`` sent at ``now``."""
    seconds = int(now.timestamp())
    signature = Webhook(key).sign(msg_id, datetime.fromtimestamp(seconds, UTC), body.decode())
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(seconds),
        "webhook-signature": signature,
        "content-type": "application/json",
    }


def verify(
    keys: list[bytes],
    headers: Mapping[str, str],
    body: bytes,
    *,
    now: datetime,
    tolerance: timedelta,
    adapter: str,
) -> tuple[str, datetime, Any]:
    """Check an incoming webhook: its headers, its age within ``tolerance`` of ``now``
    and a ``v1`` signature by any of ``keys``; returns (id, timestamp, parsed body).

    Raises ``SignatureError`` naming what failed, never a header value or the body.
    """
    lowered = {k.lower(): v for k, v in headers.items()}
    msg_id, stamp, signatures = (lowered.get(name, "") for name in HEADERS)
    if not (msg_id and stamp and signatures):
        raise SignatureError(f"{adapter}: incoming webhook lacks its signature headers")
    try:
        sent_at = datetime.fromtimestamp(int(stamp), UTC)
    except (ValueError, OverflowError):
        raise SignatureError(f"{adapter}: incoming webhook-timestamp is not a number") from None
    if abs(now - sent_at) > tolerance:
        raise SignatureError(f"{adapter}: incoming webhook is stale or from the future")
    try:
        text = body.decode()
    except UnicodeDecodeError:
        raise SignatureError(f"{adapter}: incoming webhook body is not UTF-8") from None
    if not any(_matches(key, msg_id, sent_at, text, signatures) for key in keys):
        raise SignatureError(f"{adapter}: incoming webhook signature does not match")
    try:
        return msg_id, sent_at, json.loads(text)
    except ValueError:
        raise SignatureError(f"{adapter}: incoming webhook body is not JSON") from None


def _matches(key: bytes, msg_id: str, sent_at: datetime, text: str, signatures: str) -> bool:
    expected = base64.b64decode(Webhook(key).sign(msg_id, sent_at, text).split(",", 1)[1])
    for entry in signatures.split(" "):
        version, _, value = entry.partition(",")
        if version != "v1":
            continue
        try:
            given = base64.b64decode(value, validate=True)
        except ValueError:
            continue
        if hmac.compare_digest(expected, given):
            return True
    return False
