"""Initial schema: member and guild settings, logged sets, bot state.

Revision ID: 0001
Revises:
Create Date: 2026-11-21
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copies of the model types: a migration must not change when the models do later.
UtcTimestamp = sa.DateTime(timezone=True)
BigIntPK = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "member_settings",
        sa.Column("member_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("unit", sa.String(length=2), nullable=True),
        sa.Column("share", sa.String(length=8), server_default=sa.text("'private'"), nullable=False),
        sa.Column("created_at", UtcTimestamp, nullable=False),
        sa.Column("updated_at", UtcTimestamp, nullable=False),
        sa.CheckConstraint("unit IS NULL OR unit IN ('kg', 'lb')", name=op.f("ck_member_settings_unit")),
        sa.CheckConstraint("share IN ('private', 'public')", name=op.f("ck_member_settings_share")),
        sa.PrimaryKeyConstraint("member_id", name=op.f("pk_member_settings")),
    )
    op.create_table(
        "guild_settings",
        sa.Column("guild_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("evidence_replies", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("evidence_channel_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", UtcTimestamp, nullable=False),
        sa.Column("updated_at", UtcTimestamp, nullable=False),
        sa.PrimaryKeyConstraint("guild_id", name=op.f("pk_guild_settings")),
    )
    op.create_table(
        "bot_state",
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("updated_at", UtcTimestamp, nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_bot_state")),
    )
    op.create_table(
        "logged_sets",
        sa.Column("id", BigIntPK, autoincrement=True, nullable=False),
        sa.Column("member_id", sa.BigInteger(), nullable=False),
        sa.Column("guild_id", sa.BigInteger(), nullable=True),
        sa.Column("channel_id", sa.BigInteger(), nullable=True),
        sa.Column("interaction_id", sa.BigInteger(), nullable=True),
        sa.Column("exercise_key", sa.String(length=80), nullable=False),
        sa.Column("exercise_id", sa.String(length=64), nullable=True),
        sa.Column("custom_name", sa.String(length=64), nullable=True),
        sa.Column("exercise_name", sa.String(length=100), nullable=False),
        sa.Column("weight_kg", sa.Double(), nullable=False),
        sa.Column("weight_value", sa.Double(), nullable=False),
        sa.Column("weight_unit", sa.String(length=2), nullable=False),
        sa.Column("reps", sa.Integer(), nullable=False),
        sa.Column("rpe", sa.Double(), nullable=True),
        sa.Column("kind", sa.String(length=10), server_default=sa.text("'working'"), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=True),
        sa.Column("e1rm_kg", sa.Double(), nullable=False),
        sa.Column("performed_at", UtcTimestamp, nullable=False),
        sa.Column("created_at", UtcTimestamp, nullable=False),
        sa.Column("source", sa.String(length=16), server_default=sa.text("'discord'"), nullable=False),
        sa.Column("import_key", sa.String(length=128), nullable=True),
        sa.CheckConstraint(
            "exercise_id IS NOT NULL OR custom_name IS NOT NULL", name=op.f("ck_logged_sets_exercise_identity")
        ),
        sa.CheckConstraint(
            "weight_kg >= 0 AND weight_kg <= 1000.0 + 0.001", name=op.f("ck_logged_sets_weight_kg_range")
        ),
        sa.CheckConstraint("weight_value >= 0", name=op.f("ck_logged_sets_weight_value_nonnegative")),
        sa.CheckConstraint("weight_unit IN ('kg', 'lb')", name=op.f("ck_logged_sets_weight_unit")),
        sa.CheckConstraint("reps >= 1 AND reps <= 100", name=op.f("ck_logged_sets_reps_range")),
        sa.CheckConstraint("rpe IS NULL OR (rpe >= 1 AND rpe <= 10)", name=op.f("ck_logged_sets_rpe_range")),
        sa.CheckConstraint("kind IN ('working', 'warmup', 'drop', 'failure')", name=op.f("ck_logged_sets_kind")),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["member_settings.member_id"],
            name=op.f("fk_logged_sets_member_id_member_settings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_logged_sets")),
        sa.UniqueConstraint("interaction_id", name=op.f("uq_logged_sets_interaction_id")),
        sa.UniqueConstraint("member_id", "import_key", name=op.f("uq_logged_sets_member_id_import_key")),
    )
    with op.batch_alter_table("logged_sets", schema=None) as batch_op:
        batch_op.create_index("ix_logged_sets_member_id_performed_at", ["member_id", "performed_at"], unique=False)
        batch_op.create_index(
            "ix_logged_sets_member_id_exercise_key_performed_at",
            ["member_id", "exercise_key", "performed_at"],
            unique=False,
        )
        batch_op.create_index(
            "ix_logged_sets_member_id_exercise_key_e1rm_kg", ["member_id", "exercise_key", "e1rm_kg"], unique=False
        )
        batch_op.create_index(
            "ix_logged_sets_member_id_exercise_key_reps_weight_kg",
            ["member_id", "exercise_key", "reps", "weight_kg"],
            unique=False,
        )
        batch_op.create_index("ix_logged_sets_member_id_created_at", ["member_id", "created_at"], unique=False)


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("logged_sets", schema=None) as batch_op:
        batch_op.drop_index("ix_logged_sets_member_id_created_at")
        batch_op.drop_index("ix_logged_sets_member_id_exercise_key_reps_weight_kg")
        batch_op.drop_index("ix_logged_sets_member_id_exercise_key_e1rm_kg")
        batch_op.drop_index("ix_logged_sets_member_id_exercise_key_performed_at")
        batch_op.drop_index("ix_logged_sets_member_id_performed_at")
    op.drop_table("logged_sets")
    op.drop_table("bot_state")
    op.drop_table("guild_settings")
    op.drop_table("member_settings")
