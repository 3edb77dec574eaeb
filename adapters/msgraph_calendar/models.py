"""Graph's event as the adapter reads it, and the bodies it writes.

Every booking Doorstep makes carries two single-value extended properties in its own
property set: ``DoorstepVisit`` (``<school>:<visit>``, the same for every version of a
visit's booking) and ``DoorstepKey`` (the idempotency key of the last change written).
The adapter finds a booking by the first and knows whether a push already landed by
the second. Titles never carry a pupil's name; the body says only where to look.
"""

from __future__ import annotations

import uuid
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from hub.hooks.types import CalendarEvent
from hub.models import Visit, VisitState

PROPERTY_SET = "9b3c6e52-1d4f-4c8a-a8f0-6f0d5e7c2b11"
"""Doorstep's own MAPI property set (a fixed GUID)."""

VISIT_PROPERTY = f"String {{{PROPERTY_SET}}} Name DoorstepVisit"
KEY_PROPERTY = f"String {{{PROPERTY_SET}}} Name DoorstepKey"

TRANSACTION_NAMESPACE = uuid.UUID("3f0a8c5e-7a51-4b57-9d62-0c7d1f4e9a20")
"""uuid5 namespace turning an idempotency key into Graph's ``transactionId``."""

WITHDRAWN_STATES = frozenset({VisitState.WITHDRAWN, VisitState.REJECTED})
"""A push for a visit in one of these states cancels its booking."""

BODY_TEXT = "Booked by Doorstep. The visit's details are on the Doorstep board."


class WireProperty(BaseModel):
    """One single-value extended property."""

    model_config = ConfigDict(extra="ignore", hide_input_in_errors=True)

    id: str
    value: str = ""


class WireEvent(BaseModel):
    """The parts of a Graph event the adapter reads (``id``, attendees, our properties)."""

    model_config = ConfigDict(extra="ignore", hide_input_in_errors=True, populate_by_name=True)

    id: str = Field(min_length=1)
    is_cancelled: bool = Field(default=False, alias="isCancelled")
    attendees: list[dict[str, Any]] = Field(default_factory=list)
    properties: list[WireProperty] = Field(
        default_factory=list, alias="singleValueExtendedProperties"
    )

    @property
    def key(self) -> str | None:
        """The idempotency key of the last change Doorstep wrote, if any."""
        for prop in self.properties:
            if prop.id.casefold() == KEY_PROPERTY.casefold():
                return prop.value
        return None


def visit_ref(school_id: str, visit_id: str) -> str:
    """The value of ``DoorstepVisit``: one per visit, whatever its version."""
    return f"{school_id}:{visit_id}"


def transaction_id(idempotency_key: str) -> str:
    """Graph's ``transactionId`` for a create: stable per key, reveals nothing of it."""
    return str(uuid.uuid5(TRANSACTION_NAMESPACE, idempotency_key))


def is_withdrawal(visit: Visit) -> bool:
    """Whether this push takes the booking away (the visit will not go ahead)."""
    return visit.state in WITHDRAWN_STATES


def _quoted(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def lookup_params(ref: str) -> dict[str, str]:
    """Query of ``GET /users/{m}/events`` finding the booking of one visit."""
    return {
        "$filter": (
            f"singleValueExtendedProperties/Any(ep: ep/id eq {_quoted(VISIT_PROPERTY)} "
            f"and ep/value eq {_quoted(ref)})"
        ),
        "$expand": f"singleValueExtendedProperties($filter=id eq {_quoted(KEY_PROPERTY)})",
        "$select": "id,isCancelled,attendees",
    }


def _when(moment: Any) -> dict[str, str]:
    return {"dateTime": moment.strftime("%Y-%m-%dT%H:%M:%S"), "timeZone": "UTC"}


def event_body(
    event: CalendarEvent, *, ref: str, idempotency_key: str, attendees: list[str]
) -> dict[str, Any]:
    """The fields of a booking, for a create or an update (PATCH)."""
    body: dict[str, Any] = {
        "subject": event.title,
        "body": {"contentType": "text", "content": BODY_TEXT},
        "start": _when(event.starts_at),
        "end": _when(event.ends_at),
        "sensitivity": "private",
        "showAs": "busy",
        "isReminderOn": True,
        "reminderMinutesBeforeStart": 15,
        "allowNewTimeProposals": False,
        "attendees": [
            {"emailAddress": {"address": address}, "type": "required"} for address in attendees
        ],
        "singleValueExtendedProperties": [
            {"id": VISIT_PROPERTY, "value": ref},
            {"id": KEY_PROPERTY, "value": idempotency_key},
        ],
    }
    if event.location:
        body["location"] = {"displayName": event.location}
    return body


def create_body(
    event: CalendarEvent, *, ref: str, idempotency_key: str, attendees: list[str]
) -> dict[str, Any]:
    """The body of ``POST /users/{m}/events``: the booking plus its ``transactionId``."""
    body = event_body(event, ref=ref, idempotency_key=idempotency_key, attendees=attendees)
    return {**body, "transactionId": transaction_id(idempotency_key)}
