"""Turning frozen domain models into rows and rows back into domain models.

Enums are stored as their values, tuples and sets as JSON lists, nested models as
JSON objects (``model_dump(mode="json")``) or as flattened columns where they are
searched for (a pupil's household). Reading a row back validates it again, so a
row that no longer fits the model fails loudly instead of spreading.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Row

from hub.models import (
    Acknowledgement,
    Address,
    Agreement,
    CheckIn,
    DoorstepReport,
    Outcome,
    Pupil,
    RiskAssessment,
    School,
    StaffMember,
    Vehicle,
    Visit,
    VisitEvent,
    VisitNote,
)
from hub.store.tables import (
    AcknowledgementRow,
    AgreementRow,
    CheckInRow,
    DoorstepReportRow,
    OutcomeRow,
    PupilRow,
    RiskAssessmentRow,
    SchoolRow,
    StaffRow,
    VisitEventRow,
    VisitNoteRow,
    VisitRow,
)


def school_row(school: School) -> SchoolRow:
    """The row for ``school``."""
    return SchoolRow(**school.model_dump())


def to_school(row: SchoolRow) -> School:
    """The school a row holds."""
    return School(id=row.id, name=row.name, policy_pack=row.policy_pack, timezone=row.timezone)


def staff_row(member: StaffMember) -> StaffRow:
    """The row for a member of staff, vehicle flattened into columns."""
    vehicle = member.vehicle
    return StaffRow(
        school_id=member.school_id,
        id=member.id,
        name=member.name,
        roles=sorted(role.value for role in member.roles),
        mobile=member.mobile,
        email=member.email,
        vehicle_make=vehicle.make if vehicle else None,
        vehicle_model=vehicle.model if vehicle else None,
        vehicle_registration=vehicle.registration if vehicle else None,
        vehicle_colour=vehicle.colour if vehicle else None,
    )


def to_staff(row: StaffRow) -> StaffMember:
    """The member of staff a row holds."""
    vehicle = None
    if row.vehicle_registration is not None:
        vehicle = Vehicle(
            make=row.vehicle_make or "",
            model=row.vehicle_model or "",
            registration=row.vehicle_registration,
            colour=row.vehicle_colour or "",
        )
    return StaffMember.model_validate(
        {
            "id": row.id,
            "school_id": row.school_id,
            "name": row.name,
            "roles": frozenset(row.roles),
            "mobile": row.mobile,
            "email": row.email,
            "vehicle": vehicle,
        }
    )


def pupil_row(pupil: Pupil) -> PupilRow:
    """The row for a pupil, address flattened into columns."""
    return PupilRow(
        school_id=pupil.school_id,
        id=pupil.id,
        first_name=pupil.first_name,
        last_name=pupil.last_name,
        date_of_birth=pupil.date_of_birth,
        year_group=pupil.year_group,
        **address_columns(pupil.address),
    )


def address_columns(address: Address | None) -> dict[str, str | None]:
    """An address flattened into the ``address_*`` and ``household_id`` columns."""
    return {
        "address_line1": address.line1 if address else None,
        "address_line2": address.line2 if address else None,
        "address_town": address.town if address else None,
        "address_postcode": address.postcode if address else None,
        "household_id": address.household_id if address else None,
    }


def to_address(row: Any) -> Address | None:
    """The address held in a row's ``address_*`` columns, or None when it has none."""
    if row.address_line1 is None:
        return None
    return Address(
        line1=row.address_line1,
        line2=row.address_line2,
        town=row.address_town or "",
        postcode=row.address_postcode or "",
        household_id=row.household_id,
    )


def to_pupil(row: PupilRow) -> Pupil:
    """The pupil a row holds."""
    return Pupil(
        id=row.id,
        school_id=row.school_id,
        first_name=row.first_name,
        last_name=row.last_name,
        date_of_birth=row.date_of_birth,
        year_group=row.year_group,
        address=to_address(row),
    )


def visit_values(visit: Visit) -> dict[str, Any]:
    """Column values for ``visit`` (used for inserts and versioned updates alike)."""
    values = visit.model_dump()
    values["reason"] = visit.reason.value
    values["state"] = visit.state.value
    values["staff_ids"] = list(visit.staff_ids)
    return values


def to_visit(row: VisitRow | Row[Any]) -> Visit:
    """The visit a row holds (an ORM row, or a Core row of the visits table)."""
    return Visit.model_validate(_columns(row, VisitRow) | {"staff_ids": tuple(row.staff_ids)})


def event_values(event: VisitEvent) -> dict[str, Any]:
    """Column values for ``event``; the store adds its per-visit number ``seq``."""
    return {
        "school_id": event.school_id,
        "visit_id": event.visit_id,
        "kind": event.kind.value,
        "at": event.at,
        "actor": event.actor,
        "state_from": event.state_from.value if event.state_from else None,
        "state_to": event.state_to.value if event.state_to else None,
        "data": dict(event.data),
    }


def to_event(row: VisitEventRow) -> VisitEvent:
    """The visit event a row holds (its sequence number is the row's, not the model's)."""
    values = _columns(row, VisitEventRow)
    del values["seq"]
    return VisitEvent.model_validate(values)


def risk_assessment_row(school_id: str, assessment: RiskAssessment) -> RiskAssessmentRow:
    """The row for a risk assessment; questionnaire, flags and findings as JSON."""
    dumped = assessment.model_dump(mode="json")
    return RiskAssessmentRow(
        school_id=school_id,
        id=assessment.id,
        visit_id=assessment.visit_id,
        completed_by=assessment.completed_by,
        completed_at=assessment.completed_at,
        questionnaire=dumped["questionnaire"],
        flags=dumped["flags"],
        findings=dumped["findings"],
    )


def to_risk_assessment(row: RiskAssessmentRow) -> RiskAssessment:
    """The risk assessment a row holds."""
    values = _columns(row, RiskAssessmentRow)
    del values["school_id"]
    return RiskAssessment.model_validate(values)


def check_in_row(school_id: str, check_in: CheckIn) -> CheckInRow:
    """The row for a check-in."""
    values = check_in.model_dump()
    values |= {"kind": check_in.kind.value, "channel": check_in.channel.value}
    return CheckInRow(school_id=school_id, **values)


def to_check_in(row: CheckInRow) -> CheckIn:
    """The check-in a row holds."""
    return CheckIn.model_validate(_without_school(row, CheckInRow))


def acknowledgement_row(school_id: str, ack: Acknowledgement) -> AcknowledgementRow:
    """The row for an acknowledgement."""
    return AcknowledgementRow(school_id=school_id, **ack.model_dump())


def to_acknowledgement(row: AcknowledgementRow) -> Acknowledgement:
    """The acknowledgement a row holds."""
    return Acknowledgement.model_validate(_without_school(row, AcknowledgementRow))


def doorstep_report_row(school_id: str, report: DoorstepReport) -> DoorstepReportRow:
    """The row for a doorstep report."""
    return DoorstepReportRow(school_id=school_id, **report.model_dump())


def to_doorstep_report(row: DoorstepReportRow) -> DoorstepReport:
    """The doorstep report a row holds."""
    return DoorstepReport.model_validate(_without_school(row, DoorstepReportRow))


def outcome_row(school_id: str, visit_id: str, outcome: Outcome) -> OutcomeRow:
    """The row for the outcome of visit ``visit_id``."""
    values = outcome.model_dump() | {"kind": outcome.kind.value}
    return OutcomeRow(school_id=school_id, visit_id=visit_id, **values)


def to_outcome(row: OutcomeRow) -> Outcome:
    """The outcome a row holds."""
    values = _without_school(row, OutcomeRow)
    del values["visit_id"]
    return Outcome.model_validate(values)


def note_row(school_id: str, note: VisitNote) -> VisitNoteRow:
    """The row for a visit note; its agreements go in rows of their own."""
    values = note.model_dump(mode="json", exclude={"agreements", "written_at"})
    return VisitNoteRow(school_id=school_id, written_at=note.written_at, **values)


def agreement_row(school_id: str, note_id: str, agreement: Agreement) -> AgreementRow:
    """The row for an agreement recorded in note ``note_id``."""
    return AgreementRow(school_id=school_id, note_id=note_id, **agreement.model_dump())


def to_agreement(row: AgreementRow) -> Agreement:
    """The agreement a row holds."""
    values = _without_school(row, AgreementRow)
    del values["note_id"]
    return Agreement.model_validate(values)


def to_note(row: VisitNoteRow, agreements: list[AgreementRow]) -> VisitNote:
    """The visit note a row holds, with the agreements recorded in it."""
    values = _without_school(row, VisitNoteRow)
    values["agreements"] = tuple(to_agreement(agreement) for agreement in agreements)
    values["seen"] = tuple(row.seen)
    return VisitNote.model_validate(values)


def _columns(row: object, table: type[object]) -> dict[str, Any]:
    columns = table.__table__.columns  # type: ignore[attr-defined]
    return {column.key: getattr(row, column.key) for column in columns}


def _without_school(row: object, table: type[object]) -> dict[str, Any]:
    values = _columns(row, table)
    del values["school_id"]
    return values
