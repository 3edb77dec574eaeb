"""The roll sync's cache and history: contacts, attendance summaries and sync runs.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25

Column types are written out here, as in 0001, so this revision stays the same when
the models move on. ``contacts`` holds personal data (names, phones, e-mails,
addresses); ``attendance_summaries`` and ``sync_runs`` hold none.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _code(name: str) -> sa.Column[str]:
    return sa.Column(name, sa.String(length=64), nullable=False)


def _id(name: str, *, nullable: bool = False) -> sa.Column[str]:
    return sa.Column(name, sa.String(length=128), nullable=nullable)


def _text(name: str, *, nullable: bool = True) -> sa.Column[str]:
    return sa.Column(name, sa.Text(), nullable=nullable)


def _count(name: str) -> sa.Column[int]:
    return sa.Column(name, sa.Integer(), nullable=False)


def _pupil(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["school_id", "pupil_id"],
        ["pupils.school_id", "pupils.id"],
        name=f"fk_{table}_school_id_pupil_id_pupils",
    )


def upgrade() -> None:
    """Create ``contacts``, ``attendance_summaries`` and ``sync_runs``."""
    op.create_table(
        "contacts",
        _code("school_id"),
        _id("pupil_id"),
        _id("id"),
        _text("name", nullable=False),
        _text("relationship", nullable=False),
        sa.Column("parental_responsibility", sa.Boolean(), nullable=False),
        _text("phone"),
        _text("email"),
        _text("address_line1"),
        _text("address_line2"),
        _text("address_town"),
        sa.Column("address_postcode", sa.String(length=10), nullable=True),
        _id("household_id", nullable=True),
        _count("priority"),
        _pupil("contacts"),
        sa.PrimaryKeyConstraint("school_id", "pupil_id", "id", name="pk_contacts"),
    )
    op.create_table(
        "attendance_summaries",
        _code("school_id"),
        _id("pupil_id"),
        sa.Column("since", sa.Date(), nullable=False),
        sa.Column("until", sa.Date(), nullable=False),
        _count("possible_sessions"),
        _count("attended_sessions"),
        _pupil("attendance_summaries"),
        sa.PrimaryKeyConstraint("school_id", "pupil_id", name="pk_attendance_summaries"),
    )
    op.create_table(
        "sync_runs",
        _code("school_id"),
        _id("id"),
        _code("mode"),
        _code("status"),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("since", sa.DateTime(timezone=True), nullable=True),
        sa.Column("high_water_mark", sa.DateTime(timezone=True), nullable=True),
        sa.Column("counts", sa.JSON(), nullable=False),
        _text("error"),
        sa.ForeignKeyConstraint(
            ["school_id"], ["schools.id"], name="fk_sync_runs_school_id_schools"
        ),
        sa.PrimaryKeyConstraint("school_id", "id", name="pk_sync_runs"),
    )
    op.create_index("ix_sync_runs_school_id_started_at", "sync_runs", ["school_id", "started_at"])


def downgrade() -> None:
    """Drop the three tables."""
    op.drop_index("ix_sync_runs_school_id_started_at", table_name="sync_runs")
    op.drop_table("sync_runs")
    op.drop_table("attendance_summaries")
    op.drop_table("contacts")
