"""The API's tables: users, memberships, API tokens, sessions, idempotency keys, visit reads.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25

Column types are written out here, as in 0001, so this revision stays the same when
the models move on. No table holds a secret: tokens, session ids, passwords and PINs
are stored as hashes. ``idempotency_keys.response_body`` holds an API response as
sent, which can be personal data, and is deleted once its key expires.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _code(name: str) -> sa.Column[str]:
    return sa.Column(name, sa.String(length=64), nullable=False)


def _id(name: str) -> sa.Column[str]:
    return sa.Column(name, sa.String(length=128), nullable=False)


def _at(name: str, *, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _user(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=f"fk_{table}_user_id_users")


def upgrade() -> None:
    """Create the six tables."""
    op.create_table(
        "users",
        _id("id"),
        sa.Column("password_hash", sa.Text(), nullable=True),
        sa.Column("pin_hash", sa.Text(), nullable=True),
        sa.Column("duress_pin_hash", sa.Text(), nullable=True),
        _at("created_at"),
        _at("disabled_at", nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_users"),
    )
    op.create_table(
        "memberships",
        _id("user_id"),
        _code("school_id"),
        _id("staff_id"),
        sa.Column("roles", sa.JSON(), nullable=False),
        _user("memberships"),
        sa.ForeignKeyConstraint(
            ["school_id"], ["schools.id"], name="fk_memberships_school_id_schools"
        ),
        sa.PrimaryKeyConstraint("user_id", "school_id", name="pk_memberships"),
    )
    op.create_table(
        "api_tokens",
        _code("id"),
        _id("user_id"),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("label", sa.Text(), nullable=False),
        _at("created_at"),
        _at("revoked_at", nullable=True),
        _user("api_tokens"),
        sa.PrimaryKeyConstraint("id", name="pk_api_tokens"),
        sa.UniqueConstraint("token_hash", name="uq_api_tokens_token_hash"),
    )
    op.create_index("ix_api_tokens_user_id", "api_tokens", ["user_id"])
    op.create_table(
        "user_sessions",
        sa.Column("id_hash", sa.String(length=64), nullable=False),
        _id("user_id"),
        _at("created_at"),
        _at("expires_at"),
        _at("revoked_at", nullable=True),
        _user("user_sessions"),
        sa.PrimaryKeyConstraint("id_hash", name="pk_user_sessions"),
    )
    op.create_index("ix_user_sessions_user_id", "user_sessions", ["user_id"])
    op.create_table(
        "idempotency_keys",
        _id("principal"),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        _code("status"),
        sa.Column("response_status", sa.Integer(), nullable=True),
        sa.Column("response_body", sa.Text(), nullable=True),
        _at("created_at"),
        sa.PrimaryKeyConstraint("principal", "key", name="pk_idempotency_keys"),
    )
    op.create_index("ix_idempotency_keys_created_at", "idempotency_keys", ["created_at"])
    op.create_table(
        "visit_reads",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        _code("school_id"),
        _id("visit_id"),
        _id("user_id"),
        _code("roles"),
        _at("at"),
        sa.Column("risk_flags", sa.Boolean(), nullable=False),
        sa.Column("risk_detail", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["school_id", "visit_id"],
            ["visits.school_id", "visits.id"],
            name="fk_visit_reads_school_id_visit_id_visits",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_visit_reads"),
    )
    op.create_index("ix_visit_reads_school_id_visit_id", "visit_reads", ["school_id", "visit_id"])


def downgrade() -> None:
    """Drop the six tables."""
    op.drop_index("ix_visit_reads_school_id_visit_id", table_name="visit_reads")
    op.drop_table("visit_reads")
    op.drop_index("ix_idempotency_keys_created_at", table_name="idempotency_keys")
    op.drop_table("idempotency_keys")
    op.drop_index("ix_user_sessions_user_id", table_name="user_sessions")
    op.drop_table("user_sessions")
    op.drop_index("ix_api_tokens_user_id", table_name="api_tokens")
    op.drop_table("api_tokens")
    op.drop_table("memberships")
    op.drop_table("users")
