"""The records the contract kit hands to an adapter: a school, a visit, a note...

Everything here is made up and fixed; the free text is a marker the kit looks for in
logs and errors, so an adapter that logs what it pushes is caught.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hub.hooks.types import CalendarEvent, Notification
from hub.models import Agreement, School, Visit, VisitNote, VisitReason
from hub.policy import PolicyPack, load_bundled_pack

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
"""The kit's fixed 'now': a Monday morning in term time."""

PACK_ID = "st-michaels"

NOTE_TEXT = "Kit discussion marker qzv about attendance"
CONCERN_TEXT = "Kit concern marker wxq"
AGREEMENT_TEXT = "Kit agreement marker jkp"
MESSAGE_TEXT = "Kit message marker hbt"
LOCATION_TEXT = "Kit location marker fmd"

PERSONAL_TEXTS = (NOTE_TEXT, CONCERN_TEXT, AGREEMENT_TEXT, MESSAGE_TEXT, LOCATION_TEXT)
"""Free text the kit pushes; like seeded personal values, it must never be logged."""


def pack() -> PolicyPack:
    """The bundled St Michael's pack."""
    return load_bundled_pack(PACK_ID)


def school() -> School:
    """The school every contract test runs for."""
    return School(id=PACK_ID, name="Contract Kit School", policy_pack=PACK_ID)


def visit(pupil_id: str) -> Visit:
    """A visit to ``pupil_id`` an hour from ``NOW``."""
    return Visit(
        id="kit-visit-1",
        school_id=PACK_ID,
        pupil_id=pupil_id,
        reason=VisitReason.ATTENDANCE_CONCERN,
        planned_start=NOW + timedelta(hours=1),
        planned_end=NOW + timedelta(hours=2),
        staff_ids=("kit-staff-1", "kit-staff-2"),
        requested_by="kit-staff-1",
        requested_at=NOW,
    )


def agreement(pupil_id: str) -> Agreement:
    """Something agreed with the family during ``visit``."""
    return Agreement(
        id="kit-agreement-1",
        visit_id="kit-visit-1",
        pupil_id=pupil_id,
        action=AGREEMENT_TEXT,
        owner="parent",
        made_at=NOW + timedelta(hours=1, minutes=30),
    )


def note(pupil_id: str) -> VisitNote:
    """The finished note of ``visit``."""
    return VisitNote(
        id="kit-note-1",
        visit_id="kit-visit-1",
        pupil_id=pupil_id,
        written_by="kit-staff-1",
        written_at=NOW + timedelta(hours=2),
        location=LOCATION_TEXT,
        discussion=NOTE_TEXT,
        concerns=CONCERN_TEXT,
        agreements=(agreement(pupil_id),),
    )


def calendar_event() -> CalendarEvent:
    """The booking of ``visit`` in the staff calendars."""
    return CalendarEvent(
        id="kit-event-1",
        school_id=PACK_ID,
        visit_id="kit-visit-1",
        starts_at=NOW + timedelta(hours=1),
        ends_at=NOW + timedelta(hours=2),
        staff_ids=("kit-staff-1", "kit-staff-2"),
        location=LOCATION_TEXT,
    )


def notification(channel: str) -> Notification:
    """A message on ``channel`` to the visiting staff."""
    return Notification(
        id="kit-notification-1",
        school_id=PACK_ID,
        visit_id="kit-visit-1",
        channel=channel,
        staff_ids=("kit-staff-1",),
        subject="Home visit",
        body=MESSAGE_TEXT,
    )
