"""Guided workouts (/workout and the card under /plan): one row per member, the latest workout.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copy of the model type: a migration must not change when the models do later.
UtcTimestamp = sa.DateTime(timezone=True)


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "workouts",
        sa.Column("member_id", sa.BigInteger(), nullable=False),
        sa.Column("workout_id", sa.BigInteger(), nullable=False),
        sa.Column("day", sa.String(length=8), nullable=False),
        sa.Column("protocol", sa.String(length=16), nullable=False),
        sa.Column("equipment", sa.String(length=16), nullable=False),
        sa.Column("week", sa.Integer(), nullable=False),
        sa.Column("unit", sa.String(length=2), nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=True),
        sa.Column("channel_id", sa.BigInteger(), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("items", sa.JSON(), nullable=False),
        sa.Column("steps", sa.JSON(), nullable=False),
        sa.Column("started_at", UtcTimestamp, nullable=False),
        sa.Column("updated_at", UtcTimestamp, nullable=False),
        sa.Column("ended_at", UtcTimestamp, nullable=True),
        sa.CheckConstraint("position >= 0 AND version >= 0", name=op.f("ck_workouts_counters")),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["member_settings.member_id"],
            name=op.f("fk_workouts_member_id_member_settings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("member_id", name=op.f("pk_workouts")),
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table("workouts")
