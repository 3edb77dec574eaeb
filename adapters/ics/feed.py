"""``create_feed_app``: the ASGI app serving staff feeds at ``/ics/{token}.ics``.

Mount it in the hub's web server (it answers under its own ``/ics/`` prefix, and
honours ``root_path`` when mounted below one). GET and HEAD only. Any token that opens
no feed, and any other path, is the same 404 with the same body, so the answer never
tells whether a member of staff exists or once had a feed. Nothing about the token or
the person is logged; feeds are ``private, no-store`` and ``no-referrer``.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, MutableMapping, Sequence
from datetime import UTC, datetime
from typing import Any

from hub.adapters.ics.client import FeedStore

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]
Clock = Callable[[], datetime]

FEED_PATH = re.compile(r"^/ics/(?P<token>[A-Za-z0-9_-]{20,128})\.ics$")
NOT_FOUND = b"Not found\n"
SAFE_HEADERS = [
    (b"cache-control", b"private, no-store"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-robots-tag", b"noindex, nofollow"),
    (b"x-content-type-options", b"nosniff"),
]


def utc_now() -> datetime:
    """The current time, aware, in UTC."""
    return datetime.now(UTC)


def feed_for(stores: Sequence[FeedStore], token: str, now: datetime) -> bytes | None:
    """The feed ``token`` opens in any of ``stores``, or None. Every store is asked."""
    found = [(store, store.staff_for(token)) for store in stores]
    for store, staff_id in found:
        if staff_id is not None:
            return store.feed(staff_id, now)
    return None


def create_feed_app(stores: Sequence[FeedStore], *, clock: Clock = utc_now) -> ASGIApp:
    """An ASGI app serving each member of staff's feed from ``stores`` (one per school)."""

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        path = scope["path"][len(scope.get("root_path", "")) :] or "/"
        method = scope["method"]
        if method not in ("GET", "HEAD"):
            await _send(
                send, 405, b"Method not allowed\n", b"text/plain", [(b"allow", b"GET, HEAD")]
            )
            return
        match = FEED_PATH.match(path)
        body = feed_for(stores, match["token"], clock()) if match else None
        if body is None:
            await _send(send, 404, NOT_FOUND, b"text/plain; charset=utf-8")
            return
        await _send(
            send,
            200,
            b"" if method == "HEAD" else body,
            b"text/calendar; charset=utf-8",
            length=len(body),
        )

    return app


async def _send(
    send: Send,
    status: int,
    body: bytes,
    content_type: bytes,
    extra: list[tuple[bytes, bytes]] | None = None,
    *,
    length: int | None = None,
) -> None:
    headers = [
        (b"content-type", content_type),
        (b"content-length", str(len(body) if length is None else length).encode()),
        *SAFE_HEADERS,
        *(extra or []),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
