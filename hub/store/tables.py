"""The store's tables as SQLAlchemy 2 typed declarative models.

Every row carries ``school_id``; primary keys start with it, so one hub can hold many
schools whose MIS ids overlap. Rows about a visit point at it through the composite
key ``(school_id, visit_id)``, so a row of school A can never hang off a visit of
school B. Personal columns (names, addresses, phones, vehicles, free text) live only
in ``staff``, ``pupils``, ``visit_notes``, ``agreements``, ``outcomes.reason``,
``visits.solo_reason`` and the questionnaire of ``risk_assessments``.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    String,
    Text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from hub.store.types import AwareDateTime

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
"""Named constraints, so migrations (and SQLite batch mode) can find them again."""

Id = String(128)
Code = String(64)


class Base(DeclarativeBase):
    """Declarative base holding the store's metadata."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def _visit_fk(table: str) -> ForeignKeyConstraint:
    return ForeignKeyConstraint(
        ["school_id", "visit_id"],
        ["visits.school_id", "visits.id"],
        name=f"fk_{table}_school_id_visit_id_visits",
    )


def _school_fk() -> Any:
    return ForeignKey("schools.id")


class SchoolRow(Base):
    """A school served by the hub."""

    __tablename__ = "schools"

    id: Mapped[str] = mapped_column(Code, primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    policy_pack: Mapped[str] = mapped_column(Code)
    timezone: Mapped[str] = mapped_column(Code)


class StaffRow(Base):
    """A member of staff. Personal: name, mobile, email, vehicle."""

    __tablename__ = "staff"

    school_id: Mapped[str] = mapped_column(Code, _school_fk(), primary_key=True)
    id: Mapped[str] = mapped_column(Id, primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    roles: Mapped[list[str]] = mapped_column(JSON)
    mobile: Mapped[str | None] = mapped_column(Text)
    email: Mapped[str | None] = mapped_column(Text)
    vehicle_make: Mapped[str | None] = mapped_column(Text)
    vehicle_model: Mapped[str | None] = mapped_column(Text)
    vehicle_registration: Mapped[str | None] = mapped_column(Text)
    vehicle_colour: Mapped[str | None] = mapped_column(Text)


class PupilRow(Base):
    """The pupils cache: what the MIS last said. Personal: names, birth date, address."""

    __tablename__ = "pupils"

    school_id: Mapped[str] = mapped_column(Code, _school_fk(), primary_key=True)
    id: Mapped[str] = mapped_column(Id, primary_key=True)
    first_name: Mapped[str] = mapped_column(Text)
    last_name: Mapped[str] = mapped_column(Text)
    date_of_birth: Mapped[date | None] = mapped_column(Date)
    year_group: Mapped[str | None] = mapped_column(Code)
    address_line1: Mapped[str | None] = mapped_column(Text)
    address_line2: Mapped[str | None] = mapped_column(Text)
    address_town: Mapped[str | None] = mapped_column(Text)
    address_postcode: Mapped[str | None] = mapped_column(String(10))
    household_id: Mapped[str | None] = mapped_column(Id)


class VisitRow(Base):
    """One home visit; ``version`` is checked on every save (optimistic concurrency)."""

    __tablename__ = "visits"
    __table_args__ = (Index("ix_visits_school_id_state", "school_id", "state"),)

    school_id: Mapped[str] = mapped_column(Code, _school_fk(), primary_key=True)
    id: Mapped[str] = mapped_column(Id, primary_key=True)
    pupil_id: Mapped[str] = mapped_column(Id)
    reason: Mapped[str] = mapped_column(Code)
    state: Mapped[str] = mapped_column(Code)
    planned_start: Mapped[datetime] = mapped_column(AwareDateTime)
    planned_end: Mapped[datetime] = mapped_column(AwareDateTime)
    staff_ids: Mapped[list[str]] = mapped_column(JSON)
    announced: Mapped[bool] = mapped_column(Boolean)
    requested_by: Mapped[str] = mapped_column(Id)
    requested_at: Mapped[datetime] = mapped_column(AwareDateTime)
    solo_reason: Mapped[str | None] = mapped_column(Text)
    solo_reason_accepted: Mapped[bool] = mapped_column(Boolean)
    authorised_by: Mapped[str | None] = mapped_column(Id)
    authorised_at: Mapped[datetime | None] = mapped_column(AwareDateTime)
    version: Mapped[int] = mapped_column(Integer)


class VisitEventRow(Base):
    """One line of a visit's history: append-only, numbered per visit from 1."""

    __tablename__ = "visit_events"
    __table_args__ = (_visit_fk("visit_events"),)

    school_id: Mapped[str] = mapped_column(Code, primary_key=True)
    visit_id: Mapped[str] = mapped_column(Id, primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    kind: Mapped[str] = mapped_column(Code)
    at: Mapped[datetime] = mapped_column(AwareDateTime)
    actor: Mapped[str | None] = mapped_column(Id)
    state_from: Mapped[str | None] = mapped_column(Code)
    state_to: Mapped[str | None] = mapped_column(Code)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)


class RiskAssessmentRow(Base):
    """A risk assessment. The questionnaire's free-text answers are personal."""

    __tablename__ = "risk_assessments"
    __table_args__ = (
        _visit_fk("risk_assessments"),
        Index("ix_risk_assessments_school_id_visit_id", "school_id", "visit_id"),
    )

    school_id: Mapped[str] = mapped_column(Code, primary_key=True)
    id: Mapped[str] = mapped_column(Id, primary_key=True)
    visit_id: Mapped[str] = mapped_column(Id)
    completed_by: Mapped[str] = mapped_column(Id)
    completed_at: Mapped[datetime] = mapped_column(AwareDateTime)
    questionnaire: Mapped[dict[str, Any]] = mapped_column(JSON)
    flags: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    findings: Mapped[list[dict[str, Any]]] = mapped_column(JSON)


class CheckInRow(Base):
    """Staff telling the school where they are (duress included, as on the model)."""

    __tablename__ = "check_ins"
    __table_args__ = (
        _visit_fk("check_ins"),
        Index("ix_check_ins_school_id_visit_id", "school_id", "visit_id"),
    )

    school_id: Mapped[str] = mapped_column(Code, primary_key=True)
    id: Mapped[str] = mapped_column(Id, primary_key=True)
    visit_id: Mapped[str] = mapped_column(Id)
    staff_id: Mapped[str] = mapped_column(Id)
    kind: Mapped[str] = mapped_column(Code)
    at: Mapped[datetime] = mapped_column(AwareDateTime)
    channel: Mapped[str] = mapped_column(Code)
    duress: Mapped[bool] = mapped_column(Boolean)
    recorded_by: Mapped[str | None] = mapped_column(Id)


class AcknowledgementRow(Base):
    """A person took responsibility for one escalation rung; kept once per person and rung."""

    __tablename__ = "acknowledgements"
    __table_args__ = (_visit_fk("acknowledgements"),)

    school_id: Mapped[str] = mapped_column(Code, primary_key=True)
    visit_id: Mapped[str] = mapped_column(Id, primary_key=True)
    rung: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    by: Mapped[str] = mapped_column(Id, primary_key=True)
    at: Mapped[datetime] = mapped_column(AwareDateTime)


class DoorstepReportRow(Base):
    """What staff found at the door."""

    __tablename__ = "doorstep_reports"
    __table_args__ = (_visit_fk("doorstep_reports"),)

    school_id: Mapped[str] = mapped_column(Code, primary_key=True)
    visit_id: Mapped[str] = mapped_column(Id, primary_key=True)
    kind: Mapped[str] = mapped_column(Code, primary_key=True)
    at: Mapped[datetime] = mapped_column(AwareDateTime, primary_key=True)
    expected_at: Mapped[datetime | None] = mapped_column(AwareDateTime)


class OutcomeRow(Base):
    """How the visit ended; every recording is kept, the latest is the visit's outcome."""

    __tablename__ = "outcomes"
    __table_args__ = (_visit_fk("outcomes"),)

    school_id: Mapped[str] = mapped_column(Code, primary_key=True)
    visit_id: Mapped[str] = mapped_column(Id, primary_key=True)
    recorded_at: Mapped[datetime] = mapped_column(AwareDateTime, primary_key=True)
    kind: Mapped[str] = mapped_column(Code)
    recorded_by: Mapped[str] = mapped_column(Id)
    calling_card_left: Mapped[bool] = mapped_column(Boolean)
    reason: Mapped[str | None] = mapped_column(Text)


class VisitNoteRow(Base):
    """The visit record for the safeguarding system. Personal: all its text."""

    __tablename__ = "visit_notes"
    __table_args__ = (
        _visit_fk("visit_notes"),
        Index("ix_visit_notes_school_id_visit_id", "school_id", "visit_id"),
    )

    school_id: Mapped[str] = mapped_column(Code, primary_key=True)
    id: Mapped[str] = mapped_column(Id, primary_key=True)
    visit_id: Mapped[str] = mapped_column(Id)
    pupil_id: Mapped[str] = mapped_column(Id)
    written_by: Mapped[str] = mapped_column(Id)
    written_at: Mapped[datetime] = mapped_column(AwareDateTime)
    location: Mapped[str | None] = mapped_column(Text)
    seen: Mapped[list[str]] = mapped_column(JSON)
    discussion: Mapped[str] = mapped_column(Text)
    concerns: Mapped[str | None] = mapped_column(Text)
    safeguarding_concern: Mapped[bool] = mapped_column(Boolean)
    signatures: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    version: Mapped[int] = mapped_column(Integer)


class AgreementRow(Base):
    """Something agreed with the family, recorded with the note it came in."""

    __tablename__ = "agreements"
    __table_args__ = (
        _visit_fk("agreements"),
        ForeignKeyConstraint(
            ["school_id", "note_id"],
            ["visit_notes.school_id", "visit_notes.id"],
            name="fk_agreements_school_id_note_id_visit_notes",
        ),
        Index("ix_agreements_school_id_visit_id", "school_id", "visit_id"),
    )

    school_id: Mapped[str] = mapped_column(Code, primary_key=True)
    id: Mapped[str] = mapped_column(Id, primary_key=True)
    visit_id: Mapped[str] = mapped_column(Id)
    note_id: Mapped[str] = mapped_column(Id)
    pupil_id: Mapped[str] = mapped_column(Id)
    action: Mapped[str] = mapped_column(Text)
    owner: Mapped[str] = mapped_column(Code)
    due_by: Mapped[date | None] = mapped_column(Date)
    made_at: Mapped[datetime] = mapped_column(AwareDateTime)


class BoardStateRow(Base):
    """What the office board shows for a visit beyond its state (engine-owned; no personal data)."""

    __tablename__ = "board_states"
    __table_args__ = (_visit_fk("board_states"),)

    school_id: Mapped[str] = mapped_column(Code, primary_key=True)
    visit_id: Mapped[str] = mapped_column(Id, primary_key=True)
    state: Mapped[str] = mapped_column(Code)
    since: Mapped[datetime] = mapped_column(AwareDateTime)
    rung: Mapped[int | None] = mapped_column(Integer)
    detail: Mapped[str] = mapped_column(Text)


class DeliveryRow(Base):
    """The outbox: one outbound push and its progress, keyed by its idempotency key."""

    __tablename__ = "deliveries"
    __table_args__ = (
        _visit_fk("deliveries"),
        Index("ix_deliveries_status", "status"),
    )

    school_id: Mapped[str] = mapped_column(Code, primary_key=True)
    key: Mapped[str] = mapped_column(String(512), primary_key=True)
    visit_id: Mapped[str] = mapped_column(Id)
    purpose: Mapped[str] = mapped_column(Code)
    object_id: Mapped[str] = mapped_column(Id)
    object_version: Mapped[int] = mapped_column(Integer)
    destination: Mapped[str] = mapped_column(Code)
    status: Mapped[str] = mapped_column(Code)
    round: Mapped[int] = mapped_column(Integer)
    attempts: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text)
    external_id: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(AwareDateTime)
    updated_at: Mapped[datetime] = mapped_column(AwareDateTime)


def _pupil_fk(table: str) -> ForeignKeyConstraint:
    return ForeignKeyConstraint(
        ["school_id", "pupil_id"],
        ["pupils.school_id", "pupils.id"],
        name=f"fk_{table}_school_id_pupil_id_pupils",
    )


class ContactRow(Base):
    """The contacts cache: who the MIS says the school may contact about a pupil.

    Personal: name, phone, email, address. Replaced as a whole per pupil by the sync.
    """

    __tablename__ = "contacts"
    __table_args__ = (_pupil_fk("contacts"),)

    school_id: Mapped[str] = mapped_column(Code, primary_key=True)
    pupil_id: Mapped[str] = mapped_column(Id, primary_key=True)
    id: Mapped[str] = mapped_column(Id, primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    relationship: Mapped[str] = mapped_column(Text)
    parental_responsibility: Mapped[bool] = mapped_column(Boolean)
    phone: Mapped[str | None] = mapped_column(Text)
    email: Mapped[str | None] = mapped_column(Text)
    address_line1: Mapped[str | None] = mapped_column(Text)
    address_line2: Mapped[str | None] = mapped_column(Text)
    address_town: Mapped[str | None] = mapped_column(Text)
    address_postcode: Mapped[str | None] = mapped_column(String(10))
    household_id: Mapped[str | None] = mapped_column(Id)
    priority: Mapped[int] = mapped_column(Integer)


class AttendanceSummaryRow(Base):
    """The attendance cache: one summary per pupil over the pack's window (no personal data)."""

    __tablename__ = "attendance_summaries"
    __table_args__ = (_pupil_fk("attendance_summaries"),)

    school_id: Mapped[str] = mapped_column(Code, primary_key=True)
    pupil_id: Mapped[str] = mapped_column(Id, primary_key=True)
    since: Mapped[date] = mapped_column(Date)
    until: Mapped[date] = mapped_column(Date)
    possible_sessions: Mapped[int] = mapped_column(Integer)
    attended_sessions: Mapped[int] = mapped_column(Integer)


class SyncRunRow(Base):
    """One run of the roll sync: mode, outcome, high-water mark and counts (no personal data)."""

    __tablename__ = "sync_runs"
    __table_args__ = (Index("ix_sync_runs_school_id_started_at", "school_id", "started_at"),)

    school_id: Mapped[str] = mapped_column(Code, _school_fk(), primary_key=True)
    id: Mapped[str] = mapped_column(Id, primary_key=True)
    mode: Mapped[str] = mapped_column(Code)
    status: Mapped[str] = mapped_column(Code)
    started_at: Mapped[datetime] = mapped_column(AwareDateTime)
    finished_at: Mapped[datetime] = mapped_column(AwareDateTime)
    since: Mapped[datetime | None] = mapped_column(AwareDateTime)
    high_water_mark: Mapped[datetime | None] = mapped_column(AwareDateTime)
    counts: Mapped[dict[str, Any]] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(Text)


class UserRow(Base):
    """A person who signs in to the API or the web UI. Holds hashes only, never secrets."""

    __tablename__ = "users"

    id: Mapped[str] = mapped_column(Id, primary_key=True)
    password_hash: Mapped[str | None] = mapped_column(Text)
    pin_hash: Mapped[str | None] = mapped_column(Text)
    duress_pin_hash: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(AwareDateTime)
    disabled_at: Mapped[datetime | None] = mapped_column(AwareDateTime)


class MembershipRow(Base):
    """A user's roles at one school, and the member of staff they are there."""

    __tablename__ = "memberships"

    user_id: Mapped[str] = mapped_column(Id, ForeignKey("users.id"), primary_key=True)
    school_id: Mapped[str] = mapped_column(Code, _school_fk(), primary_key=True)
    staff_id: Mapped[str] = mapped_column(Id)
    roles: Mapped[list[str]] = mapped_column(JSON)


class ApiTokenRow(Base):
    """An API token: its SHA-256 hash (the token itself is shown once and never stored)."""

    __tablename__ = "api_tokens"

    id: Mapped[str] = mapped_column(Code, primary_key=True)
    user_id: Mapped[str] = mapped_column(Id, ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(AwareDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(AwareDateTime)


class UserSessionRow(Base):
    """A web UI session: the SHA-256 hash of its cookie value, and when it ends."""

    __tablename__ = "user_sessions"

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(Id, ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(AwareDateTime)
    expires_at: Mapped[datetime] = mapped_column(AwareDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(AwareDateTime)


class IdempotencyRow(Base):
    """The first response to one ``Idempotency-Key`` of one user, with the request's hash."""

    __tablename__ = "idempotency_keys"

    principal: Mapped[str] = mapped_column(Id, primary_key=True)
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(Code)
    response_status: Mapped[int | None] = mapped_column(Integer)
    response_body: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(AwareDateTime, index=True)


class VisitReadRow(Base):
    """Who read a visit's record through the API, when, and whether it had risk flags."""

    __tablename__ = "visit_reads"
    __table_args__ = (
        _visit_fk("visit_reads"),
        Index("ix_visit_reads_school_id_visit_id", "school_id", "visit_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    school_id: Mapped[str] = mapped_column(Code)
    visit_id: Mapped[str] = mapped_column(Id)
    user_id: Mapped[str] = mapped_column(Id)
    roles: Mapped[str] = mapped_column(Code)
    at: Mapped[datetime] = mapped_column(AwareDateTime)
    risk_flags: Mapped[bool] = mapped_column(Boolean)
    risk_detail: Mapped[bool] = mapped_column(Boolean)


class AttendanceMarkRow(Base):
    """One register entry: a pupil's code for one session of one day (no personal data).

    Not tied to the pupils cache by a foreign key: the register outlives a roll sync
    that drops a leaver, and the referral evidence may still need it.
    """

    __tablename__ = "attendance_marks"

    school_id: Mapped[str] = mapped_column(Code, _school_fk(), primary_key=True)
    pupil_id: Mapped[str] = mapped_column(Id, primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    session: Mapped[str] = mapped_column(String(2), primary_key=True)
    code: Mapped[str] = mapped_column(String(4))


class ReferralPromptRow(Base):
    """A prompt to consider a referral, and the person's decision. Personal: ``reason``."""

    __tablename__ = "referral_prompts"
    __table_args__ = (Index("ix_referral_prompts_school_id_pupil_id", "school_id", "pupil_id"),)

    school_id: Mapped[str] = mapped_column(Code, _school_fk(), primary_key=True)
    id: Mapped[str] = mapped_column(Id, primary_key=True)
    pupil_id: Mapped[str] = mapped_column(Id)
    measure: Mapped[str] = mapped_column(Code)
    raised_at: Mapped[datetime] = mapped_column(AwareDateTime)
    notify: Mapped[list[str]] = mapped_column(JSON)
    evidence: Mapped[dict[str, Any]] = mapped_column(JSON)
    decision: Mapped[str | None] = mapped_column(Code)
    decided_by: Mapped[str | None] = mapped_column(Id)
    decided_at: Mapped[datetime | None] = mapped_column(AwareDateTime)
    reason: Mapped[str | None] = mapped_column(Text)


class VisitProposalRow(Base):
    """A suggested visit (attendance, or an agreement not kept); no personal data."""

    __tablename__ = "visit_proposals"
    __table_args__ = (Index("ix_visit_proposals_school_id_pupil_id", "school_id", "pupil_id"),)

    school_id: Mapped[str] = mapped_column(Code, _school_fk(), primary_key=True)
    id: Mapped[str] = mapped_column(Id, primary_key=True)
    pupil_id: Mapped[str] = mapped_column(Id)
    reason: Mapped[str] = mapped_column(Code)
    cause: Mapped[str] = mapped_column(Code)
    agreement_id: Mapped[str | None] = mapped_column(Id)
    raised_at: Mapped[datetime] = mapped_column(AwareDateTime)
    evidence: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(Code)


class AgreementTrackingRow(Base):
    """Whether an agreement is kept, and the reminder and follow-up it led to."""

    __tablename__ = "agreement_tracking"

    school_id: Mapped[str] = mapped_column(Code, _school_fk(), primary_key=True)
    agreement_id: Mapped[str] = mapped_column(Id, primary_key=True)
    visit_id: Mapped[str] = mapped_column(Id)
    pupil_id: Mapped[str] = mapped_column(Id)
    status: Mapped[str] = mapped_column(Code)
    breaches: Mapped[int] = mapped_column(Integer)
    checked_at: Mapped[datetime | None] = mapped_column(AwareDateTime)
    reminder_letter_id: Mapped[str | None] = mapped_column(Id)
    proposal_id: Mapped[str | None] = mapped_column(Id)


class LetterRow(Base):
    """A letter produced for a family: ids and where its files are (the text is in them)."""

    __tablename__ = "letters"
    __table_args__ = (Index("ix_letters_school_id_pupil_id", "school_id", "pupil_id"),)

    school_id: Mapped[str] = mapped_column(Code, _school_fk(), primary_key=True)
    id: Mapped[str] = mapped_column(Id, primary_key=True)
    pupil_id: Mapped[str] = mapped_column(Id)
    kind: Mapped[str] = mapped_column(Code)
    created_at: Mapped[datetime] = mapped_column(AwareDateTime)
    visit_id: Mapped[str | None] = mapped_column(Id)
    agreement_id: Mapped[str | None] = mapped_column(Id)
    html_path: Mapped[str | None] = mapped_column(Text)
    pdf_path: Mapped[str | None] = mapped_column(Text)


class FollowUpNoteRow(Base):
    """A line of a pupil's follow-up record written by the hub (counts and dates only)."""

    __tablename__ = "followup_notes"
    __table_args__ = (Index("ix_followup_notes_school_id_pupil_id", "school_id", "pupil_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    school_id: Mapped[str] = mapped_column(Code, _school_fk())
    pupil_id: Mapped[str] = mapped_column(Id)
    at: Mapped[datetime] = mapped_column(AwareDateTime)
    kind: Mapped[str] = mapped_column(Code)
    text: Mapped[str] = mapped_column(Text)
    agreement_id: Mapped[str | None] = mapped_column(Id)
