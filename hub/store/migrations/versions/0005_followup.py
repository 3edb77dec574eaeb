"""Follow-up: register marks, referral prompts, suggested visits, agreement tracking,
letters and follow-up notes.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26

Column types are written out here, as in 0001, so this revision stays the same when
the models move on. Only ``referral_prompts.reason`` holds personal data (a person's
words); letters' text lives in their files, never in the database.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _code(name: str, *, nullable: bool = False) -> sa.Column[str]:
    return sa.Column(name, sa.String(length=64), nullable=nullable)


def _id(name: str, *, nullable: bool = False) -> sa.Column[str]:
    return sa.Column(name, sa.String(length=128), nullable=nullable)


def _at(name: str, *, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _school(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["school_id"], ["schools.id"], name=f"fk_{table}_school_id_schools"
    )


def upgrade() -> None:
    """Create the six tables."""
    op.create_table(
        "attendance_marks",
        _code("school_id"),
        _id("pupil_id"),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("session", sa.String(length=2), nullable=False),
        sa.Column("code", sa.String(length=4), nullable=False),
        _school("attendance_marks"),
        sa.PrimaryKeyConstraint(
            "school_id", "pupil_id", "day", "session", name="pk_attendance_marks"
        ),
    )
    op.create_table(
        "referral_prompts",
        _code("school_id"),
        _id("id"),
        _id("pupil_id"),
        _code("measure"),
        _at("raised_at"),
        sa.Column("notify", sa.JSON(), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        _code("decision", nullable=True),
        _id("decided_by", nullable=True),
        _at("decided_at", nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        _school("referral_prompts"),
        sa.PrimaryKeyConstraint("school_id", "id", name="pk_referral_prompts"),
    )
    op.create_index(
        "ix_referral_prompts_school_id_pupil_id", "referral_prompts", ["school_id", "pupil_id"]
    )
    op.create_table(
        "visit_proposals",
        _code("school_id"),
        _id("id"),
        _id("pupil_id"),
        _code("reason"),
        _code("cause"),
        _id("agreement_id", nullable=True),
        _at("raised_at"),
        sa.Column("evidence", sa.JSON(), nullable=False),
        _code("status"),
        _school("visit_proposals"),
        sa.PrimaryKeyConstraint("school_id", "id", name="pk_visit_proposals"),
    )
    op.create_index(
        "ix_visit_proposals_school_id_pupil_id", "visit_proposals", ["school_id", "pupil_id"]
    )
    op.create_table(
        "agreement_tracking",
        _code("school_id"),
        _id("agreement_id"),
        _id("visit_id"),
        _id("pupil_id"),
        _code("status"),
        sa.Column("breaches", sa.Integer(), nullable=False),
        _at("checked_at", nullable=True),
        _id("reminder_letter_id", nullable=True),
        _id("proposal_id", nullable=True),
        _school("agreement_tracking"),
        sa.PrimaryKeyConstraint("school_id", "agreement_id", name="pk_agreement_tracking"),
    )
    op.create_table(
        "letters",
        _code("school_id"),
        _id("id"),
        _id("pupil_id"),
        _code("kind"),
        _at("created_at"),
        _id("visit_id", nullable=True),
        _id("agreement_id", nullable=True),
        sa.Column("html_path", sa.Text(), nullable=True),
        sa.Column("pdf_path", sa.Text(), nullable=True),
        _school("letters"),
        sa.PrimaryKeyConstraint("school_id", "id", name="pk_letters"),
    )
    op.create_index("ix_letters_school_id_pupil_id", "letters", ["school_id", "pupil_id"])
    op.create_table(
        "followup_notes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        _code("school_id"),
        _id("pupil_id"),
        _at("at"),
        _code("kind"),
        sa.Column("text", sa.Text(), nullable=False),
        _id("agreement_id", nullable=True),
        _school("followup_notes"),
        sa.PrimaryKeyConstraint("id", name="pk_followup_notes"),
    )
    op.create_index(
        "ix_followup_notes_school_id_pupil_id", "followup_notes", ["school_id", "pupil_id"]
    )


def downgrade() -> None:
    """Drop the six tables."""
    op.drop_index("ix_followup_notes_school_id_pupil_id", table_name="followup_notes")
    op.drop_table("followup_notes")
    op.drop_index("ix_letters_school_id_pupil_id", table_name="letters")
    op.drop_table("letters")
    op.drop_table("agreement_tracking")
    op.drop_index("ix_visit_proposals_school_id_pupil_id", table_name="visit_proposals")
    op.drop_table("visit_proposals")
    op.drop_index("ix_referral_prompts_school_id_pupil_id", table_name="referral_prompts")
    op.drop_table("referral_prompts")
    op.drop_table("attendance_marks")
