"""What follow-up keeps: referral prompts and decisions, suggested visits, agreement
tracking, notes and letters.

None of these holds a pupil's name or address. The evidence of a prompt or a
suggestion is the attendance finding (ids, dates, session counts, codes, roles); a
note's text is written by the hub from counts and dates. The only free text a person
writes is a referral decision's reason, marked personal and never logged.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Any

from pydantic import Field

from hub.models import StaffRole, VisitReason
from hub.models.base import DomainModel, Slug, UtcDateTime, personal


class Decision(StrEnum):
    """What a person decided about a referral prompt. Nothing is sent automatically."""

    REFER = "refer"
    """Refer to the local authority (the school sends it, by its own route)."""
    SUPPORT_FIRST = "support_first"
    """Not yet: more support first (a visit, an attendance contract, a Notice to Improve)."""
    NO_REFERRAL = "no_referral"


class ReferralPrompt(DomainModel):
    """A prompt to the pack's roles to consider a referral, with the finding behind it."""

    id: str = Field(min_length=1)
    school_id: Slug
    pupil_id: str
    measure: str = Field(description="The attendance measure that raised it.")
    raised_at: UtcDateTime
    notify: tuple[StaffRole, ...] = ()
    evidence: dict[str, Any] = Field(description="The finding, as JSON; no personal data.")
    decision: Decision | None = None
    decided_by: str | None = None
    decided_at: UtcDateTime | None = None
    reason: str | None = personal(None, description="Why, in the decider's words.")


class ProposalCause(StrEnum):
    """Why a visit is suggested."""

    ATTENDANCE = "attendance"
    AGREEMENT_BROKEN = "agreement_broken"


class ProposalStatus(StrEnum):
    """Where a suggested visit is."""

    OPEN = "open"
    ACCEPTED = "accepted"
    DISMISSED = "dismissed"


class VisitProposal(DomainModel):
    """A suggested visit: staff decide whether to request it."""

    id: str = Field(min_length=1)
    school_id: Slug
    pupil_id: str
    reason: VisitReason = VisitReason.ATTENDANCE_CONCERN
    cause: ProposalCause
    agreement_id: str | None = None
    raised_at: UtcDateTime
    evidence: dict[str, Any] = Field(default_factory=dict)
    status: ProposalStatus = ProposalStatus.OPEN


class AgreementStatus(StrEnum):
    """Whether an agreement is being kept."""

    OPEN = "open"
    KEPT = "kept"
    BROKEN = "broken"


class TrackedAgreement(DomainModel):
    """How one agreement is going: checks, breaches, and what was done about them."""

    school_id: Slug
    agreement_id: str
    visit_id: str
    pupil_id: str
    status: AgreementStatus = AgreementStatus.OPEN
    breaches: int = Field(default=0, ge=0, description="Checks that found it not kept.")
    checked_at: UtcDateTime | None = None
    reminder_letter_id: str | None = None
    proposal_id: str | None = None


class LetterKind(StrEnum):
    """The letters the hub writes to families."""

    REMINDER = "reminder"
    APPOINTMENT = "appointment"
    CALLING_CARD = "calling_card"

    @property
    def label(self) -> str:
        """The kind as staff say it."""
        return self.value.replace("_", " ")


class Letter(DomainModel):
    """A letter produced for a family; the files hold its text, this row only ids."""

    id: str = Field(min_length=1)
    school_id: Slug
    pupil_id: str
    kind: LetterKind
    created_at: UtcDateTime
    visit_id: str | None = None
    agreement_id: str | None = None
    html_path: str | None = None
    pdf_path: str | None = None


class FollowUpNote(DomainModel):
    """A line in a pupil's follow-up record, written by the hub (counts and dates only)."""

    school_id: Slug
    pupil_id: str
    at: UtcDateTime
    kind: str = Field(pattern=r"^[a-z_]+$")
    text: str = Field(min_length=1, description="Written by the hub; never personal data.")
    agreement_id: str | None = None


class MonthAttendance(DomainModel):
    """Attendance in one calendar month, for the evidence pack."""

    month: str = Field(pattern=r"^\d{4}-\d{2}$")
    possible_sessions: int = Field(ge=0)
    attended_sessions: int = Field(ge=0)
    unauthorised_sessions: int = Field(ge=0)
    first_day: date
    last_day: date

    @property
    def percent(self) -> float | None:
        """Attendance as a percentage, or None with no possible session."""
        if self.possible_sessions == 0:
            return None
        return 100.0 * self.attended_sessions / self.possible_sessions
