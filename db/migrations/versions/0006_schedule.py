"""The server's schedule (plan of the day, weekly recap), members' streak target, recap opt-in and reminders,
and the record of scheduled posts that makes each one happen once.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copy of the model type: a migration must not change when the models do later.
UtcTimestamp = sa.DateTime(timezone=True)


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table("guild_settings") as batch:
        batch.add_column(sa.Column("plan_channel_id", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("plan_time", sa.String(length=5), server_default=sa.text("'07:00'"), nullable=False))
        batch.add_column(sa.Column("timezone", sa.String(length=64), server_default=sa.text("'UTC'"), nullable=False))
        batch.add_column(
            sa.Column(
                "week",
                sa.String(length=100),
                server_default=sa.text("'mon:lower,tue:push,wed:pull'"),
                nullable=False,
            )
        )
        batch.add_column(sa.Column("recap", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch.add_column(
            sa.Column("recap_time", sa.String(length=5), server_default=sa.text("'18:00'"), nullable=False)
        )
    with op.batch_alter_table("member_settings") as batch:
        batch.add_column(sa.Column("sessions_per_week", sa.Integer(), server_default=sa.text("3"), nullable=False))
        batch.add_column(sa.Column("recap", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch.add_column(sa.Column("reminder_time", sa.String(length=5), nullable=True))
        batch.add_column(sa.Column("reminder_guild_id", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("reminder_failed", sa.Boolean(), server_default=sa.false(), nullable=False))
    op.create_table(
        "scheduled_posts",
        sa.Column("target_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("local_date", sa.Date(), nullable=False),
        sa.Column("message_id", sa.BigInteger(), nullable=True),
        sa.Column("late", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("created_at", UtcTimestamp, nullable=False),
        sa.PrimaryKeyConstraint("target_id", "kind", "local_date", name=op.f("pk_scheduled_posts")),
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table("scheduled_posts")
    with op.batch_alter_table("member_settings") as batch:
        for column in ("reminder_failed", "reminder_guild_id", "reminder_time", "recap", "sessions_per_week"):
            batch.drop_column(column)
    with op.batch_alter_table("guild_settings") as batch:
        for column in ("recap_time", "recap", "week", "timezone", "plan_time", "plan_channel_id"):
            batch.drop_column(column)
