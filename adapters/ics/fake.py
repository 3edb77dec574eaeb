"""A seeded feed host: the real feed app over a store of made-up bookings.

The ics adapter talks to no outside system, so its "fake" is what a calendar app
subscribes to: ``create_feed_app`` over a ``FeedStore`` seeded with Faker ``en_GB``
(fixed seed) bookings whose locations are addresses, one feed token per member of
staff (``state.tokens``). It adds what the kit and ``doorstep demo`` expect of a fake:
``fail_next(status=503, times=2, retry_after=1)`` (the feed answers that status, as a
hub that is down would), ``latency_s``, ``requests`` and ``records`` (the bookings).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from faker import Faker

from hub.adapters.ics.client import FeedStore
from hub.adapters.ics.feed import create_feed_app
from hub.adapters.ics.models import FeedEvent
from hub.adapters.ics.settings import IcsSettings
from hub.hooks.types import CalendarEvent
from hub.models import Visit, VisitReason

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

SCHOOL = "st-michaels"
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
"""The fake's fixed 'now': its bookings are around it."""
STAFF = ("staff-1", "staff-2", "staff-3")


@dataclass
class FakeState:
    """A seeded store, its feed tokens, and the knobs every fake has."""

    seed: int = 6161
    visits: int = 4
    page_size: int = 100
    latency_s: float = 0.0
    requests: list[tuple[str, str]] = field(default_factory=list)
    tokens: dict[str, str] = field(default_factory=dict)
    store: FeedStore = field(init=False)
    _locations: list[str] = field(default_factory=list)
    _failures: list[tuple[int, int | None]] = field(default_factory=list)

    def __post_init__(self) -> None:
        faker = Faker("en_GB")
        faker.seed_instance(self.seed)
        self.store = FeedStore(SCHOOL, IcsSettings(calendar_name="Home visits (demo)"))
        for n in range(1, self.visits + 1):
            location = f"{faker.street_address()}, {faker.postcode()}"
            self._locations.append(location)
            staff = (STAFF[n % 3], STAFF[(n + 1) % 3])
            start = NOW + timedelta(days=n, hours=n % 4)
            visit = Visit(
                id=f"visit-{n}",
                school_id=SCHOOL,
                pupil_id=f"pupil-{n}",
                reason=VisitReason.ATTENDANCE_CONCERN,
                planned_start=start,
                planned_end=start + timedelta(hours=1),
                staff_ids=staff,
                requested_by=staff[0],
                requested_at=NOW,
            )
            event = CalendarEvent(
                id=f"event-{n}",
                school_id=SCHOOL,
                visit_id=visit.id,
                starts_at=visit.planned_start,
                ends_at=visit.planned_end,
                staff_ids=staff,
                location=location,
            )
            self.store.push(event, visit, f"seed-{n}", NOW)
        self.tokens = {staff_id: self.store.issue_token(staff_id) for staff_id in STAFF}

    def fail_next(self, status: int = 503, times: int = 1, retry_after: int | None = None) -> None:
        """Answer the next ``times`` requests with ``status``; ``times=0`` clears."""
        self._failures = [(status, retry_after)] * times

    def personal_values(self) -> list[str]:
        """The seeded addresses: never in a log line or an error."""
        return list(self._locations)

    @property
    def records(self) -> list[FeedEvent]:
        """The bookings in the store."""
        return self.store.events()

    def take_failure(self) -> tuple[int, int | None] | None:
        """The next injected failure, if any."""
        return self._failures.pop(0) if self._failures else None


def create_app(state: FakeState) -> ASGIApp:
    """The feed app over ``state.store``, with the fake's latency and failures."""
    feeds = create_feed_app([state.store], clock=lambda: NOW)

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        path = scope["path"][len(scope.get("root_path", "")) :] or "/"
        state.requests.append((scope["method"], path))
        if state.latency_s:
            await asyncio.sleep(state.latency_s)
        failure = state.take_failure()
        if failure is None:
            await feeds(scope, receive, send)
            return
        status, retry_after = failure
        headers = [(b"content-type", b"application/json")]
        if retry_after is not None:
            headers.append((b"retry-after", str(retry_after).encode()))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        body = json.dumps({"error": "injected failure"}).encode()
        await send({"type": "http.response.body", "body": body})

    return app
