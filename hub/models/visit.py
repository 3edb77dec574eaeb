"""The visit and everything recorded about it: check-ins, outcome, note, agreements, events."""

from datetime import date
from enum import StrEnum
from typing import Literal

from pydantic import Field, model_validator

from hub.models.base import DomainModel, Slug, UtcDateTime, personal


class VisitReason(StrEnum):
    """Why a home visit is made (the seeds' lists, merged)."""

    ATTENDANCE_CONCERN = "attendance_concern"
    REFUSING_SCHOOL = "refusing_school"
    EXCLUDED = "excluded"
    MEDICAL = "medical"
    EDUCATED_AT_HOME = "educated_at_home"
    WELFARE_CONCERN = "welfare_concern"
    OTHER_CONTACT_FAILED = "other_contact_failed"
    PARENT_CANNOT_COME_IN = "parent_cannot_come_in"
    PARENT_REQUEST = "parent_request"
    TRANSITION = "transition"
    DROPPING_OFF_WORK = "dropping_off_work"
    SUSPECTED_HOLIDAY = "suspected_holiday"
    HOME_WITHOUT_PARENT_KNOWLEDGE = "home_without_parent_knowledge"
    PARENT_COLLUDING = "parent_colluding"
    PARENT_ABILITY_IN_QUESTION = "parent_ability_in_question"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ")


class VisitState(StrEnum):
    """Where a visit is in its life. Transitions live in ``hub.workflow``."""

    REQUESTED = "requested"
    ASSESSED = "assessed"
    AWAITING_AUTHORISATION = "awaiting_authorisation"
    AUTHORISED = "authorised"
    SCHEDULED = "scheduled"
    DEPARTED = "departed"
    ON_SITE = "on_site"
    COMPLETED = "completed"
    NO_ACCESS = "no_access"
    CANCELLED = "cancelled"
    RETURNED = "returned"
    CLOSED = "closed"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


class Visit(DomainModel):
    """One home visit to one pupil's home."""

    id: str = Field(min_length=1)
    school_id: Slug
    pupil_id: str = Field(min_length=1)
    reason: VisitReason
    state: VisitState = VisitState.REQUESTED
    planned_start: UtcDateTime
    planned_end: UtcDateTime
    staff_ids: tuple[str, ...] = Field(min_length=1, description="Lead first.")
    announced: bool = Field(
        default=True, description="Parents were told in advance (letter, phone or SMS)."
    )
    requested_by: str
    requested_at: UtcDateTime
    solo_reason: str | None = personal(
        None, description="Why one member of staff goes alone; the authoriser must accept it."
    )
    solo_reason_accepted: bool = False
    authorised_by: str | None = None
    authorised_at: UtcDateTime | None = None
    version: int = Field(default=1, ge=1, description="Bumped on every change; used in keys.")

    @model_validator(mode="after")
    def _window_is_ordered(self) -> "Visit":
        if self.planned_end <= self.planned_start:
            raise ValueError("planned_end must be after planned_start")
        return self

    @property
    def is_solo(self) -> bool:
        return len(self.staff_ids) < 2

    @property
    def reference(self) -> str:
        return f"visit:{self.id}"


class CheckInKind(StrEnum):
    DEPARTED = "departed"
    ARRIVED = "arrived"
    INTERVAL = "interval"
    LEFT = "left"
    RETURNED = "returned"


class CheckInChannel(StrEnum):
    PHONE_CALL = "phone_call"
    """Staff rang the office; office staff recorded it."""
    WEB = "web"
    """The phone check-in page."""
    SMS = "sms"
    API = "api"


class CheckIn(DomainModel):
    """Staff telling the school where they are.

    A duress check-in looks normal to anyone watching.
    """

    id: str = Field(min_length=1)
    visit_id: str
    staff_id: str
    kind: CheckInKind
    at: UtcDateTime
    channel: CheckInChannel
    duress: bool = Field(
        default=False, description="A duress PIN or the pack's code phrase was used."
    )
    recorded_by: str | None = Field(
        default=None, description="Office staff id when the check-in came by phone."
    )


class DoorstepReport(DomainModel):
    """What staff found at the door: nobody in, a parent running late, or a parent present."""

    visit_id: str
    kind: Literal["parent_absent", "parent_late", "parent_present"]
    at: UtcDateTime
    expected_at: UtcDateTime | None = Field(
        default=None, description="For parent_late: when the parent said they would arrive."
    )


class Acknowledgement(DomainModel):
    """A person took responsibility for an escalation rung."""

    visit_id: str
    rung: int = Field(ge=1)
    by: str = Field(description="Staff id.")
    at: UtcDateTime


class OutcomeKind(StrEnum):
    COMPLETED = "completed"
    NO_ACCESS = "no_access"
    PARENT_ABSENT = "parent_absent"
    PARENT_LATE = "parent_late"
    UNSAFE = "unsafe"
    ANIMALS = "animals"
    WITHDRAWN = "withdrawn"

    @property
    def label(self) -> str:
        return {
            OutcomeKind.COMPLETED: "visit completed",
            OutcomeKind.NO_ACCESS: "no access (calling card left)",
            OutcomeKind.PARENT_ABSENT: "cancelled: parent not present",
            OutcomeKind.PARENT_LATE: "cancelled: parent too late",
            OutcomeKind.UNSAFE: "cancelled: staff felt unsafe",
            OutcomeKind.ANIMALS: "cancelled: dangerous animals not secured",
            OutcomeKind.WITHDRAWN: "withdrawn",
        }[self]


class Outcome(DomainModel):
    """How the visit ended at the door."""

    kind: OutcomeKind
    recorded_at: UtcDateTime
    recorded_by: str
    calling_card_left: bool = False
    reason: str | None = personal(
        None, description="Written reason; packs demand it for unsafe/animals cancellations."
    )


class Signature(DomainModel):
    """Who signed the record and when (seed 000 6.7, seed 003 2.3)."""

    signer: Literal["parent", "staff"]
    signer_id: str
    signed_at: UtcDateTime
    method: Literal["on_device", "paper"] = "on_device"


class Agreement(DomainModel):
    """Something agreed with the family during the visit."""

    id: str = Field(min_length=1)
    visit_id: str
    pupil_id: str
    action: str = personal(min_length=1, description="What was agreed, in plain words.")
    owner: Literal["parent", "pupil", "school"]
    due_by: date | None = None
    made_at: UtcDateTime


class VisitNote(DomainModel):
    """The record of the visit that goes into the safeguarding system."""

    id: str = Field(min_length=1)
    visit_id: str
    pupil_id: str
    written_by: str
    written_at: UtcDateTime
    location: str | None = personal(None)
    seen: tuple[str, ...] = personal((), description="Who was seen, in words.")
    discussion: str = personal(min_length=1)
    concerns: str | None = personal(None)
    safeguarding_concern: bool = False
    agreements: tuple[Agreement, ...] = ()
    signatures: tuple[Signature, ...] = ()
    version: int = Field(default=1, ge=1)


class VisitEventKind(StrEnum):
    REQUESTED = "requested"
    ASSESSED = "assessed"
    SUBMITTED = "submitted"
    AUTHORISED = "authorised"
    REJECTED = "rejected"
    SCHEDULED = "scheduled"
    CHECK_IN = "check_in"
    DOORSTEP = "doorstep"
    DEADLINE_DUE = "deadline_due"
    ESCALATED = "escalated"
    ACKNOWLEDGED = "acknowledged"
    OUTCOME = "outcome"
    NOTE_RECORDED = "note_recorded"
    AGREEMENT_RECORDED = "agreement_recorded"
    STATE_CHANGED = "state_changed"
    WITHDRAWN = "withdrawn"
    CLOSED = "closed"


EventValue = str | int | float | bool | None


class VisitEvent(DomainModel):
    """One append-only line of a visit's history. ``data`` never holds personal data."""

    school_id: Slug
    visit_id: str
    kind: VisitEventKind
    at: UtcDateTime
    actor: str | None = Field(default=None, description="Staff id, or a plugin/engine name.")
    state_from: VisitState | None = None
    state_to: VisitState | None = None
    data: dict[str, EventValue] = Field(default_factory=dict)
