"""Load and validate the exercise catalog and day templates from YAML.

Validation is strict and loud: a bad entry raises CatalogError naming the file,
the entry and the field, so a typo in the YAML stops start-up instead of
producing a silently wrong plan. The YAML itself is read by catalog.yamlfile, the one strict
loader every data file shares (duplicate keys are errors there).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from catalog.models import (
    DAYS,
    EQUIPMENT,
    JOINTS,
    MUSCLES,
    DaySlot,
    DayTemplate,
    Exercise,
    Load,
    Mechanic,
    Prescription,
)
from catalog.yamlfile import DataFileError, load_yaml_mapping

CATALOG_DIR = Path(__file__).resolve().parent
EXERCISES_FILE = CATALOG_DIR / "exercises.yaml"
DAYS_FILE = CATALOG_DIR / "days.yaml"
STUDIES_FILE = CATALOG_DIR / "studies.yaml"

_EXERCISE_KEYS = {
    "id", "name", "aliases", "mechanic", "joints", "primary", "secondary", "equipment",
    "days", "intensity", "prescription", "substitutes", "free_exercise_db", "mechanic_disagreement",
    "load", "bodyweight_share", "per_hand",
}  # fmt: skip
_OPTIONAL_KEYS = {"free_exercise_db", "mechanic_disagreement", "load", "bodyweight_share", "per_hand"}


class CatalogError(DataFileError):
    """A catalog file is missing, malformed, or has an invalid entry."""


def normalise_name(text: str) -> str:
    """Fold a name or alias for case- and punctuation-insensitive lookup."""
    cleaned = "".join(ch if ch.isalnum() else " " for ch in text.casefold())
    return " ".join(cleaned.split())


@dataclass(frozen=True)
class Catalog:
    """The validated exercise catalog and the seed's template days."""

    exercises: tuple[Exercise, ...]
    days: Mapping[str, DayTemplate]
    _by_id: Mapping[str, Exercise] = field(repr=False)
    _by_name: Mapping[str, Exercise] = field(repr=False)
    _ambiguous: Mapping[str, tuple[Exercise, ...]] = field(repr=False, default_factory=dict)

    def get(self, exercise_id: str) -> Exercise:
        """Return the exercise with this id (KeyError if there is none)."""
        return self._by_id[exercise_id]

    def __contains__(self, exercise_id: object) -> bool:
        return exercise_id in self._by_id

    def find(self, name_or_alias: str) -> Exercise | None:
        """Exact lookup by id, display name or alias, ignoring case and punctuation (not an ambiguous word)."""
        if name_or_alias in self._by_id:
            return self._by_id[name_or_alias]
        folded = normalise_name(name_or_alias)
        return None if folded in self._ambiguous else self._by_name.get(folded)

    def ambiguous(self, name: str) -> tuple[Exercise, ...]:
        """The exercises a word names about equally often ("cable kickback"), or () when it isn't one."""
        return self._ambiguous.get(normalise_name(name), ())

    def for_day(self, day: str) -> tuple[Exercise, ...]:
        """Every catalog exercise that belongs on this day."""
        return tuple(ex for ex in self.exercises if day in ex.days)


def load_catalog(exercises_path: Path | None = None, days_path: Path | None = None) -> Catalog:
    """Load, validate and index the catalog; raise CatalogError on any bad entry."""
    exercises_path = exercises_path or EXERCISES_FILE
    days_path = days_path or DAYS_FILE
    raw = load_yaml_mapping(exercises_path, CatalogError)
    entries = _require(raw, "exercises", list, exercises_path, None)
    exercises = tuple(_parse_exercise(exercises_path, i, item) for i, item in enumerate(entries))
    by_id = _index_ids(exercises_path, exercises)
    by_name = _index_names(exercises_path, exercises)
    _check_substitutes(exercises_path, exercises, by_id)
    ambiguous = _parse_ambiguous(exercises_path, raw.get("ambiguous", []), by_id, by_name)
    days = _parse_days(days_path, load_yaml_mapping(days_path, CatalogError), by_id)
    return Catalog(exercises=exercises, days=days, _by_id=by_id, _by_name=by_name, _ambiguous=ambiguous)


def _require(data: Mapping[str, Any], key: str, kind: type, path: Path, entry: str | None) -> Any:
    if key not in data:
        raise CatalogError(path, entry, key, "is missing")
    value = data[key]
    if kind is int and isinstance(value, bool):
        raise CatalogError(path, entry, key, f"expected an integer, got {value!r}")
    if not isinstance(value, kind):
        raise CatalogError(path, entry, key, f"expected {kind.__name__}, got {type(value).__name__}")
    return value


def _strings(
    value: Any, path: Path, entry: str, key: str, *, vocabulary: Iterable[str] | None = None, allow_empty: bool = True
) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise CatalogError(path, entry, key, "expected a list of non-empty strings")
    if not allow_empty and not value:
        raise CatalogError(path, entry, key, "must not be empty")
    if len(set(value)) != len(value):
        raise CatalogError(path, entry, key, "has duplicate items")
    if vocabulary is not None:
        allowed = set(vocabulary)
        unknown = [v for v in value if v not in allowed]
        if unknown:
            raise CatalogError(path, entry, key, f"unknown value(s) {unknown}; allowed: {sorted(allowed)}")
    return tuple(value)


def _parse_prescription(value: Any, path: Path, entry: str, key: str) -> Prescription:
    if not isinstance(value, dict):
        raise CatalogError(path, entry, key, "expected a mapping like {sets: 3, reps: [12, 15]}")
    sets = value.get("sets")
    reps = value.get("reps")
    if not isinstance(sets, int) or isinstance(sets, bool) or not 1 <= sets <= 10:
        raise CatalogError(path, entry, f"{key}.sets", f"expected an integer from 1 to 10, got {sets!r}")
    if isinstance(reps, int) and not isinstance(reps, bool):
        low = high = reps
    elif (
        isinstance(reps, list) and len(reps) == 2 and all(isinstance(r, int) and not isinstance(r, bool) for r in reps)
    ):
        low, high = reps
    else:
        raise CatalogError(path, entry, f"{key}.reps", f"expected an integer or [low, high], got {reps!r}")
    if not 1 <= low <= high <= 100:
        raise CatalogError(path, entry, f"{key}.reps", f"expected 1 <= low <= high <= 100, got {reps!r}")
    extra = set(value) - {"sets", "reps"}
    if extra:
        raise CatalogError(path, entry, key, f"unknown key(s) {sorted(extra)}")
    return Prescription(sets=sets, reps_low=low, reps_high=high)


def _parse_exercise(path: Path, index: int, item: Any) -> Exercise:
    if not isinstance(item, dict):
        raise CatalogError(path, f"#{index}", None, "expected a mapping")
    raw_id = item.get("id")
    entry = f"#{index} ({raw_id})" if isinstance(raw_id, str) else f"#{index}"
    unknown = set(item) - _EXERCISE_KEYS
    if unknown:
        raise CatalogError(path, entry, sorted(unknown)[0], "unknown field")
    for key in _EXERCISE_KEYS - _OPTIONAL_KEYS:
        if key not in item:
            raise CatalogError(path, entry, key, "is missing")
    ex_id = _require(item, "id", str, path, entry)
    if not ex_id.isidentifier() or ex_id != ex_id.lower():
        raise CatalogError(path, entry, "id", f"expected a lower-case snake_case id, got {ex_id!r}")
    name = _require(item, "name", str, path, entry).strip()
    if not name:
        raise CatalogError(path, entry, "name", "must not be empty")
    mechanic_raw = _require(item, "mechanic", str, path, entry)
    try:
        mechanic = Mechanic(mechanic_raw)
    except ValueError:
        raise CatalogError(path, entry, "mechanic", f"expected isolation or compound, got {mechanic_raw!r}") from None
    joints = _strings(item["joints"], path, entry, "joints", vocabulary=JOINTS, allow_empty=False)
    # Shoulder-blade movement rides along with most arm work, so it doesn't make a lift multi-joint.
    if mechanic is Mechanic.ISOLATION and len([j for j in joints if j != "scapula"]) != 1:
        raise CatalogError(path, entry, "joints", f"an isolation exercise moves one joint, got {list(joints)}")
    if mechanic is Mechanic.COMPOUND and len(joints) < 2:
        raise CatalogError(path, entry, "joints", f"a compound exercise moves 2+ joints, got {list(joints)}")
    intensity = _require(item, "intensity", int, path, entry)
    if not 1 <= intensity <= 100:
        raise CatalogError(path, entry, "intensity", f"expected 1 to 100, got {intensity}")
    equipment = _strings(item["equipment"], path, entry, "equipment", vocabulary=EQUIPMENT, allow_empty=False)
    if "bodyweight" in equipment and len(equipment) > 1:
        raise CatalogError(path, entry, "equipment", "'bodyweight' means no equipment; list it alone")
    fedb = item.get("free_exercise_db")
    if fedb is not None and not (isinstance(fedb, str) and fedb.strip()):
        raise CatalogError(path, entry, "free_exercise_db", "expected a dataset id string")
    disagreement = item.get("mechanic_disagreement")
    if disagreement is not None and not (isinstance(disagreement, str) and disagreement.strip()):
        raise CatalogError(path, entry, "mechanic_disagreement", "expected a one-sentence reason")
    if disagreement is not None and fedb is None:
        raise CatalogError(path, entry, "mechanic_disagreement", "only makes sense with free_exercise_db")
    load, share, per_hand = _parse_load(item, path, entry, equipment)
    substitutes = _strings(item["substitutes"], path, entry, "substitutes")
    if ex_id in substitutes:
        raise CatalogError(path, entry, "substitutes", "an exercise cannot substitute for itself")
    return Exercise(
        id=ex_id,
        name=name,
        aliases=_strings(item["aliases"], path, entry, "aliases"),
        mechanic=mechanic,
        joints=joints,
        primary=_strings(item["primary"], path, entry, "primary", vocabulary=MUSCLES, allow_empty=False),
        secondary=_strings(item["secondary"], path, entry, "secondary", vocabulary=MUSCLES),
        equipment=equipment,
        days=_strings(item["days"], path, entry, "days", vocabulary=DAYS, allow_empty=False),
        intensity=intensity,
        prescription=_parse_prescription(item["prescription"], path, entry, "prescription"),
        substitutes=substitutes,
        free_exercise_db=fedb,
        mechanic_disagreement=disagreement,
        load=load,
        bodyweight_share=share,
        per_hand=per_hand,
    )


def _parse_load(
    item: Mapping[str, Any], path: Path, entry: str, equipment: tuple[str, ...]
) -> tuple[Load, float | None, bool]:
    raw = item.get("load", Load.EXTERNAL.value)
    try:
        load = Load(raw)
    except ValueError:
        allowed = ", ".join(k.value for k in Load)
        raise CatalogError(path, entry, "load", f"expected one of {allowed}, got {raw!r}") from None
    share = item.get("bodyweight_share")
    if share is not None:
        if load is Load.EXTERNAL:
            raise CatalogError(path, entry, "bodyweight_share", "only makes sense when the body is part of the load")
        if isinstance(share, bool) or not isinstance(share, int | float) or not 0.1 <= share <= 1.0:
            raise CatalogError(path, entry, "bodyweight_share", f"expected a share from 0.1 to 1.0, got {share!r}")
        share = float(share)
    if load is Load.ASSISTED and share is None:
        raise CatalogError(
            path, entry, "bodyweight_share", "an assisted lift needs the share its assistance is taken from"
        )
    per_hand = item.get("per_hand", False)
    if not isinstance(per_hand, bool):
        raise CatalogError(path, entry, "per_hand", f"expected true or false, got {per_hand!r}")
    if per_hand and "dumbbell" not in equipment:
        raise CatalogError(path, entry, "per_hand", "only dumbbell exercises are loaded per hand")
    return load, share, per_hand


def _parse_ambiguous(
    path: Path, raw: Any, by_id: Mapping[str, Exercise], by_name: Mapping[str, Exercise]
) -> dict[str, tuple[Exercise, ...]]:
    if not isinstance(raw, list):
        raise CatalogError(path, "ambiguous", None, "expected a list of {words, exercises}")
    table: dict[str, tuple[Exercise, ...]] = {}
    for i, item in enumerate(raw):
        entry = f"ambiguous #{i}"
        if not isinstance(item, dict) or set(item) != {"words", "exercises"}:
            raise CatalogError(path, entry, None, "expected exactly the keys words and exercises")
        words = _strings(item["words"], path, entry, "words", allow_empty=False)
        ids = _strings(item["exercises"], path, entry, "exercises", allow_empty=False)
        if len(ids) < 2:
            raise CatalogError(path, entry, "exercises", "an ambiguous word names at least two exercises")
        missing = [x for x in ids if x not in by_id]
        if missing:
            raise CatalogError(path, entry, "exercises", f"unknown exercise id {missing[0]!r}")
        for word in words:
            folded = normalise_name(word)
            # An id's folded form ("tricep extension") may be ambiguous as a typed word; ids still resolve.
            if folded in by_name and folded != normalise_name(by_name[folded].id):
                raise CatalogError(path, entry, "words", f"{word!r} is a name or alias of {by_name[folded].id}")
            if folded in table:
                raise CatalogError(path, entry, "words", f"{word!r} is listed twice")
            table[folded] = tuple(by_id[x] for x in ids)
    return table


def _index_ids(path: Path, exercises: tuple[Exercise, ...]) -> dict[str, Exercise]:
    by_id: dict[str, Exercise] = {}
    for ex in exercises:
        if ex.id in by_id:
            raise CatalogError(path, ex.id, "id", "duplicate id")
        by_id[ex.id] = ex
    return by_id


def _index_names(path: Path, exercises: tuple[Exercise, ...]) -> dict[str, Exercise]:
    by_name: dict[str, Exercise] = {}
    for ex in exercises:
        for label, key in [(ex.name, "name"), (ex.id, "id"), *((a, "aliases") for a in ex.aliases)]:
            folded = normalise_name(label)
            other = by_name.get(folded)
            if other is not None and other.id != ex.id:
                raise CatalogError(path, ex.id, key, f"{label!r} is already a name or alias of {other.id}")
            by_name[folded] = ex
    return by_name


def _check_substitutes(path: Path, exercises: tuple[Exercise, ...], by_id: Mapping[str, Exercise]) -> None:
    for ex in exercises:
        for sub_id in ex.substitutes:
            sub = by_id.get(sub_id)
            if sub is None:
                raise CatalogError(path, ex.id, "substitutes", f"unknown exercise id {sub_id!r}")
            if sub.mechanic is not ex.mechanic:
                raise CatalogError(path, ex.id, "substitutes", f"{sub_id} is {sub.mechanic}, not {ex.mechanic}")
            if sub.target != ex.target:
                raise CatalogError(path, ex.id, "substitutes", f"{sub_id} targets {sub.target}, not {ex.target}")


def _parse_days(path: Path, raw: Mapping[str, Any], by_id: Mapping[str, Exercise]) -> dict[str, DayTemplate]:
    days_raw = _require(raw, "days", dict, path, None)
    missing = [d for d in DAYS if d not in days_raw]
    if missing:
        raise CatalogError(path, None, "days", f"missing day(s) {missing}")
    templates: dict[str, DayTemplate] = {}
    for day, slots_raw in days_raw.items():
        if day not in DAYS:
            raise CatalogError(path, str(day), None, f"unknown day; allowed: {list(DAYS)}")
        if not isinstance(slots_raw, list) or not slots_raw:
            raise CatalogError(path, day, None, "expected a non-empty list of slots")
        slots = []
        for i, slot in enumerate(slots_raw):
            entry = f"{day} #{i}"
            if not isinstance(slot, dict):
                raise CatalogError(path, entry, None, "expected a mapping")
            ex_id = _require(slot, "exercise", str, path, entry)
            if ex_id not in by_id:
                raise CatalogError(path, entry, "exercise", f"unknown exercise id {ex_id!r}")
            if day not in by_id[ex_id].days:
                raise CatalogError(path, entry, "exercise", f"{ex_id} is not tagged for {day}")
            unknown = set(slot) - {"exercise", "sets", "reps"}
            if unknown:
                raise CatalogError(path, entry, sorted(unknown)[0], "unknown field")
            prescription = None
            if "sets" in slot or "reps" in slot:
                prescription = _parse_prescription(
                    {"sets": slot.get("sets"), "reps": slot.get("reps")}, path, entry, "prescription"
                )
            slots.append(DaySlot(exercise_id=ex_id, prescription=prescription))
        if len({s.exercise_id for s in slots}) != len(slots):
            raise CatalogError(path, day, None, "lists an exercise twice")
        templates[day] = DayTemplate(name=day, slots=tuple(slots))
    return templates
