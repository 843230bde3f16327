"""Typed, frozen objects for the exercise catalog and the day templates."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Mechanic(StrEnum):
    """How many joints move: the split that pre-exhaust ordering is built on."""

    ISOLATION = "isolation"
    COMPOUND = "compound"


DAYS: tuple[str, ...] = ("lower", "push", "pull")

JOINTS: frozenset[str] = frozenset({"ankle", "knee", "hip", "spine", "shoulder", "scapula", "elbow", "wrist"})

MUSCLES: frozenset[str] = frozenset(
    {
        "quads", "hamstrings", "glutes", "calves", "adductors", "abductors",
        "chest", "front_delts", "side_delts", "rear_delts", "triceps",
        "biceps", "brachialis", "forearms", "lats", "upper_back", "traps",
        "lower_back", "abs",
    }
)  # fmt: skip

EQUIPMENT: frozenset[str] = frozenset(
    {
        "barbell", "dumbbell", "ez_bar", "kettlebell", "cable", "machine",
        "smith_machine", "bench", "band", "pullup_bar", "dip_bars", "bodyweight",
    }
)  # fmt: skip

MUSCLE_LABELS: dict[str, str] = {
    "quads": "quads",
    "hamstrings": "hamstrings",
    "glutes": "glutes",
    "calves": "calves",
    "adductors": "adductors",
    "abductors": "abductors",
    "chest": "chest",
    "front_delts": "front delts",
    "side_delts": "side delts",
    "rear_delts": "rear delts",
    "triceps": "triceps",
    "biceps": "biceps",
    "brachialis": "brachialis",
    "forearms": "forearms",
    "lats": "lats",
    "upper_back": "upper back",
    "traps": "traps",
    "lower_back": "lower back",
    "abs": "abs",
}


class Load(StrEnum):
    """What the logged weight means for an exercise (the catalog's ``load`` field)."""

    EXTERNAL = "external"  # the weight is the load
    BODYWEIGHT = "bodyweight"  # the body is the load; the weight is anything added
    WEIGHTED_BODYWEIGHT = "weighted_bodyweight"  # the body plus a belt or vest; the weight is what was added
    ASSISTED = "assisted"  # a machine or band takes weight off; the weight is the assistance


@dataclass(frozen=True, slots=True)
class Prescription:
    """Sets and a rep range (a fixed rep count has reps_low == reps_high)."""

    sets: int
    reps_low: int
    reps_high: int

    @property
    def reps_text(self) -> str:
        """The rep target as shown to members: '6' or '8–10'."""
        return str(self.reps_low) if self.reps_low == self.reps_high else f"{self.reps_low}–{self.reps_high}"

    def __str__(self) -> str:
        return f"{self.sets} × {self.reps_text}"


@dataclass(frozen=True, slots=True)
class Exercise:
    """One catalog exercise, as validated from exercises.yaml."""

    id: str
    name: str
    aliases: tuple[str, ...]
    mechanic: Mechanic
    joints: tuple[str, ...]
    primary: tuple[str, ...]
    secondary: tuple[str, ...]
    equipment: tuple[str, ...]
    days: tuple[str, ...]
    intensity: int
    prescription: Prescription
    substitutes: tuple[str, ...]
    free_exercise_db: str | None = None
    mechanic_disagreement: str | None = None
    load: Load = Load.EXTERNAL
    bodyweight_share: float | None = None
    per_hand: bool = False

    @property
    def target(self) -> str:
        """The muscle the exercise is chosen for (the first primary muscle)."""
        return self.primary[0]

    @property
    def target_label(self) -> str:
        """Human-readable target muscle."""
        return MUSCLE_LABELS[self.target]

    @property
    def is_isolation(self) -> bool:
        """True for single-joint exercises."""
        return self.mechanic is Mechanic.ISOLATION

    @property
    def is_compound(self) -> bool:
        """True for multi-joint exercises."""
        return self.mechanic is Mechanic.COMPOUND

    @property
    def uses_bodyweight(self) -> bool:
        """True when the body is (part of) the load: bodyweight, weighted-bodyweight and assisted lifts."""
        return self.load is not Load.EXTERNAL

    @property
    def needs_no_equipment(self) -> bool:
        """True when the exercise can be done with body weight alone."""
        return self.equipment == ("bodyweight",)


@dataclass(frozen=True, slots=True)
class DaySlot:
    """One slot of a template day: an exercise and, optionally, the seed's own prescription."""

    exercise_id: str
    prescription: Prescription | None


@dataclass(frozen=True, slots=True)
class DayTemplate:
    """A named training day (lower, push or pull) as the seed lays it out."""

    name: str
    slots: tuple[DaySlot, ...]
