"""The durable engine's tables: the office board's alarm states and the delivery outbox.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24

Column types are written out here, as in 0001, so this revision stays the same when
the models move on. Neither table holds personal data.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _visit(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["school_id", "visit_id"],
        ["visits.school_id", "visits.id"],
        name=f"fk_{table}_school_id_visit_id_visits",
    )


def _code(name: str) -> sa.Column[str]:
    return sa.Column(name, sa.String(length=64), nullable=False)


def _id(name: str) -> sa.Column[str]:
    return sa.Column(name, sa.String(length=128), nullable=False)


def upgrade() -> None:
    """Create ``board_states`` and ``deliveries``."""
    op.create_table(
        "board_states",
        _code("school_id"),
        _id("visit_id"),
        _code("state"),
        sa.Column("since", sa.DateTime(timezone=True), nullable=False),
        sa.Column("rung", sa.Integer(), nullable=True),
        sa.Column("detail", sa.Text(), nullable=False),
        _visit("board_states"),
        sa.PrimaryKeyConstraint("school_id", "visit_id", name="pk_board_states"),
    )
    op.create_table(
        "deliveries",
        _code("school_id"),
        sa.Column("key", sa.String(length=512), nullable=False),
        _id("visit_id"),
        _code("purpose"),
        _id("object_id"),
        sa.Column("object_version", sa.Integer(), nullable=False),
        _code("destination"),
        _code("status"),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("external_id", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        _visit("deliveries"),
        sa.PrimaryKeyConstraint("school_id", "key", name="pk_deliveries"),
    )
    op.create_index("ix_deliveries_status", "deliveries", ["status"])


def downgrade() -> None:
    """Drop both tables."""
    op.drop_index("ix_deliveries_status", table_name="deliveries")
    op.drop_table("deliveries")
    op.drop_table("board_states")
