"""A booking as the feed keeps it, and the feed rendered with ``icalendar``.

One booking per visit: its UID is derived from the school and the visit, so every
version of the visit is the same event to a calendar app. A change bumps SEQUENCE; a
withdrawn visit stays in the feed with STATUS:CANCELLED (so subscribed apps remove
it), and so does a visit in the feed of staff taken off it. SUMMARY is the event's
title ("Home visit"), never a pupil's name; the description points at the board.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

import icalendar
from pydantic import BaseModel, ConfigDict, Field

from hub.hooks.types import CalendarEvent
from hub.models import Visit, VisitState
from hub.models.base import UtcDateTime, personal

PRODID = "-//Doorstep//Home visits//EN"
WITHDRAWN_STATES = frozenset({VisitState.WITHDRAWN, VisitState.REJECTED})
"""A push for a visit in one of these states cancels its booking."""
DESCRIPTION = "Booked by Doorstep. The visit's details are on the Doorstep board."


class FeedEvent(BaseModel):
    """One visit's booking in the feeds of the staff on it."""

    model_config = ConfigDict(frozen=True, extra="forbid", hide_input_in_errors=True)

    uid: str = Field(min_length=1)
    visit_id: str
    staff_ids: tuple[str, ...]
    former_staff_ids: tuple[str, ...] = Field(
        default=(), description="Staff taken off the visit: their feeds show it cancelled."
    )
    starts_at: UtcDateTime
    ends_at: UtcDateTime
    title: str
    location: str | None = personal(None)
    sequence: int = Field(default=0, ge=0)
    cancelled: bool = False
    stamped_at: UtcDateTime
    key: str = Field(min_length=1, description="The idempotency key of the last change.")

    def staff_feeds(self) -> tuple[str, ...]:
        """Every member of staff whose feed shows this booking (cancelled or not)."""
        return (*self.staff_ids, *self.former_staff_ids)


def uid_for(school_id: str, visit_id: str) -> str:
    """The booking's UID: one per visit, whatever its version."""
    return f"visit-{visit_id}.{school_id}@doorstep"


def is_withdrawal(visit: Visit) -> bool:
    """Whether this push takes the booking away (the visit will not go ahead)."""
    return visit.state in WITHDRAWN_STATES


def changed(
    before: FeedEvent | None,
    event: CalendarEvent,
    visit: Visit,
    *,
    key: str,
    now: datetime,
) -> FeedEvent:
    """The booking after this push: new, moved (SEQUENCE + 1) or cancelled."""
    if before is not None and is_withdrawal(visit):
        return before.model_copy(
            update={
                "cancelled": True,
                "sequence": before.sequence + 1,
                "stamped_at": now,
                "key": key,
            }
        )
    gone = (
        () if before is None else tuple(s for s in before.staff_feeds() if s not in event.staff_ids)
    )
    return FeedEvent(
        uid=uid_for(event.school_id, event.visit_id),
        visit_id=event.visit_id,
        staff_ids=event.staff_ids,
        former_staff_ids=tuple(dict.fromkeys(gone)),
        starts_at=event.starts_at,
        ends_at=event.ends_at,
        title=event.title,
        location=event.location,
        sequence=0 if before is None else before.sequence + 1,
        cancelled=is_withdrawal(visit),
        stamped_at=now,
        key=key,
    )


def render(
    events: Iterable[FeedEvent],
    staff_id: str,
    *,
    name: str,
    refresh_minutes: int,
    include_location: bool,
) -> bytes:
    """The iCalendar feed of one member of staff."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    refresh = timedelta(minutes=refresh_minutes)
    calendar.add("refresh-interval", refresh, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", refresh)
    for event in sorted(events, key=lambda e: (e.starts_at, e.uid)):
        if staff_id in event.staff_feeds():
            calendar.add_component(_vevent(event, staff_id, include_location))
    return bytes(calendar.to_ical())


def _vevent(event: FeedEvent, staff_id: str, include_location: bool) -> icalendar.Event:
    item = icalendar.Event()
    item.add("uid", event.uid)
    item.add("dtstamp", event.stamped_at)
    item.add("last-modified", event.stamped_at)
    item.add("dtstart", event.starts_at)
    item.add("dtend", event.ends_at)
    item.add("summary", event.title)
    item.add("description", DESCRIPTION)
    item.add("sequence", event.sequence)
    item.add("class", "PRIVATE")
    cancelled = event.cancelled or staff_id not in event.staff_ids
    item.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    item.add("transp", "TRANSPARENT" if cancelled else "OPAQUE")
    if include_location and event.location and not cancelled:
        item.add("location", event.location)
    return item
