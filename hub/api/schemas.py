"""Request and response bodies of the API.

Request bodies refuse unknown fields and never echo input in errors; response bodies
are built by ``hub.api.views`` to the caller's need to know.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from hub.engine.records import Board, DeliveryPurpose, DeliveryStatus
from hub.models import (
    CheckInKind,
    Control,
    OutcomeKind,
    RiskQuestionnaire,
    Severity,
    VisitReason,
    VisitState,
)
from hub.models.base import UtcDateTime


class Body(BaseModel):
    """Base of every request body."""

    model_config = ConfigDict(extra="forbid", hide_input_in_errors=True, frozen=True)


class Out(BaseModel):
    """Base of every response body."""

    model_config = ConfigDict(frozen=True)


# requests -------------------------------------------------------------------------------


class PupilSearch(Body):
    """Find pupils of the school by name (sent in the body: names never go in URLs)."""

    q: str = Field(min_length=2, max_length=100, description="Part of a first or last name.")
    limit: int = Field(default=20, ge=1, le=50)


class VisitRequest(Body):
    """A new visit request. The caller is the requester."""

    pupil_id: str = Field(min_length=1, max_length=128)
    reason: VisitReason
    planned_start: UtcDateTime
    planned_end: UtcDateTime
    staff_ids: list[str] = Field(min_length=1, max_length=4, description="Lead first.")
    announced: bool = True
    solo_reason: str | None = Field(default=None, max_length=2000)

    @model_validator(mode="after")
    def _ordered(self) -> VisitRequest:
        if self.planned_end <= self.planned_start:
            raise ValueError("planned_end must be after planned_start")
        return self


class AssessmentBody(Body):
    """The Home Visiting Risk Assessment's answers; the hub adds flags and findings."""

    questionnaire: RiskQuestionnaire


class AuthoriseBody(Body):
    """Authorise: accept the recorded reason for going alone, where one is needed."""

    accept_solo_reason: bool = False


class Empty(Body):
    """No fields."""


class SecondStaffBody(Body):
    """The member of staff who must go too."""

    staff_id: str = Field(min_length=1, max_length=128)


class ScheduleBody(Body):
    """Book the visit."""

    written_confirmation: bool = Field(
        default=False, description="The appointment letter has been sent, where the pack asks."
    )


class CheckInBody(Body):
    """A check-in. Staff check in for themselves; office staff record a phone call."""

    kind: CheckInKind
    staff_id: str | None = Field(
        default=None,
        max_length=128,
        description="Only when recording someone else's phone call; default: yourself.",
    )
    channel: Literal["web", "api", "sms"] = "api"
    pin: str | None = Field(
        default=None, min_length=4, max_length=12, description="Your check-in PIN, if you use one."
    )
    message: str | None = Field(default=None, max_length=500, description="Anything to pass on.")


class DoorstepBody(Body):
    """What staff found at the door."""

    kind: Literal["parent_absent", "parent_late", "parent_present"]
    expected_at: UtcDateTime | None = None


class OutcomeBody(Body):
    """How the visit ended."""

    kind: OutcomeKind
    reason: str | None = Field(default=None, max_length=4000)
    calling_card_left: bool | None = None


class AgreementBody(Body):
    """Something agreed with the family."""

    action: str = Field(min_length=1, max_length=2000)
    owner: Literal["parent", "pupil", "school"]
    due_by: date | None = None


class SignatureBody(Body):
    """Who signed the record."""

    signer: Literal["parent", "staff"]
    signer_id: str = Field(min_length=1, max_length=128)
    method: Literal["on_device", "paper"] = "on_device"


class NoteBody(Body):
    """The visit note for the safeguarding system."""

    discussion: str = Field(min_length=1, max_length=20_000)
    location: str | None = Field(default=None, max_length=500)
    seen: list[str] = Field(default_factory=list, max_length=20)
    concerns: str | None = Field(default=None, max_length=20_000)
    safeguarding_concern: bool = False
    agreements: list[AgreementBody] = Field(default_factory=list, max_length=20)
    signatures: list[SignatureBody] = Field(default_factory=list, max_length=4)


class AcknowledgeBody(Body):
    """Take responsibility for one rung of the escalation ladder."""

    rung: int = Field(ge=1, le=20)


# responses ------------------------------------------------------------------------------


class SchoolOut(Out):
    """A school and its pack."""

    id: str
    name: str
    policy_pack: str
    timezone: str
    your_roles: list[str]


class PupilOut(Out):
    """A pupil found by a search."""

    id: str
    first_name: str
    last_name: str
    year_group: str | None


class FindingOut(Out):
    """One risk finding."""

    code: str
    summary: str
    severity: Severity
    controls: list[Control]


class FlagOut(Out):
    """One risk flag, category level."""

    category: str
    severity: Severity
    applies_to: Literal["pupil", "household"]


class CheckInOut(Out):
    """A check-in as shown on the visit record (never whether it was a duress one)."""

    kind: CheckInKind
    at: UtcDateTime
    channel: str
    staff_id: str


class OutcomeOut(Out):
    """The visit's outcome."""

    kind: OutcomeKind
    recorded_at: UtcDateTime
    calling_card_left: bool
    reason: str | None = Field(default=None, description="Risk detail only.")


class BoardOut(Out):
    """The board's alarm state for a visit (office, DSL, senior leaders)."""

    state: Board
    since: UtcDateTime
    rung: int | None


class VisitOut(Out):
    """A visit. ``risk`` and the written reasons only for those who may see risk detail."""

    id: str
    school_id: str
    pupil_id: str
    reason: VisitReason
    state: VisitState
    planned_start: UtcDateTime
    planned_end: UtcDateTime
    staff_ids: list[str]
    announced: bool
    requested_by: str
    authorised_by: str | None
    version: int
    board: BoardOut | None = None
    risk_detail: bool = Field(description="Whether this view includes the risk detail.")
    findings: list[FindingOut] | None = None
    flags: list[FlagOut] | None = None
    required_controls: list[Control] | None = None
    solo_reason: str | None = None
    outcome: OutcomeOut | None = None
    check_ins: list[CheckInOut] | None = None


class VisitList(Out):
    """Visits the caller may see, board fields only."""

    visits: list[VisitOut]


class CheckInReceiptOut(Out):
    """What staff see after checking in. A duress check-in gets exactly the same."""

    check_in_id: str
    visit_id: str
    received_at: UtcDateTime
    next_check_in_by: UtcDateTime | None


class NoteOut(Out):
    """The saved note: ids only (the text stays in the record)."""

    note_id: str
    visit_id: str
    version: int
    deliveries: int = Field(description="Deliveries queued for the safeguarding system.")


class DeliveryOut(Out):
    """One delivery of the outbox (ids and statuses, no personal data)."""

    key: str
    visit_id: str
    purpose: DeliveryPurpose
    destination: str
    status: DeliveryStatus
    round: int
    attempts: int
    reason: str
    updated_at: UtcDateTime


class DeliveryList(Out):
    """The school's deliveries."""

    deliveries: list[DeliveryOut]


class PolicyOut(Out):
    """The school's policy pack, without its duress code phrase."""

    id: str
    pack: dict[str, object]


class Health(Out):
    """A health answer."""

    status: Literal["ok", "unavailable"]
    checks: dict[str, bool] = Field(default_factory=dict)
