"""The domain models: plain, typed, frozen pydantic models with no I/O."""

from hub.models.base import DomainModel, Slug, UtcDateTime, personal
from hub.models.people import Address, Contact, Pupil, StaffMember, Vehicle
from hub.models.risk import (
    Control,
    Finding,
    RiskAssessment,
    RiskFlag,
    RiskQuestionnaire,
    Severity,
)
from hub.models.roles import LadderTarget, StaffRole
from hub.models.school import School
from hub.models.visit import (
    Acknowledgement,
    Agreement,
    CheckIn,
    CheckInChannel,
    CheckInKind,
    DoorstepReport,
    Outcome,
    OutcomeKind,
    Signature,
    Visit,
    VisitEvent,
    VisitEventKind,
    VisitNote,
    VisitReason,
    VisitState,
)

__all__ = [
    "Acknowledgement",
    "Address",
    "Agreement",
    "CheckIn",
    "CheckInChannel",
    "CheckInKind",
    "Contact",
    "Control",
    "DomainModel",
    "DoorstepReport",
    "Finding",
    "LadderTarget",
    "Outcome",
    "OutcomeKind",
    "Pupil",
    "RiskAssessment",
    "RiskFlag",
    "RiskQuestionnaire",
    "School",
    "Severity",
    "Signature",
    "Slug",
    "StaffMember",
    "StaffRole",
    "UtcDateTime",
    "Vehicle",
    "Visit",
    "VisitEvent",
    "VisitEventKind",
    "VisitNote",
    "VisitReason",
    "VisitState",
    "personal",
]
