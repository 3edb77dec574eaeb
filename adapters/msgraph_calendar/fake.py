"""A fake Microsoft Graph (calendars) and its token endpoint, as one ASGI app.

It behaves like the real services where the adapter depends on it:

- ``POST /{tenant}/oauth2/v2.0/token``: the client-credentials grant; a wrong client
  id or secret is 401 ``invalid_client``, an unknown tenant 400; tokens live
  ``token_lifetime_s`` and ``state.revoke_tokens()`` makes Graph refuse them early.
- Graph: ``Authorization: Bearer`` required (401 ``InvalidAuthenticationToken``);
  ``GET /users/{m}/calendar``; ``GET /users/{m}/events`` with the extended-property
  ``$filter`` Doorstep uses, paged by ``page_size`` with ``@odata.nextLink``;
  ``POST /users/{m}/events`` deduplicated on ``transactionId`` (the same id gives the
  same event, 201 again); ``PATCH``; ``POST .../cancel`` (the event moves to Deleted
  Items, so lists no longer show it) and ``DELETE``; 404 ``ErrorItemNotFound`` for an
  unknown mailbox or event; errors in Graph's envelope with a request id.
- Trouble, on Graph routes only (the token endpoint is a separate service):
  ``state.fail_next(status=429, times=1, retry_after=2)``, ``state.latency_s``, and
  ``state.lose_next_create()`` (the event is made, the answer is a 504) and
  ``state.refuse_next_create(status=503)`` (nothing is made).

Mailboxes and display names come from Faker ``en_GB`` with a fixed seed; seeded events
carry Faker addresses as locations.
"""

from __future__ import annotations

import asyncio
import json
import re
import secrets
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode

from faker import Faker

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]
Answer = tuple[int, Any, dict[str, str]]

TENANT = "fake-tenant.example"
CLIENT_ID = "00000000-fake-4c1e-9d00-doorstep0001"
CLIENT_SECRET = "fake-graph-secret-7Qv~b2"  # noqa: S105 - the fake's own secret
DOMAIN = "school.example"
MAILBOXES = tuple(f"staff{n}@{DOMAIN}" for n in range(1, 7))
"""The mailboxes the fake knows; the contract test maps kit staff onto the first two."""

_TOKEN = re.compile(r"^/(?P<tenant>[^/]+)/oauth2/v2\.0/token/?$")
_USER = re.compile(
    r"^/users/(?P<mailbox>[^/]+)/(?:(?P<calendar>calendar)|events"
    r"(?:/(?P<event>[^/]+)(?:/(?P<action>cancel))?)?)/?$"
)
_FILTER_VALUE = re.compile(
    r"ep/id eq '(?P<id>(?:[^']|'')*)' and ep/value eq '(?P<value>(?:[^']|'')*)'"
)


@dataclass
class FakeState:
    """The fake tenant's mailboxes, events and knobs. Seeded: every run sees the same."""

    seed: int = 5150
    page_size: int = 10
    latency_s: float = 0.0
    token_lifetime_s: int = 3599
    dedupe_transactions: bool = True
    requests: list[tuple[str, str]] = field(default_factory=list)
    users: dict[str, str] = field(default_factory=dict)
    events: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    tokens: set[str] = field(default_factory=set)
    tokens_issued: int = 0
    _failures: list[tuple[int, int | None]] = field(default_factory=list)
    _lose_creates: int = 0
    _refused_creates: list[int] = field(default_factory=list)
    _next_id: int = 0

    def __post_init__(self) -> None:
        faker = Faker("en_GB")
        faker.seed_instance(self.seed)
        for mailbox in MAILBOXES:
            self.users[mailbox] = faker.name()
            self.events[mailbox] = {}
        for mailbox in MAILBOXES[2:4]:
            self._store(
                mailbox,
                {
                    "subject": "Parents' evening",
                    "location": {"displayName": faker.street_address()},
                    "attendees": [],
                },
            )

    # --- knobs --------------------------------------------------------------------------

    def fail_next(self, status: int = 503, times: int = 1, retry_after: int | None = None) -> None:
        """Answer the next ``times`` Graph requests with ``status``; ``times=0`` clears."""
        self._failures = [(status, retry_after)] * times

    def lose_next_create(self, times: int = 1) -> None:
        """Make the next ``times`` creates land, but answer each with a 504."""
        self._lose_creates = times

    def refuse_next_create(self, status: int = 503, times: int = 1) -> None:
        """Answer the next ``times`` creates with ``status``, making nothing."""
        self._refused_creates = [status] * times

    def revoke_tokens(self) -> None:
        """Refuse every token issued so far (as when an admin revokes the app's sessions)."""
        self.tokens.clear()

    # --- what the kit and tests read ----------------------------------------------------

    @property
    def records(self) -> list[dict[str, Any]]:
        """Every event Doorstep created (seeded ones excluded), cancelled ones included."""
        return [e for box in self.events.values() for e in box.values() if e.get("transactionId")]

    def live(self, mailbox: str) -> list[dict[str, Any]]:
        """The events in ``mailbox``'s calendar (not cancelled or deleted)."""
        return [e for e in self.events.get(mailbox, {}).values() if not e.get("_removed")]

    def personal_values(self) -> list[str]:
        """Staff names and mailboxes and seeded locations: never in a log or an error."""
        values = [*self.users.values(), *self.users]
        for box in self.events.values():
            values += [e["location"]["displayName"] for e in box.values() if e.get("location")]
        return values

    def take_failure(self) -> tuple[int, int | None] | None:
        """The next injected failure, if any."""
        return self._failures.pop(0) if self._failures else None

    def _store(self, mailbox: str, body: dict[str, Any]) -> dict[str, Any]:
        self._next_id += 1
        event = {**body, "id": f"AAMkFake{self._next_id:04d}=", "isCancelled": False}
        self.events[mailbox][event["id"]] = event
        return event


def create_app(state: FakeState) -> ASGIApp:
    """The fake Graph and token endpoint serving ``state``."""

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        path = scope["path"][len(scope.get("root_path", "")) :] or "/"
        state.requests.append((scope["method"], path))
        if state.latency_s:
            await asyncio.sleep(state.latency_s)
        body = await _read(receive)
        status, payload, headers = _answer(state, scope, path, body)
        raw = b"" if payload is None else json.dumps(payload).encode()
        head = [(b"content-type", b"application/json"), (b"request-id", b"fake-graph-req-1")]
        head += [(k.encode(), v.encode()) for k, v in headers.items()]
        await send({"type": "http.response.start", "status": status, "headers": head})
        await send({"type": "http.response.body", "body": raw})

    return app


async def _read(receive: Receive) -> bytes:
    body = b""
    while True:
        message = await receive()
        body += bytes(message.get("body", b""))
        if not message.get("more_body"):
            return body


def _error(status: int, code: str, headers: dict[str, str] | None = None) -> Answer:
    inner = {"request-id": "fake-graph-req-1", "date": "2026-11-23T09:00:00"}
    return status, {"error": {"code": code, "message": code, "innerError": inner}}, headers or {}


def _answer(state: FakeState, scope: Scope, path: str, body: bytes) -> Answer:
    token = _TOKEN.match(path)
    if token is not None and scope["method"] == "POST":
        return _issue_token(state, token["tenant"], body)
    failure = state.take_failure()
    if failure is not None:
        status, retry_after = failure
        headers = {"retry-after": str(retry_after)} if retry_after is not None else {}
        return _error(status, "injectedFailure", headers)
    headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
    bearer = headers.get("authorization", "").removeprefix("Bearer ")
    if bearer not in state.tokens:
        return _error(401, "InvalidAuthenticationToken")
    match = _USER.match(path)
    if match is None or match["mailbox"] not in state.events:
        return _error(404, "ErrorInvalidUser")
    return _graph(state, scope, match, body)


def _issue_token(state: FakeState, tenant: str, body: bytes) -> Answer:
    form = dict(parse_qsl(body.decode()))
    if tenant != TENANT:
        return 400, {"error": "invalid_request", "error_description": "AADSTS90002"}, {}
    if form.get("grant_type") != "client_credentials" or not form.get("scope"):
        return 400, {"error": "invalid_request"}, {}
    if form.get("client_id") != CLIENT_ID or form.get("client_secret") != CLIENT_SECRET:
        return 401, {"error": "invalid_client", "error_description": "AADSTS7000215"}, {}
    issued = secrets.token_urlsafe(24)
    state.tokens.add(issued)
    state.tokens_issued += 1
    answer = {"token_type": "Bearer", "expires_in": state.token_lifetime_s, "access_token": issued}
    return 200, answer, {}


def _graph(state: FakeState, scope: Scope, match: re.Match[str], body: bytes) -> Answer:
    mailbox, event_id, method = match["mailbox"], match["event"], scope["method"]
    if match["calendar"]:
        return (200, {"id": f"calendar-{mailbox}"}, {}) if method == "GET" else _error(405, "x")
    if event_id is None:
        if method == "GET":
            return _list(state, scope, mailbox)
        if method == "POST":
            return _create(state, mailbox, json.loads(body or b"{}"))
        return _error(405, "ErrorInvalidRequest")
    event = state.events[mailbox].get(event_id)
    if event is None or event.get("_removed"):
        return _error(404, "ErrorItemNotFound")
    if match["action"] == "cancel" and method == "POST":
        if not event.get("attendees"):
            return _error(400, "ErrorMeetingRequestNotAllowed")
        event.update(isCancelled=True, _removed=True)
        return 202, None, {}
    if method == "PATCH":
        event.update(json.loads(body or b"{}"))
        return 200, _public(event), {}
    if method == "DELETE":
        event["_removed"] = True
        return 204, None, {}
    return _error(405, "ErrorInvalidRequest")


def _create(state: FakeState, mailbox: str, body: dict[str, Any]) -> Answer:
    if state._refused_creates:
        return _error(state._refused_creates.pop(0), "injectedFailure")
    if not body.get("subject") or "start" not in body or "end" not in body:
        return _error(400, "ErrorInvalidRequest")
    transaction = body.get("transactionId")
    if state.dedupe_transactions and transaction:
        for event in state.events[mailbox].values():
            if event.get("transactionId") == transaction:
                return 201, _public(event), {}
    event = state._store(mailbox, body)
    if state._lose_creates:
        state._lose_creates -= 1
        return _error(504, "GatewayTimeout")
    return 201, _public(event), {}


def _list(state: FakeState, scope: Scope, mailbox: str) -> Answer:
    query = dict(parse_qsl(scope["query_string"].decode()))
    wanted = _FILTER_VALUE.search(query.get("$filter", ""))
    events = state.live(mailbox)
    if wanted is not None:
        prop_id, value = (wanted[k].replace("''", "'") for k in ("id", "value"))
        events = [e for e in events if _property(e, prop_id) == value]
    skip = int(query.get("$skip", "0"))
    page = events[skip : skip + max(1, state.page_size)]
    answer: dict[str, Any] = {"value": [_public(e) for e in page]}
    if skip + len(page) < len(events):
        following = {**query, "$skip": str(skip + len(page))}
        host = dict(scope["headers"]).get(b"host", b"graph.fake").decode()
        prefix = f"{scope.get('scheme', 'https')}://{host}{scope.get('root_path', '')}"
        answer["@odata.nextLink"] = f"{prefix}/users/{mailbox}/events?{urlencode(following)}"
    return 200, answer, {}


def _property(event: dict[str, Any], prop_id: str) -> str | None:
    for prop in event.get("singleValueExtendedProperties") or []:
        if str(prop.get("id", "")).casefold() == prop_id.casefold():
            return str(prop.get("value"))
    return None


def _public(event: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in event.items() if not k.startswith("_")}
