"""A member's own names mapped to catalog exercises (/map), remembered for their imports and /log.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copy of the model type: a migration must not change when the models do later.
UtcTimestamp = sa.DateTime(timezone=True)


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "exercise_maps",
        sa.Column("member_id", sa.BigInteger(), nullable=False),
        sa.Column("custom_key", sa.String(length=80), nullable=False),
        sa.Column("exercise_id", sa.String(length=64), nullable=False),
        sa.Column("created_at", UtcTimestamp, nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["member_settings.member_id"],
            name=op.f("fk_exercise_maps_member_id_member_settings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("member_id", "custom_key", name=op.f("pk_exercise_maps")),
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table("exercise_maps")
