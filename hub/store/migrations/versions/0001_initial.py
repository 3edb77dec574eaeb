"""Initial tables: schools, staff, pupils, visits and everything recorded about a visit.

Revision ID: 0001
Revises:
Create Date: 2026-11-23

Column types are written out here rather than imported from ``hub.store.tables`` so
that this revision stays the same when the models move on. ``visit_events`` is
append-only: a trigger refuses UPDATE and DELETE on both SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APPEND_ONLY = "visit events are append-only"

_PG_FUNCTION = f"""
CREATE FUNCTION doorstep_refuse_event_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '{APPEND_ONLY}';
END
$$
"""
_PG_TRIGGER = """
CREATE TRIGGER visit_events_append_only BEFORE UPDATE OR DELETE ON visit_events
FOR EACH ROW EXECUTE FUNCTION doorstep_refuse_event_change()
"""


def _code(name: str, *, nullable: bool = False) -> sa.Column[str]:
    return sa.Column(name, sa.String(length=64), nullable=nullable)


def _id(name: str, *, nullable: bool = False) -> sa.Column[str]:
    return sa.Column(name, sa.String(length=128), nullable=nullable)


def _text(name: str, *, nullable: bool = True) -> sa.Column[str]:
    return sa.Column(name, sa.Text(), nullable=nullable)


def _time(name: str, *, nullable: bool = False) -> sa.Column[datetime]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _flag(name: str) -> sa.Column[bool]:
    return sa.Column(name, sa.Boolean(), nullable=False)


def _json(name: str) -> sa.Column[object]:
    return sa.Column(name, sa.JSON(), nullable=False)


def _school(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["school_id"], ["schools.id"], name=f"fk_{table}_school_id_schools"
    )


def _visit(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["school_id", "visit_id"],
        ["visits.school_id", "visits.id"],
        name=f"fk_{table}_school_id_visit_id_visits",
    )


def _pk(table: str, *columns: str) -> sa.PrimaryKeyConstraint:
    return sa.PrimaryKeyConstraint("school_id", *columns, name=f"pk_{table}")


def _by_visit(table: str) -> None:
    op.create_index(f"ix_{table}_school_id_visit_id", table, ["school_id", "visit_id"])


def upgrade() -> None:
    """Create every table, its indexes and the append-only trigger on visit events."""
    op.create_table(
        "schools",
        _code("id"),
        _text("name", nullable=False),
        _code("policy_pack"),
        _code("timezone"),
        sa.PrimaryKeyConstraint("id", name="pk_schools"),
    )
    op.create_table(
        "staff",
        _code("school_id"),
        _id("id"),
        _text("name", nullable=False),
        _json("roles"),
        _text("mobile"),
        _text("email"),
        _text("vehicle_make"),
        _text("vehicle_model"),
        _text("vehicle_registration"),
        _text("vehicle_colour"),
        _school("staff"),
        _pk("staff", "id"),
    )
    op.create_table(
        "pupils",
        _code("school_id"),
        _id("id"),
        _text("first_name", nullable=False),
        _text("last_name", nullable=False),
        sa.Column("date_of_birth", sa.Date(), nullable=True),
        _code("year_group", nullable=True),
        _text("address_line1"),
        _text("address_line2"),
        _text("address_town"),
        sa.Column("address_postcode", sa.String(length=10), nullable=True),
        _id("household_id", nullable=True),
        _school("pupils"),
        _pk("pupils", "id"),
    )
    op.create_table(
        "visits",
        _code("school_id"),
        _id("id"),
        _id("pupil_id"),
        _code("reason"),
        _code("state"),
        _time("planned_start"),
        _time("planned_end"),
        _json("staff_ids"),
        _flag("announced"),
        _id("requested_by"),
        _time("requested_at"),
        _text("solo_reason"),
        _flag("solo_reason_accepted"),
        _id("authorised_by", nullable=True),
        _time("authorised_at", nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        _school("visits"),
        _pk("visits", "id"),
    )
    op.create_index("ix_visits_school_id_state", "visits", ["school_id", "state"])
    op.create_table(
        "visit_events",
        _code("school_id"),
        _id("visit_id"),
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        _code("kind"),
        _time("at"),
        _id("actor", nullable=True),
        _code("state_from", nullable=True),
        _code("state_to", nullable=True),
        _json("data"),
        _visit("visit_events"),
        _pk("visit_events", "visit_id", "seq"),
    )
    op.create_table(
        "risk_assessments",
        _code("school_id"),
        _id("id"),
        _id("visit_id"),
        _id("completed_by"),
        _time("completed_at"),
        _json("questionnaire"),
        _json("flags"),
        _json("findings"),
        _visit("risk_assessments"),
        _pk("risk_assessments", "id"),
    )
    _by_visit("risk_assessments")
    op.create_table(
        "check_ins",
        _code("school_id"),
        _id("id"),
        _id("visit_id"),
        _id("staff_id"),
        _code("kind"),
        _time("at"),
        _code("channel"),
        _flag("duress"),
        _id("recorded_by", nullable=True),
        _visit("check_ins"),
        _pk("check_ins", "id"),
    )
    _by_visit("check_ins")
    op.create_table(
        "acknowledgements",
        _code("school_id"),
        _id("visit_id"),
        sa.Column("rung", sa.Integer(), autoincrement=False, nullable=False),
        _id("by"),
        _time("at"),
        _visit("acknowledgements"),
        _pk("acknowledgements", "visit_id", "rung", "by"),
    )
    op.create_table(
        "doorstep_reports",
        _code("school_id"),
        _id("visit_id"),
        _code("kind"),
        _time("at"),
        _time("expected_at", nullable=True),
        _visit("doorstep_reports"),
        _pk("doorstep_reports", "visit_id", "kind", "at"),
    )
    op.create_table(
        "outcomes",
        _code("school_id"),
        _id("visit_id"),
        _time("recorded_at"),
        _code("kind"),
        _id("recorded_by"),
        _flag("calling_card_left"),
        _text("reason"),
        _visit("outcomes"),
        _pk("outcomes", "visit_id", "recorded_at"),
    )
    op.create_table(
        "visit_notes",
        _code("school_id"),
        _id("id"),
        _id("visit_id"),
        _id("pupil_id"),
        _id("written_by"),
        _time("written_at"),
        _text("location"),
        _json("seen"),
        _text("discussion", nullable=False),
        _text("concerns"),
        _flag("safeguarding_concern"),
        _json("signatures"),
        sa.Column("version", sa.Integer(), nullable=False),
        _visit("visit_notes"),
        _pk("visit_notes", "id"),
    )
    _by_visit("visit_notes")
    op.create_table(
        "agreements",
        _code("school_id"),
        _id("id"),
        _id("visit_id"),
        _id("note_id"),
        _id("pupil_id"),
        _text("action", nullable=False),
        _code("owner"),
        sa.Column("due_by", sa.Date(), nullable=True),
        _time("made_at"),
        _visit("agreements"),
        sa.ForeignKeyConstraint(
            ["school_id", "note_id"],
            ["visit_notes.school_id", "visit_notes.id"],
            name="fk_agreements_school_id_note_id_visit_notes",
        ),
        _pk("agreements", "id"),
    )
    _by_visit("agreements")
    _create_append_only_trigger()


def downgrade() -> None:
    """Drop everything ``upgrade`` created, children first."""
    _drop_append_only_trigger()
    for table in ("agreements", "visit_notes", "check_ins", "risk_assessments"):
        op.drop_index(f"ix_{table}_school_id_visit_id", table_name=table)
    op.drop_index("ix_visits_school_id_state", table_name="visits")
    for table in (
        "agreements",
        "visit_notes",
        "outcomes",
        "doorstep_reports",
        "acknowledgements",
        "check_ins",
        "risk_assessments",
        "visit_events",
        "visits",
        "pupils",
        "staff",
        "schools",
    ):
        op.drop_table(table)


def _create_append_only_trigger() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_PG_FUNCTION)
        op.execute(_PG_TRIGGER)
        return
    for verb in ("UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER visit_events_no_{verb.lower()} BEFORE {verb} ON visit_events "
            f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END"
        )


def _drop_append_only_trigger() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER visit_events_append_only ON visit_events")
        op.execute("DROP FUNCTION doorstep_refuse_event_change()")
        return
    for verb in ("update", "delete"):
        op.execute(f"DROP TRIGGER visit_events_no_{verb}")
