"""Wire models of the Example MIS API, and their mapping to and from hub models."""

from __future__ import annotations

from datetime import date
from typing import Any

from hub.models import Address, Contact, Pupil, RiskFlag, Severity, VisitNote
from pydantic import BaseModel, ConfigDict


class _Wire(BaseModel):
    model_config = ConfigDict(extra="ignore", hide_input_in_errors=True)


class WireAddress(_Wire):
    """An address as the API sends it."""

    street: str
    town: str
    postcode: str
    household: str | None = None


class WirePupil(_Wire):
    """A pupil (``GET /pupils/{id}``)."""

    id: str
    forename: str
    surname: str
    dob: date | None = None
    year: str | None = None
    address: WireAddress | None = None


class WireContact(_Wire):
    """A contact of a pupil (``GET /pupils/{id}/contacts``)."""

    id: str
    name: str
    relation: str = "parent"
    responsible: bool = False
    phone: str | None = None
    email: str | None = None
    order: int = 1


class WireFlag(_Wire):
    """A risk flag on a pupil or their household (``GET /pupils/{id}/flags``)."""

    id: str
    category: str
    level: str
    scope: str = "pupil"
    household: str | None = None


def to_address(wire: WireAddress) -> Address:
    """The hub's address."""
    return Address(
        line1=wire.street, town=wire.town, postcode=wire.postcode, household_id=wire.household
    )


def to_pupil(wire: WirePupil, *, school_id: str) -> Pupil:
    """The hub's pupil."""
    return Pupil(
        id=wire.id,
        school_id=school_id,
        first_name=wire.forename,
        last_name=wire.surname,
        date_of_birth=wire.dob,
        year_group=wire.year,
        address=to_address(wire.address) if wire.address else None,
    )


def to_contact(wire: WireContact, *, pupil_id: str) -> Contact:
    """The hub's contact."""
    return Contact(
        id=wire.id,
        pupil_id=pupil_id,
        name=wire.name,
        relationship=wire.relation,
        parental_responsibility=wire.responsible,
        phone=wire.phone,
        email=wire.email,
        priority=wire.order,
    )


def to_risk_flag(wire: WireFlag, *, pupil_id: str, source: str) -> RiskFlag:
    """The hub's risk flag (category and severity only; no narrative)."""
    household = wire.scope == "household"
    return RiskFlag(
        id=wire.id,
        source=source,
        category=wire.category,
        severity=Severity(wire.level),
        applies_to="household" if household else "pupil",
        pupil_id=None if household else pupil_id,
        household_id=wire.household,
    )


def note_payload(note: VisitNote) -> dict[str, Any]:
    """The body of ``POST /notes`` for a visit note."""
    return {
        "pupil": note.pupil_id,
        "visit": note.visit_id,
        "written_at": note.written_at.isoformat(),
        "text": note.discussion,
        "concerns": note.concerns,
        "alert_dsl": note.safeguarding_concern,
    }
