"""A fake OneRoster 1.2 rostering service: an ASGI app over seeded, in-memory data.

It behaves like a real server where Doorstep depends on it: an OAuth2 client
credentials token endpoint issuing expiring bearer tokens (HTTP Basic or form-body
client authentication), 401 for a missing, unknown or expired token, ``limit`` /
``offset`` paging with ``X-Total-Count`` and a server page cap, the ``filter``
syntax on a few fields, and ``imsx_StatusInfo`` error envelopes. Failures (429,
5xx) and latency are injected through the state. Every person is generated with
Faker ``en_GB`` from a fixed seed; nothing is real.

Routes match on the path's end, so the app works mounted under any prefix:
``.../oauth/token`` and ``.../ims/oneroster/rostering/v1p2/<resource>`` (or
``/<resource>`` at the root, when the base URL has no OneRoster prefix).
"""

from __future__ import annotations

import asyncio
import base64
import json
import re
import secrets
import time
from bisect import bisect_left, bisect_right, insort
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import cache, lru_cache
from typing import Any
from urllib.parse import parse_qs

from faker import Faker

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

API_PREFIX = "/ims/oneroster/rostering/v1p2"
TOKEN_PATH = "/oauth/token"  # noqa: S105 - a path, not a secret
SCHOOL_ORG = "org-school-1"
OTHER_SCHOOL_ORG = "org-school-2"
FILTER_FIELDS = frozenset({"dateLastModified", "status", "sourcedId"})
_MINOR = {
    400: "invalid_filter_field",
    401: "unauthorisedrequest",
    403: "forbidden",
    404: "unknownobject",
    422: "invaliddata",
    429: "server_busy",
}


@dataclass
class RequestRecord:
    """One request the fake received: method, path, query and the status it answered."""

    method: str
    path: str
    query: dict[str, list[str]]
    status: int = 0


@dataclass
class _Failure:
    status: int
    times: int
    retry_after: int | None


@dataclass
class FakeState:
    """Seeded OneRoster data and the knobs tests turn.

    ``pupils`` students in the school org (plus one in another org and one marked
    ``tobedeleted``), each with one or two agents (guardian, parent or relative),
    some shared between siblings; a teacher; demographics for every student.
    ``page_size`` caps ``limit`` as a real server does (set it to 1 to force one
    record per page). ``clock`` decides token expiry.
    """

    pupils: int = 12
    seed: int = 20261123
    page_size: int = 100
    client_id: str = "doorstep-fake-client"
    client_secret: str = "fake-secret-8d41c7"  # noqa: S105 - the fake's own
    token_lifetime_s: float = 3600.0
    total_count_header: bool = True
    latency_s: float = 0.0
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    demographics: dict[str, dict[str, Any]] = field(default_factory=dict)
    tokens: dict[str, float] = field(default_factory=dict)
    requests: list[RequestRecord] = field(default_factory=list)
    token_requests: list[RequestRecord] = field(default_factory=list)
    records: list[object] = field(default_factory=list)
    tokens_issued: int = 0
    in_flight: int = 0
    max_in_flight: int = 0
    version: int = 0
    """Bumped by every change through a knob (``touch``), so the app's filters refresh."""
    _failures: list[_Failure] = field(default_factory=list)
    _modified: list[tuple[str, str]] = field(default_factory=list)
    _modified_size: int = -1

    def __post_init__(self) -> None:
        faker = Faker("en_GB")
        faker.seed_instance(self.seed)
        people = _People(faker, size=min(500, 3 * self.pupils + 3))
        base = datetime(2025, 9, 1, tzinfo=UTC)
        oldest = date(2010, 9, 1)  # pupils born 2010-2015: secondary age in 2026
        households: list[tuple[dict[str, Any], list[str]]] = []
        for n in range(1, self.pupils + 3):
            org = OTHER_SCHOOL_ORG if n == self.pupils + 1 else SCHOOL_ORG
            status = "tobedeleted" if n == self.pupils + 2 else "active"
            if households and n % 4 == 0:  # every fourth pupil is a sibling of the last
                address, agents = households[-1]
            else:
                address = _address(people, household_id=f"hh-{n}")
                agents = self._add_agents(people, n, address, base)
                households.append((address, agents))
            sourced_id = f"stu-{n:05d}"
            modified = base + timedelta(minutes=faker.random_int(0, 60 * 24 * 400))
            self.users[sourced_id] = _user(
                people, sourced_id, "student", org, modified, status=status, address=address
            ) | {"agents": [_ref("users", a, "user") for a in agents], "grades": ["09"]}
            self.demographics[sourced_id] = {
                "sourcedId": sourced_id,
                "status": "active",
                "dateLastModified": _iso(modified),
                "birthDate": (oldest + timedelta(days=faker.random_int(0, 5 * 365))).isoformat(),
            }
        self.users["tea-00001"] = _user(people, "tea-00001", "teacher", SCHOOL_ORG, base)

    def _add_agents(
        self, people: _People, n: int, address: dict[str, Any], base: datetime
    ) -> list[str]:
        roles = ["guardian"] if n % 3 == 0 else ["parent", "relative"]
        ids = []
        for i, role in enumerate(roles, start=1):
            agent_id = f"usr-{n:05d}-{i}"
            self.users[agent_id] = _user(
                people, agent_id, role, SCHOOL_ORG, base, address=address, contact=True
            )
            ids.append(agent_id)
        return ids

    # --- knobs -----------------------------------------------------------------------

    def fail_next(self, status: int = 503, times: int = 1, retry_after: int | None = None) -> None:
        """Answer the next ``times`` API requests with ``status`` (and ``Retry-After``).

        ``times=0`` clears what is pending. The token endpoint is not affected; its
        requests are logged apart, in ``token_requests``, so ``requests`` counts API
        calls only.
        """
        if times <= 0:
            self._failures.clear()
            return
        self._failures.append(_Failure(status=status, times=times, retry_after=retry_after))

    def revoke_tokens(self) -> None:
        """Forget every issued token, as a server restart or key rotation would."""
        self.tokens.clear()

    def touch(self, sourced_ids: list[str], at: datetime) -> None:
        """Mark records as modified at ``at`` (for incremental syncs)."""
        stamp = _iso(at)
        index = self._modified_index()
        few = len(sourced_ids) <= len(index) // 16
        for sourced_id in sourced_ids:
            user = self.users[sourced_id]
            if few:  # keep the index sorted in place
                del index[bisect_left(index, (_instant(user["dateLastModified"]), sourced_id))]
                insort(index, (_instant(stamp), sourced_id))
            user["dateLastModified"] = stamp
        if not few:
            self._modified_size = -1
            self._modified_index()  # now, not during the next sync
        self.version += 1

    def modified(self, op: str, instant: str) -> set[str] | None:
        """Ids of the users whose ``dateLastModified`` compares ``op`` (``>``, ``>=``,
        ``<``, ``<=``) to ``instant`` (as ``_instant`` writes it), from a sorted index
        kept up to date by ``touch``: a filtered sync costs the fake next to nothing."""
        index = self._modified_index()
        first = (instant,)
        after = (instant, "\U0010ffff")
        match op:
            case ">":
                chosen = index[bisect_right(index, after) :]
            case ">=":
                chosen = index[bisect_left(index, first) :]
            case "<":
                chosen = index[: bisect_left(index, first)]
            case "<=":
                chosen = index[: bisect_right(index, after)]
            case _:
                return None
        return {sourced_id for _, sourced_id in chosen}

    def _modified_index(self) -> list[tuple[str, str]]:
        if self._modified_size != len(self.users):  # users added or removed: index again
            self._modified = sorted(
                (_instant(u["dateLastModified"]), u["sourcedId"]) for u in self.users.values()
            )
            self._modified_size = len(self.users)
        return self._modified

    def pupil_ids(self) -> list[str]:
        """Ids of the active students in the school org, in order."""
        return [
            u["sourcedId"]
            for u in self.users.values()
            if _has_role(u, "student") and u["status"] == "active" and _in_org(u, SCHOOL_ORG)
        ]

    def personal_values(self) -> set[str]:
        """Every seeded personal value and secret: none may appear in a log or an error."""
        values = {self.client_secret, *self.tokens}
        for user in self.users.values():
            for key in ("givenName", "familyName", "email", "phone", "sms"):
                if user.get(key):
                    values.add(user[key])
            address = user.get("metadata", {}).get("address", {})
            values.update(v for k, v in address.items() if k != "householdId" and v)
        values.update(d["birthDate"] for d in self.demographics.values())
        return values

    def _take_failure(self) -> _Failure | None:
        if not self._failures:
            return None
        failure = self._failures[0]
        failure.times -= 1
        if failure.times <= 0:
            self._failures.pop(0)
        return failure


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


class _People:
    """Faker ``en_GB`` values drawn from seeded pools, so a 20,000-pupil roll seeds fast."""

    KINDS = ("first_name", "last_name", "street_address", "city", "postcode", "email")

    def __init__(self, faker: Faker, size: int) -> None:
        self.faker = faker
        self._pools = {k: [str(getattr(faker, k)()) for _ in range(size)] for k in self.KINDS}
        self._pools["phone_number"] = [faker.phone_number() for _ in range(size)]

    def __call__(self, kind: str) -> str:
        """One value of ``kind`` (``first_name``, ``city``...)."""
        return str(self.faker.random.choice(self._pools[kind]))


@cache
def _ref(kind: str, sourced_id: str, ref_type: str) -> dict[str, str]:
    """A GUID reference; cached, so users share one object (never mutated)."""
    return {
        "href": f"https://oneroster.fake{API_PREFIX}/{kind}/{sourced_id}",
        "sourcedId": sourced_id,
        "type": ref_type,
    }


@cache
def _roles(role: str, org: str) -> list[dict[str, Any]]:
    return [{"roleType": "primary", "role": role, "org": _ref("orgs", org, "org")}]


def _address(people: _People, household_id: str) -> dict[str, Any]:
    return {
        "line1": people("street_address").replace("\n", ", "),
        "town": people("city"),
        "postcode": people("postcode"),
        "householdId": household_id,
    }


def _user(
    people: _People,
    sourced_id: str,
    role: str,
    org: str,
    modified: datetime,
    *,
    status: str = "active",
    address: dict[str, Any] | None = None,
    contact: bool = False,
) -> dict[str, Any]:
    user: dict[str, Any] = {
        "sourcedId": sourced_id,
        "status": status,
        "dateLastModified": _iso(modified),
        "enabledUser": "true",
        "givenName": people("first_name"),
        "familyName": people("last_name"),
        "roles": _roles(role, org),
        "primaryOrg": _ref("orgs", org, "org"),
        "identifier": sourced_id.upper(),
    }
    if contact:
        user |= {"email": people("email"), "phone": people("phone_number")}
    if address is not None:
        user["metadata"] = {"address": address}  # shared by the household
    return user


def _has_role(user: dict[str, Any], role: str) -> bool:
    return any(r["role"] == role for r in user["roles"])


def _in_org(user: dict[str, Any], org: str) -> bool:
    return any(r["org"]["sourcedId"] == org for r in user["roles"])


class _HttpError(Exception):
    def __init__(self, status: int, minor: str | None = None) -> None:
        self.status = status
        self.minor = minor or _MINOR.get(status, "internal_server_error")


def imsx_body(status: int, minor: str | None = None) -> dict[str, Any]:
    """The ``imsx_StatusInfo`` envelope the fake answers a failure with."""
    return {
        "imsx_codeMajor": "failure",
        "imsx_severity": "error",
        "imsx_description": f"The request failed ({status}).",
        "imsx_CodeMinor": {
            "imsx_codeMinorField": [
                {
                    "imsx_codeMinorFieldName": "TargetEndSystem",
                    "imsx_codeMinorFieldValue": minor
                    or _MINOR.get(status, "internal_server_error"),
                }
            ]
        },
    }


_PREDICATE = re.compile(r"^\s*([A-Za-z.]+)\s*(!=|>=|<=|=|>|<|~)\s*'([^']*)'\s*$")


@dataclass(frozen=True)
class _Filter:
    """A parsed OneRoster filter: predicates joined by one of `` AND `` / `` OR ``."""

    predicates: tuple[tuple[str, str, str], ...]
    any_of: bool

    @classmethod
    def parse(cls, expression: str) -> _Filter:
        """Parse once per request (not per record); 400 for what the fake cannot read."""
        joiner = " OR " if " OR " in expression else " AND "
        predicates = []
        for part in expression.split(joiner):
            match = _PREDICATE.match(part)
            if match is None or match.group(1) not in FILTER_FIELDS:
                raise _HttpError(400, "invalid_filter_field")
            name, op, value = match.groups()
            predicates.append((name, op, _instant(value) if name == "dateLastModified" else value))
        return cls(tuple(predicates), any_of=joiner == " OR ")

    def ids(self) -> set[str] | None:
        """The sourcedIds asked for, when the filter is only ``sourcedId='x' OR ...``."""
        if (self.any_of or len(self.predicates) == 1) and all(
            name == "sourcedId" and op == "=" for name, op, _ in self.predicates
        ):
            return {value for _, _, value in self.predicates}
        return None

    def modified_bound(self) -> tuple[str, str] | None:
        """``(op, instant)`` when the filter is one ``dateLastModified`` comparison."""
        if len(self.predicates) == 1 and self.predicates[0][0] == "dateLastModified":
            _, op, value = self.predicates[0]
            return op, value
        return None

    def matches(self, record: dict[str, Any]) -> bool:
        """Whether ``record`` passes the filter."""
        results = (
            _compare(
                _instant(str(record.get(name, "")))
                if name == "dateLastModified"
                else str(record.get(name, "")),
                op,
                value,
            )
            for name, op, value in self.predicates
        )
        return any(results) if self.any_of else all(results)


@lru_cache(maxsize=1 << 16)
def _instant(text: str) -> str:
    """The instant in one comparable form; cached, as a roll shares few timestamps."""
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC).isoformat()
    except ValueError as exc:
        raise _HttpError(400, "invalid_filter_field") from exc


def _compare(actual: str, op: str, value: str) -> bool:
    match op:
        case "=":
            return actual == value
        case "!=":
            return actual != value
        case ">":
            return actual > value
        case ">=":
            return actual >= value
        case "<":
            return actual < value
        case "<=":
            return actual <= value
    return value.lower() in actual.lower()  # "~": contains, ignoring case


@dataclass
class _View:
    """One collection's records, with what makes every page and filter cheap: an index
    by sourcedId and each filter's result, kept until the data changes."""

    records: list[dict[str, Any]]
    users: FakeState | None = None
    """The state, when the records are users: its index answers date filters."""
    positions: dict[str, int] = field(default_factory=dict)
    filtered: dict[tuple[str, int], list[dict[str, Any]]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.positions = {r["sourcedId"]: i for i, r in enumerate(self.records)}

    def where(self, expression: str, version: int) -> list[dict[str, Any]]:
        """The records passing ``expression``, in collection order; computed once per
        version of the data."""
        key = (expression, version)
        if key not in self.filtered:
            self.filtered = {k: v for k, v in self.filtered.items() if k[1] == version}
            self.filtered[key] = self._select(_Filter.parse(expression))
        return self.filtered[key]

    def _select(self, parsed: _Filter) -> list[dict[str, Any]]:
        ids = parsed.ids()
        bound = parsed.modified_bound()
        if ids is None and bound is not None and self.users is not None:
            ids = self.users.modified(*bound)
        if ids is None:
            return [r for r in self.records if parsed.matches(r)]
        found = sorted(self.positions[i] for i in ids if i in self.positions)
        return [self.records[i] for i in found]


def _int_param(query: dict[str, list[str]], name: str, default: int, minimum: int) -> int:
    raw = query.get(name, [str(default)])[0]
    if not raw.isdigit() or int(raw) < minimum:
        raise _HttpError(400, "invalid_selection_field")
    return int(raw)


@dataclass
class _Reply:
    status: int
    body: Any
    headers: list[tuple[bytes, bytes]] = field(default_factory=list)


class _Api:
    """Routes of the fake, over one state."""

    def __init__(self, state: FakeState) -> None:
        self.state = state
        self._views: dict[str, _View] = {}
        self._stamp: tuple[int, int] = (-1, -1)

    def token(self, headers: dict[str, str], body: bytes) -> _Reply:
        form = {k: v[0] for k, v in parse_qs(body.decode("latin-1")).items()}
        client_id, secret = form.get("client_id"), form.get("client_secret")
        auth = headers.get("authorization", "")
        if auth.lower().startswith("basic "):
            decoded = base64.b64decode(auth[6:]).decode("utf-8", "replace")
            client_id, _, secret = decoded.partition(":")
        if form.get("grant_type") != "client_credentials":
            return _Reply(400, {"error": "unsupported_grant_type"})
        if client_id != self.state.client_id or secret != self.state.client_secret:
            return _Reply(401, {"error": "invalid_client"})
        token = secrets.token_urlsafe(24)
        self.state.tokens[token] = self.state.clock() + self.state.token_lifetime_s
        self.state.tokens_issued += 1
        body_out = {
            "access_token": token,
            "token_type": "bearer",
            "expires_in": int(self.state.token_lifetime_s),
            "scope": form.get("scope", ""),
        }
        return _Reply(200, body_out, [(b"cache-control", b"no-store")])

    def authorise(self, headers: dict[str, str]) -> None:
        auth = headers.get("authorization", "")
        token = auth[7:] if auth.lower().startswith("bearer ") else ""
        expires = self.state.tokens.get(token)
        if expires is None or self.state.clock() >= expires:
            raise _HttpError(401)

    def route(self, resource: str, query: dict[str, list[str]]) -> _Reply:
        parts = [p for p in resource.split("/") if p]
        users = self.state.users
        match parts:
            case ["students"]:
                return self.collection("users", self._view("students", None), query)
            case ["schools", org, "students"]:
                return self.collection("users", self._view("students", org), query)
            case ["users"]:
                return self.collection("users", self._view("users", None), query)
            case ["demographics"]:
                return self.collection("demographics", self._view("demographics", None), query)
            case ["students", sid] if sid in users and _has_role(users[sid], "student"):
                return _Reply(200, {"user": users[sid]})
            case ["users", sid] if sid in users:
                return _Reply(200, {"user": users[sid]})
            case ["demographics", sid] if sid in self.state.demographics:
                return _Reply(200, {"demographics": self.state.demographics[sid]})
        raise _HttpError(404)

    def _view(self, kind: str, org: str | None) -> _View:
        """A collection's view, built once and again when records are added or removed,
        so no page or filter scans every user."""
        state = self.state
        stamp = (len(state.users), len(state.demographics))
        if stamp != self._stamp:
            self._views, self._stamp = {}, stamp
        key = f"{kind}:{org}"
        if key not in self._views:
            if kind == "demographics":
                self._views[key] = _View(list(state.demographics.values()))
            elif kind == "users":
                self._views[key] = _View(list(state.users.values()), users=state)
            else:
                students = [
                    u
                    for u in state.users.values()
                    if _has_role(u, "student") and (org is None or _in_org(u, org))
                ]
                self._views[key] = _View(students, users=state)
        return self._views[key]

    def collection(self, key: str, view: _View, query: dict[str, list[str]]) -> _Reply:
        limit = min(_int_param(query, "limit", 100, 1), self.state.page_size)
        offset = _int_param(query, "offset", 0, 0)
        if "filter" in query:
            records = view.where(query["filter"][0], self.state.version)
        else:
            records = view.records
        page = records[offset : offset + limit]
        headers = []
        if self.state.total_count_header:
            headers.append((b"x-total-count", str(len(records)).encode()))
        return _Reply(200, {key: page}, headers)


def create_app(state: FakeState) -> ASGIApp:
    """An ASGI app serving ``state`` as a OneRoster 1.2 rostering service."""
    api = _Api(state)

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        path: str = scope["path"]
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        record = RequestRecord(method=scope["method"], path=path, query=query)
        log = state.token_requests if path.endswith(TOKEN_PATH) else state.requests
        log.append(record)
        state.in_flight += 1
        state.max_in_flight = max(state.max_in_flight, state.in_flight)
        try:
            if state.latency_s:
                await state.sleep(state.latency_s)
            reply = _dispatch(api, scope["method"], path, query, headers, body)
        finally:
            state.in_flight -= 1
        record.status = reply.status
        await _respond(send, reply)

    return app


def _dispatch(
    api: _Api,
    method: str,
    path: str,
    query: dict[str, list[str]],
    headers: dict[str, str],
    body: bytes,
) -> _Reply:
    if path.endswith(TOKEN_PATH):
        if method != "POST":
            return _Reply(405, {"error": "invalid_request"})
        return api.token(headers, body)
    try:
        failure = api.state._take_failure()
        if failure is not None:
            reply = _Reply(failure.status, imsx_body(failure.status))
            if failure.retry_after is not None:
                reply.headers.append((b"retry-after", str(failure.retry_after).encode()))
            return reply
        api.authorise(headers)
        if method != "GET":
            raise _HttpError(405, "invaliddata")
        return api.route(path.split(API_PREFIX, 1)[-1], query)
    except _HttpError as exc:
        reply = _Reply(exc.status, imsx_body(exc.status, exc.minor))
        if exc.status == 401:
            reply.headers.append((b"www-authenticate", b'Bearer error="invalid_token"'))
        return reply


async def _respond(send: Send, reply: _Reply) -> None:
    payload = json.dumps(reply.body).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(payload)).encode()),
        (b"x-request-id", secrets.token_hex(8).encode()),
        *reply.headers,
    ]
    await send({"type": "http.response.start", "status": reply.status, "headers": headers})
    await send({"type": "http.response.body", "body": payload})
