"""Body weight over time, and what a set's numbers rest on: the body weight that applied to it, an e1RM
that can be unknown (a body-weight lift without a body weight), and whether its time of day is known.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copies of the model types: a migration must not change when the models do later.
UtcTimestamp = sa.DateTime(timezone=True)
BigIntPK = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
# The catalog's lifts where the body is the load at this revision (frozen: catalog edits must not change it).
BODY_LIFTS = (
    "back_extension", "bench_dip", "bodyweight_squat", "bodyweight_triceps_extension", "bodyweight_walking_lunge",
    "chin_up", "decline_push_up", "diamond_push_up", "glute_bridge", "handstand_push_up", "inverted_row",
    "nordic_hamstring_curl", "pike_push_up", "pull_up", "push_up", "side_lying_hip_abduction",
    "single_leg_calf_raise", "single_leg_glute_bridge", "single_leg_romanian_deadlift", "sissy_squat",
)  # fmt: skip


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "body_weights",
        sa.Column("id", BigIntPK, autoincrement=True, nullable=False),
        sa.Column("member_id", sa.BigInteger(), nullable=False),
        sa.Column("weight_kg", sa.Double(), nullable=False),
        sa.Column("measured_at", UtcTimestamp, nullable=False),
        sa.Column("created_at", UtcTimestamp, nullable=False),
        sa.CheckConstraint("weight_kg >= 20 AND weight_kg <= 400", name=op.f("ck_body_weights_weight_kg_range")),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["member_settings.member_id"],
            name=op.f("fk_body_weights_member_id_member_settings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_body_weights")),
        sa.UniqueConstraint("member_id", "measured_at", name=op.f("uq_body_weights_member_id_measured_at")),
    )
    with op.batch_alter_table("logged_sets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("bodyweight_kg", sa.Double(), nullable=True))
        batch_op.add_column(sa.Column("time_known", sa.Boolean(), server_default=sa.true(), nullable=False))
        batch_op.alter_column("e1rm_kg", existing_type=sa.Double(), nullable=True)
    # Sets stored before: "e1RM 0" for nothing lifted, and body-weight lifts priced on the added weight alone.
    # Neither is known without a body weight; /settings bodyweight prices them again.
    listed = ", ".join(f"'{exercise}'" for exercise in BODY_LIFTS)
    op.execute(f"UPDATE logged_sets SET e1rm_kg = NULL WHERE e1rm_kg <= 0 OR exercise_id IN ({listed})")  # noqa: S608


def downgrade() -> None:
    """Downgrade schema."""
    op.execute("UPDATE logged_sets SET e1rm_kg = 0 WHERE e1rm_kg IS NULL")
    with op.batch_alter_table("logged_sets", schema=None) as batch_op:
        batch_op.alter_column("e1rm_kg", existing_type=sa.Double(), nullable=False)
        batch_op.drop_column("time_known")
        batch_op.drop_column("bodyweight_kg")
    op.drop_table("body_weights")
