"""A fake webhook receiver: an ASGI app that verifies Standard Webhooks signatures with
the ``standardwebhooks`` package (as any receiver would) and keeps one record per
``webhook-id``.

``FakeHttpState`` and ``serve`` are the small ASGI frame the notification fakes share
(teams and govuk_notify build on them): request log, injected failures
(``state.fail_next(status=503, times=2, retry_after=1)``), added latency, JSON answers.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from typing import Any

from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]
Answer = tuple[int, Any, dict[str, str]]


@dataclass(frozen=True)
class Request:
    """One request as a fake sees it: method, path, lower-cased headers, query, body."""

    method: str
    path: str
    headers: dict[str, str]
    query: str
    body: bytes

    def json(self) -> Any:
        """The body as JSON, or None when it is not JSON."""
        try:
            return json.loads(self.body or b"null")
        except ValueError:
            return None


Handler = Callable[[Request], Answer]

SECRET = "whsec_ZG9vcnN0ZXAtZmFrZS13ZWJob29rLWtleS0wMDMyYiE="  # noqa: S105 - the fake's own
"""The signing secret the fake receiver verifies with."""


@dataclass
class FakeHttpState:
    """Knobs every notification fake has: request log, records, failures, latency."""

    page_size: int = 50
    latency_s: float = 0.0
    requests: list[tuple[str, str]] = field(default_factory=list)
    records: dict[str, Any] = field(default_factory=dict)
    _failures: list[tuple[int, int | None]] = field(default_factory=list)

    def fail_next(self, status: int = 503, times: int = 1, retry_after: int | None = None) -> None:
        """Answer the next ``times`` requests with ``status``; ``times=0`` clears."""
        self._failures = [(status, retry_after)] * times

    def take_failure(self) -> tuple[int, int | None] | None:
        """The next injected failure, if any."""
        return self._failures.pop(0) if self._failures else None

    def personal_values(self) -> list[str]:
        """Seeded personal values; a plain receiver holds none."""
        return []


def serve(state: FakeHttpState, handler: Handler) -> ASGIApp:
    """An ASGI app: log the request, wait ``latency_s``, inject a failure or ask ``handler``."""

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        path = scope["path"][len(scope.get("root_path", "")) :] or "/"
        state.requests.append((scope["method"], path))
        if state.latency_s:
            await asyncio.sleep(state.latency_s)
        request = Request(
            method=scope["method"],
            path=path,
            headers={k.decode().lower(): v.decode() for k, v in scope["headers"]},
            query=scope["query_string"].decode(),
            body=await _body(receive),
        )
        status, body, headers = _injected(state) or handler(request)
        raw = b"" if body is None else json.dumps(body).encode()
        head = [(b"content-type", b"application/json"), (b"x-request-id", b"fake-req-1")]
        head += [(k.encode(), v.encode()) for k, v in headers.items()]
        await send({"type": "http.response.start", "status": status, "headers": head})
        await send({"type": "http.response.body", "body": raw})

    return app


def _injected(state: FakeHttpState) -> Answer | None:
    failure = state.take_failure()
    if failure is None:
        return None
    status, retry_after = failure
    headers = {"retry-after": str(retry_after)} if retry_after is not None else {}
    return status, {"error": "injected failure"}, headers


async def _body(receive: Receive) -> bytes:
    body = b""
    while True:
        message = await receive()
        body += bytes(message.get("body", b""))
        if not message.get("more_body"):
            return body


@dataclass
class FakeState(FakeHttpState):
    """The fake receiver's state: ``records`` maps each webhook-id to its event."""

    secret: str = SECRET
    pings: int = 0


def create_app(state: FakeState) -> ASGIApp:
    """The fake webhook receiver serving ``state``: any path, POST only."""

    def handle(request: Request) -> Answer:
        if request.method != "POST":
            return 405, {"error": "method not allowed"}, {}
        try:
            event = Webhook(state.secret).verify(request.body, request.headers)
        except WebhookVerificationError:
            return 401, {"error": "signature refused"}, {}
        if event.get("type") == "doorstep.ping":
            state.pings += 1
        else:
            state.records.setdefault(request.headers["webhook-id"], event)
        return 204, None, {}

    return serve(state, handle)
