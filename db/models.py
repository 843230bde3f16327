"""SQLAlchemy 2.x ORM models: member and guild settings, logged sets, and the bot's own key/value state.

Schema changes go through Alembic (``db/migrations``); ``tests/db`` checks these models and the
migrations describe the same schema.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any, ClassVar, cast

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Dialect,
    Double,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
    text,
    true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

# Deterministic constraint names: Alembic can only drop or alter (batch mode on SQLite) what it can name.
NAMING_CONVENTION: dict[str, str] = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

SET_KINDS = ("working", "warmup", "drop", "failure")
WEIGHT_UNITS = ("kg", "lb")
SHARE_MODES = ("private", "public")
MAX_NOTE_LENGTH = 200
MAX_WEIGHT_KG = 1000.0
# The body weights a member can record (kg): wide enough for every adult lifter, narrow enough to catch typos.
MIN_BODYWEIGHT_KG = 20
MAX_BODYWEIGHT_KG = 400


def utc_now() -> datetime:
    """Current time, aware UTC."""
    return datetime.now(UTC)


class UtcDateTime(TypeDecorator[datetime]):
    """A timestamp that is always aware UTC in Python, whatever the backend stores.

    PostgreSQL keeps ``timestamptz``; SQLite has no time zones and hands back naive values, so we
    store naive UTC there (one fixed text format keeps ordering correct) and re-attach UTC on read.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            # A naive datetime here is a bug upstream; refusing it beats silently shifting a set by hours.
            raise ValueError("naive datetime given to a UTC column; pass an aware datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# SQLite only auto-increments an INTEGER PRIMARY KEY (a rowid alias); BIGINT there would stay NULL.
BigIntPK = BigInteger().with_variant(Integer, "sqlite")


class Base(DeclarativeBase):
    """Declarative base with the naming convention shared by the models and the migrations."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UtcDateTime()}


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class MemberSettings(Base):
    """One member's preferences; created on first use. Settings follow the member across servers."""

    __tablename__ = "member_settings"
    __table_args__ = (
        CheckConstraint(f"unit IS NULL OR {_in('unit', WEIGHT_UNITS)}", name="unit"),
        CheckConstraint(_in("share", SHARE_MODES), name="share"),
    )

    member_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    # NULL until the member chooses: the unit then follows their Discord locale (lb for en-US).
    unit: Mapped[str | None] = mapped_column(String(2))
    share: Mapped[str] = mapped_column(String(8), default="private", server_default=text("'private'"))
    # Consistency streaks: weeks in a row with at least this many sessions.
    sessions_per_week: Mapped[int] = mapped_column(Integer, default=3, server_default=text("3"))
    # Named in the weekly recap of the servers they train in (opt-in).
    recap: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # A DM on training days at this local time ("HH:MM"), by the schedule of reminder_guild_id (opt-in).
    reminder_time: Mapped[str | None] = mapped_column(String(5))
    reminder_guild_id: Mapped[int | None] = mapped_column(BigInteger)
    # The last reminder couldn't be delivered (DMs closed): reminders went off; tell the member once.
    reminder_failed: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(default=utc_now, onupdate=utc_now)


class GuildSettings(Base):
    """Per-server configuration (``/config``)."""

    __tablename__ = "guild_settings"

    guild_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    evidence_replies: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    evidence_channel_id: Mapped[int | None] = mapped_column(BigInteger)
    # The plan of the day: posted in this channel (none: off) at plan_time, server time, on the week's days.
    plan_channel_id: Mapped[int | None] = mapped_column(BigInteger)
    plan_time: Mapped[str] = mapped_column(String(5), default="07:00", server_default=text("'07:00'"))
    timezone: Mapped[str] = mapped_column(String(64), default="UTC", server_default=text("'UTC'"))
    week: Mapped[str] = mapped_column(
        String(100), default="mon:lower,tue:push,wed:pull", server_default=text("'mon:lower,tue:push,wed:pull'")
    )
    # The weekly recap, Sunday at recap_time server time, in the plan channel.
    recap: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    recap_time: Mapped[str] = mapped_column(String(5), default="18:00", server_default=text("'18:00'"))
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(default=utc_now, onupdate=utc_now)


class LoggedSet(Base):
    """One set a member logged: canonical kg plus what they typed, and where and when it came from."""

    __tablename__ = "logged_sets"
    __table_args__ = (
        CheckConstraint("exercise_id IS NOT NULL OR custom_name IS NOT NULL", name="exercise_identity"),
        CheckConstraint(f"weight_kg >= 0 AND weight_kg <= {MAX_WEIGHT_KG} + 0.001", name="weight_kg_range"),
        CheckConstraint("weight_value >= 0", name="weight_value_nonnegative"),
        CheckConstraint(_in("weight_unit", WEIGHT_UNITS), name="weight_unit"),
        CheckConstraint("reps >= 1 AND reps <= 100", name="reps_range"),
        CheckConstraint("rpe IS NULL OR (rpe >= 1 AND rpe <= 10)", name="rpe_range"),
        CheckConstraint(_in("kind", SET_KINDS), name="kind"),
        # A retried or replayed Discord interaction must never log a set twice.
        UniqueConstraint("interaction_id"),
        # Imports (Strong/Hevy CSV) dedupe on a per-member key; NULLs (Discord-logged sets) never clash.
        UniqueConstraint("member_id", "import_key"),
        # History and "last session": a member's sets in time order.
        Index("ix_logged_sets_member_id_performed_at", "member_id", "performed_at"),
        # Per-exercise history, last time for an exercise, set number in a session.
        Index("ix_logged_sets_member_id_exercise_key_performed_at", "member_id", "exercise_key", "performed_at"),
        # Best e1RM for an exercise: read from the top of this index instead of scanning history.
        Index("ix_logged_sets_member_id_exercise_key_e1rm_kg", "member_id", "exercise_key", "e1rm_kg"),
        # Best weight at a rep count (rep PRs).
        Index("ix_logged_sets_member_id_exercise_key_reps_weight_kg", "member_id", "exercise_key", "reps", "weight_kg"),
        # /undo: the member's most recently *logged* set, which isn't the latest performed if backdated.
        Index("ix_logged_sets_member_id_created_at", "member_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    member_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("member_settings.member_id", ondelete="CASCADE"))
    guild_id: Mapped[int | None] = mapped_column(BigInteger)
    channel_id: Mapped[int | None] = mapped_column(BigInteger)
    interaction_id: Mapped[int | None] = mapped_column(BigInteger)
    # Catalog id, or "custom:<folded name>": one column so every per-exercise look-up is one index.
    exercise_key: Mapped[str] = mapped_column(String(80))
    exercise_id: Mapped[str | None] = mapped_column(String(64))
    custom_name: Mapped[str | None] = mapped_column(String(64))
    # The name at logging time, so history reads well even if the catalog renames an exercise.
    exercise_name: Mapped[str] = mapped_column(String(100))
    weight_kg: Mapped[float] = mapped_column(Double)
    weight_value: Mapped[float] = mapped_column(Double)
    weight_unit: Mapped[str] = mapped_column(String(2))
    reps: Mapped[int] = mapped_column(Integer)
    rpe: Mapped[float | None] = mapped_column(Double)
    kind: Mapped[str] = mapped_column(String(10), default="working", server_default=text("'working'"))
    note: Mapped[str | None] = mapped_column(String(MAX_NOTE_LENGTH))
    # Stored rather than computed so "best e1RM" is an index read (see ix_..._e1rm_kg). NULL when it can't be
    # known: a body-weight lift without a body weight, or nothing lifted at all.
    e1rm_kg: Mapped[float | None] = mapped_column(Double)
    # For a lift where the body is the load: the member's body weight that applied (NULL when unknown).
    bodyweight_kg: Mapped[float | None] = mapped_column(Double)
    performed_at: Mapped[datetime] = mapped_column()
    # False for a set logged with a date only ("when: 2026-11-20"): performed_at is that day's noon UTC.
    time_known: Mapped[bool] = mapped_column(server_default=true())
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    source: Mapped[str] = mapped_column(String(16), default="discord", server_default=text("'discord'"))
    import_key: Mapped[str | None] = mapped_column(String(128))
    # The /privacy import that added the set: its batches commit one by one, and this takes them all back.
    import_id: Mapped[str | None] = mapped_column(String(32))

    @property
    def is_custom(self) -> bool:
        """True when the member typed their own exercise name."""
        return self.exercise_id is None


class BodyWeight(Base):
    """One body-weight entry of a member; the latest one at or before a set applies to it."""

    __tablename__ = "body_weights"
    __table_args__ = (
        CheckConstraint(
            f"weight_kg >= {MIN_BODYWEIGHT_KG} AND weight_kg <= {MAX_BODYWEIGHT_KG}", name="weight_kg_range"
        ),
        UniqueConstraint("member_id", "measured_at"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    member_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("member_settings.member_id", ondelete="CASCADE"))
    weight_kg: Mapped[float] = mapped_column(Double)
    measured_at: Mapped[datetime] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utc_now)


class ExerciseMap(Base):
    """One of a member's own exercise names mapped to a catalog exercise (``/map``)."""

    __tablename__ = "exercise_maps"

    member_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("member_settings.member_id", ondelete="CASCADE"), primary_key=True
    )
    # The own exercise's storage key ("custom:<folded name>"): every spelling of the name maps alike.
    custom_key: Mapped[str] = mapped_column(String(80), primary_key=True)
    exercise_id: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utc_now)


class Workout(Base):
    """A member's guided workout (``/workout``, the card's buttons): one row per member, the latest one.

    ``items`` (the planned exercises with the member's targets, fixed at the start) and ``steps`` (what
    happened, in order) are JSON, read and written whole by ``coach.workout``. ``version`` goes up with
    every press, so a press from an out-of-date card (a second device, a double tap) changes nothing.
    """

    __tablename__ = "workouts"
    __table_args__ = (CheckConstraint("position >= 0 AND version >= 0", name="counters"),)

    member_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("member_settings.member_id", ondelete="CASCADE"), primary_key=True
    )
    # The id of the interaction that started it: cards carry it, so a card of an earlier workout is stale.
    workout_id: Mapped[int] = mapped_column(BigInteger)
    day: Mapped[str] = mapped_column(String(8))
    protocol: Mapped[str] = mapped_column(String(16))
    equipment: Mapped[str] = mapped_column(String(16))
    week: Mapped[int] = mapped_column(Integer)
    unit: Mapped[str] = mapped_column(String(2))
    guild_id: Mapped[int | None] = mapped_column(BigInteger)
    channel_id: Mapped[int | None] = mapped_column(BigInteger)
    position: Mapped[int] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer)
    items: Mapped[list[Any]] = mapped_column(JSON)
    steps: Mapped[list[Any]] = mapped_column(JSON)
    started_at: Mapped[datetime] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column()
    ended_at: Mapped[datetime | None] = mapped_column()


class ScheduledPost(Base):
    """One scheduled post made (or being made): the plan of the day and the recap per server and local day, a
    reminder per member and day. Inserted before posting, so two processes (or a restart) can't post twice."""

    __tablename__ = "scheduled_posts"

    # A server id for plans and recaps, a member id for reminders (Discord ids never collide).
    target_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    local_date: Mapped[date] = mapped_column(Date, primary_key=True)
    message_id: Mapped[int | None] = mapped_column(BigInteger)
    late: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(default=utc_now)


class BotState(Base):
    """Small key/value store for the bot itself (e.g. the hash of the last command sync)."""

    __tablename__ = "bot_state"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(default=utc_now, onupdate=utc_now)


# The tables behind the mapped classes, typed as tables for Core statements (bulk inserts, upserts).
LOGGED_SETS = cast(Table, LoggedSet.__table__)
MEMBER_SETTINGS = cast(Table, MemberSettings.__table__)
WORKOUTS = cast(Table, Workout.__table__)
