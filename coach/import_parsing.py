"""Reading Strong and Hevy CSV exports: every row checked with /log's rules, placed in time, keyed once.

Pure (no database, no Discord): ``parse_export`` turns a file's bytes into valid rows and per-row
rejections. ``coach.importer`` stores them; see its docstring for what an import does as a whole.
"""

from __future__ import annotations

import csv
import hashlib
import io
import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Literal

from catalog import Catalog, Load, normalise_name
from coach.errors import CoachError, ImportFileError, ValidationError
from coach.exercise_search import MAX_CUSTOM_NAME, ExerciseIndex, ResolvedExercise
from coach.metrics import UNITS, Unit
from coach.set_rules import check_weight, parse_kind, parse_note, parse_reps, parse_rpe, parse_unit
from coach.text import member_text
from coach.timeparse import FUTURE_TOLERANCE
from db.models import MAX_NOTE_LENGTH

log = logging.getLogger(__name__)

Source = Literal["strong", "hevy"]
MAX_IMPORT_BYTES = 2 * 1024 * 1024
MAX_IMPORT_ROWS = 20_000
EARLIEST_IMPORT = datetime(2000, 1, 1, tzinfo=UTC)
# Sets spread over a long workout are never further apart than this, so it stays one session (< 90 min).
MAX_SET_SPACING = timedelta(minutes=30)
# Spreadsheets run cells starting with these as formulas; no exercise name starts like that.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

_STRONG_REQUIRED = ("date", "exercise name", "weight", "reps")
_HEVY_REQUIRED = ("start_time", "exercise_title", "reps")
_DATE_FORMATS = (
    "%b %d, %Y, %I:%M %p",  # Hevy in US English: "Jun 11, 2026, 1:01 PM"
    "%B %d, %Y, %I:%M %p",
    "%b %d, %Y %I:%M %p",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d %I:%M:%S %p",
    "%Y-%m-%d %I:%M %p",
    "%d %b %Y, %H:%M",
    "%d %b %Y %H:%M",
    "%d %B %Y, %H:%M",
    "%Y-%m-%d",
)
# Older Strong exports mark kinds with a letter, the newest with a word (a number is a working set).
_STRONG_KINDS = {
    "w": "warmup", "d": "drop", "f": "failure", "warm_up": "warmup", "warmup": "warmup", "drop_set": "drop",
    "dropset": "drop", "failure": "failure",
}  # fmt: skip
# Header names whose unit is part of the name (the newest Strong export): the plain name, and what it says.
_UNIT_IN_HEADER = re.compile(r"^(?P<name>[a-z #]+?) \((?P<unit>[a-z]+)\)$")
_HEADER_UNITS: dict[str, str] = {
    "kg": "kg", "kgs": "kg", "lb": "lb", "lbs": "lb", "sec": "s", "secs": "s", "seconds": "s", "s": "s",
    "min": "min", "meters": "m", "m": "m", "km": "km", "miles": "mi", "mi": "mi",
}  # fmt: skip
_HEVY_KINDS = {"normal": "working", "warmup": "warmup", "dropset": "drop", "drop": "drop", "failure": "failure"}
# Bounds on what a row's fields may hold: longer text or bigger numbers are not a date, a duration or a
# set number (and would cost CPU, or overflow, to parse).
MAX_DATE_LENGTH = 40
# On a lift whose load is the body (push-ups, sissy squats), a weight this heavy is the member's body weight
# typed in, not a vest: read as body weight with nothing added.
BODYWEIGHT_AS_WEIGHT_KG = 40.0
# Barbell totals with pairs of 45-lb plates on a 45-lb bar, for infer_unit.
_LB_TOTALS = frozenset({135.0, 185.0, 225.0, 275.0, 315.0, 365.0, 405.0, 455.0, 495.0})
# A header line longer than this is not an export's (the longest real one is ~200 characters).
MAX_HEADER_CHARS = 2_000
MAX_NUMBER_DIGITS = 6
# No workout lasts more than a day; a longer duration is a broken field, not a session to spread sets over.
MAX_WORKOUT_MINUTES = 24 * 60
# Possessive runs: adjacent optional blanks must not trade characters, or a long blank field backtracks.
_DURATION = re.compile(r"^\s*+(?:(?P<h>\d++)\s*+h)?\s*+(?:(?P<m>\d++)\s*+m(?:in)?)?\s*+(?:(?P<s>\d++)\s*+s)?\s*+$")


# --------------------------------------------------------------------------- results


@dataclass(frozen=True, slots=True)
class ImportRow:
    """One validated set, ready to store."""

    line: int
    performed_at: datetime
    exercise: ResolvedExercise
    weight_value: float
    weight_unit: Unit
    weight_kg: float
    reps: int
    rpe: float | None
    kind: str
    note: str | None
    import_key: str
    # A body-weight exercise logged with the member's body weight as its weight: that body weight.
    bodyweight_kg: float | None = None
    # The keys the same row had under earlier key versions (checked for duplicates too).
    legacy_keys: tuple[str, ...] = ()


UnitSource = Literal["file", "option", "inferred", "default"]


@dataclass(frozen=True, slots=True)
class ParsedImport:
    """A readable export: valid rows, per-row rejections and how many rows had no reps, and the unit its
    weights were read in with where that came from (the file, the member's option, the weights themselves,
    or the member's unit when nothing told)."""

    source: Source
    rows: tuple[ImportRow, ...]
    rejected: tuple[str, ...]
    skipped: int
    total: int
    unit: Unit = "kg"
    unit_source: UnitSource = "file"


# --------------------------------------------------------------------------- parsing


@dataclass(slots=True)
class _Raw:
    line: int
    workout: str
    start: datetime | None
    start_text: str
    duration: timedelta | None
    exercise: str
    set_order: str
    sort: int
    weight: str
    unit: Unit | None
    reps: str
    rpe: str
    kind: str
    note: str
    position: int = 0
    occurrence: int = 0
    keep_note: bool = True


def check_size(size: int) -> None:
    """Refuse a file over the size limit before reading it."""
    if size > MAX_IMPORT_BYTES:
        raise ImportFileError(
            f"That file is {size / 1024 / 1024:.1f} MB; exports up to {MAX_IMPORT_BYTES // 1024 // 1024} MB "
            "can be imported. Export a shorter date range and import the parts one by one."
        )


def check_upload(filename: str, size: int) -> None:
    """Refuse an attachment that can't be an export (wrong kind of file, too big) before downloading it."""
    if not filename.lower().endswith((".csv", ".txt")):
        raise ImportFileError(
            "Attach the CSV file that Strong or Hevy exported (a file ending in .csv), so nothing was imported."
        )
    check_size(size)


def _decode(data: bytes) -> str:
    check_size(len(data))
    if not data.strip():
        raise ImportFileError("That file is empty. Export your workouts from Strong or Hevy as CSV and attach that.")
    if b"\x00" in data:
        raise ImportFileError("That file isn't a CSV text file (it contains binary data), so nothing was imported.")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportFileError(
            "That file isn't UTF-8 text, so nothing was imported. Attach the CSV exactly as Strong or Hevy exported it."
        ) from None


def _header_key(name: str) -> str:
    return " ".join(name.strip().strip('"').lower().split())


def _split_unit(key: str) -> tuple[str, str | None]:
    """ "weight (kg)" as ("weight", "kg"), "duration (sec)" as ("duration", "s"); other names unchanged."""
    match = _UNIT_IN_HEADER.match(key)
    if match is None or match["unit"] not in _HEADER_UNITS:
        return key, None
    return match["name"], _HEADER_UNITS[match["unit"]]


def _source(header: list[str]) -> Source:
    names = set(header)
    if all(c in names for c in _STRONG_REQUIRED):
        return "strong"
    if all(c in names for c in _HEVY_REQUIRED) and ("weight_kg" in names or "weight_lbs" in names):
        return "hevy"
    raise ImportFileError(
        "That doesn't look like a Strong or Hevy CSV export, so nothing was imported. I need the columns "
        "`Date, Exercise Name, Weight, Reps` (Strong) or `start_time, exercise_title, weight_kg` or "
        "`weight_lbs`, `reps` (Hevy)."
    )


def _small_int(text: str) -> int | None:
    """A whole number of at most MAX_NUMBER_DIGITS ASCII digits; None for anything else (or longer)."""
    return int(text) if text.isascii() and text.isdigit() and len(text) <= MAX_NUMBER_DIGITS else None


def parse_date(text: str) -> datetime | None:
    """A workout time as aware UTC, from the formats Strong and Hevy use (None if unreadable)."""
    # Newer Strong exports put a narrow no-break space before AM/PM.
    cleaned = " ".join(text.replace("\u202f", " ").replace("\u00a0", " ").split())
    if not cleaned or len(cleaned) > MAX_DATE_LENGTH:
        return None
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(cleaned, fmt).replace(tzinfo=UTC)
        except ValueError:
            continue
    try:
        parsed = datetime.fromisoformat(cleaned.replace("Z", "+00:00"))
        return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
    except (ValueError, OverflowError):  # e.g. 0001-01-01 at +14:00 lies before the calendar's start in UTC
        return None


def parse_duration(text: str) -> timedelta | None:
    """A workout duration like ``1h 5m``, ``45m``, ``45 min`` or plain minutes (None if absent or unreadable)."""
    cleaned = text.strip().lower()
    if not cleaned:
        return None
    if len(cleaned) > MAX_DATE_LENGTH:
        return None
    if cleaned.isdigit():
        minutes = _small_int(cleaned)
        return timedelta(minutes=minutes) if minutes is not None and minutes <= MAX_WORKOUT_MINUTES else None
    match = _DURATION.match(cleaned)
    if match is None or not any(match.groupdict().values()):
        return None
    parts = [_small_int(match[g] or "0") for g in ("h", "m", "s")]
    if None in parts:
        return None
    hours, minutes, seconds = (p or 0 for p in parts)
    duration = timedelta(hours=hours, minutes=minutes, seconds=seconds)
    return duration if duration <= timedelta(minutes=MAX_WORKOUT_MINUTES) else None


def _strong_raw(row: Mapping[str, str], line: int, units: Mapping[str, str]) -> _Raw:
    order = row.get("set order", "").strip()
    kind = _STRONG_KINDS.get(order.lower(), "working")
    duration_text = row.get("duration") or row.get("workout duration") or ""
    if units.get("duration") == "s" and duration_text.strip():
        # The newest export gives the duration in seconds ("Duration (sec)": 3324), not minutes.
        seconds = _small_int(duration_text.strip().split(".")[0])
        duration_text = f"{seconds}s" if seconds is not None else "broken"
    unit_text = row.get("weight unit", "").strip() or units.get("weight", "")
    try:
        unit = parse_unit(unit_text)
    except CoachError:
        unit = None
    date_text = row.get("date", "")
    return _Raw(
        line=line,
        workout=f"{date_text.strip()}\x1f{row.get('workout name', '').strip()}",
        start=parse_date(date_text),
        start_text=date_text.strip(),
        duration=parse_duration(duration_text),
        exercise=row.get("exercise name", "").strip(),
        set_order=order,
        # Warm-ups first, numbered sets in order, other letters after.
        sort=_sort_key(order, kind),
        weight=row.get("weight", ""),
        unit=unit,
        reps=row.get("reps", ""),
        rpe=row.get("rpe", ""),
        kind=kind,
        note=row.get("notes", ""),
    )


# The sort key of a set whose order is a label (a drop or failure set): placed after the set before it.
_UNNUMBERED = 10_000_000


def _sort_key(order: str, kind: str) -> int:
    """Where a set goes in its exercise: warm-ups first, numbered sets in order, other labels after."""
    number = _small_int(order)
    if number is not None:
        return number
    return -1 if kind == "warmup" else _UNNUMBERED


def _hevy_raw(row: Mapping[str, str], line: int, units: Mapping[str, str]) -> _Raw:
    start_text = row.get("start_time", "")
    start, end = parse_date(start_text), parse_date(row.get("end_time", ""))
    order = row.get("set_index", "").strip()
    set_type = row.get("set_type", "").strip().lower()
    lbs = "weight_lbs" in row and "weight_kg" not in row
    return _Raw(
        line=line,
        workout=f"{start_text.strip()}\x1f{row.get('title', '').strip()}",
        start=start,
        start_text=start_text.strip(),
        duration=end - start if start is not None and end is not None and end > start else None,
        exercise=row.get("exercise_title", "").strip(),
        set_order=order,
        sort=_sort_key(order, "working"),
        weight=row.get("weight_lbs", "") if lbs else row.get("weight_kg", ""),
        unit="lb" if lbs else "kg",
        reps=row.get("reps", ""),
        rpe=row.get("rpe", ""),
        kind=_HEVY_KINDS.get(set_type, set_type or "working"),
        note=row.get("exercise_notes", ""),
    )


def _delimiter(first_line: str) -> str:
    """The file's delimiter, sniffed from its header line by the csv module (comma, semicolon or tab)."""
    try:
        return str(csv.Sniffer().sniff(first_line, delimiters=",;\t").delimiter)
    except csv.Error:
        return ","  # a one-column header: the source check below names what was expected


def _read_rows(text: str) -> tuple[Source, list[_Raw]]:
    first_line = text.split("\n", 1)[0][:MAX_HEADER_CHARS]
    # Quoting as the apps (and spreadsheets) write it: double quotes, doubled inside; anything else is damage.
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(first_line), strict=True)
    try:
        keys = [_header_key(h) for h in next(reader)]
    except (csv.Error, StopIteration):
        raise ImportFileError("That file has no readable header row, so nothing was imported.") from None
    split = [_split_unit(k) for k in keys]
    header = [name for name, _ in split]
    units = {name: unit for name, unit in split if unit is not None}
    source = _source(header)
    to_raw = _strong_raw if source == "strong" else _hevy_raw
    raws: list[_Raw] = []
    try:
        for cells in reader:
            if not any(c.strip() for c in cells):
                continue
            if len(cells) != len(header):
                raise ImportFileError(
                    f"Line {reader.line_num} has {len(cells)} fields but the header has {len(header)}: the file "
                    "looks damaged, so nothing was imported. Export it again from the app."
                )
            if len(raws) >= MAX_IMPORT_ROWS:
                raise ImportFileError(
                    f"That file has more than {MAX_IMPORT_ROWS:,} sets; import at most {MAX_IMPORT_ROWS:,} at a "
                    "time (export a shorter date range)."
                )
            raws.append(to_raw(dict(zip(header, cells, strict=True)), reader.line_num, units))
    except csv.Error as error:
        raise ImportFileError(
            f"Line {reader.line_num} isn't valid CSV ({error}), so nothing was imported. Export the file again."
        ) from None
    if not raws:
        raise ImportFileError("That export has a header but no sets, so there was nothing to import.")
    return source, raws


def _place(raws: list[_Raw]) -> None:
    """Order each workout's sets (exercise blocks as listed, sets by set order) and number occurrences."""
    workouts: dict[str, list[_Raw]] = {}
    for raw in raws:
        workouts.setdefault(raw.workout, []).append(raw)
    for sets in workouts.values():
        block = -1
        blocks: dict[int, int] = {}
        # A drop or failure set named, not numbered ("DROP_SET") goes right after the numbered set before it.
        place: dict[int, float] = {}
        last = 0.0
        for index, raw in enumerate(sets):
            before = sets[index - 1] if index else None
            if before is None or raw.exercise != before.exercise:
                block += 1
                last = 0.0
            else:
                # Hevy repeats an exercise's note on each of its sets: keep it once, where it changes.
                raw.keep_note = raw.note != before.note
            blocks[id(raw)] = block
            if raw.sort >= _UNNUMBERED:
                last += 0.001
                place[id(raw)] = last
            else:
                place[id(raw)] = float(raw.sort)
                last = max(last, float(raw.sort))
        ordered = sorted(sets, key=lambda r: (blocks[id(r)], place[id(r)], r.line))
        seen: dict[tuple[str, str], int] = {}
        for position, raw in enumerate(ordered):
            raw.position = position
            pair = (normalise_name(raw.exercise), raw.set_order)
            raw.occurrence = seen.get(pair, 0)
            seen[pair] = raw.occurrence + 1


def import_key(source: Source, raw: _Raw, weight: float, unit: str | None, reps: int) -> str:
    """The row's stable identity: the same set in a later export of the same workout hashes the same.

    ``weight`` is the number in the file and ``unit`` the unit the *file* names (None when it names none), so
    reading a file in another unit (the member's choice, a different guess) never makes its sets new.
    """
    start = raw.start.isoformat() if raw.start is not None else raw.start_text
    weight_text = f"{weight:.3f}{unit or ''}"
    parts = (source, start, normalise_name(raw.exercise), str(raw.occurrence), raw.set_order, weight_text, str(reps))
    return f"{source}:" + hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


def _validate(
    raw: _Raw, source: Source, index: ExerciseIndex, default_unit: Unit, now: datetime, mapped: Mapping[str, str]
) -> ImportRow:
    if raw.start is None:
        raise ValidationError(f"“{member_text(raw.start_text, 40)}” isn't a date I can read")
    if raw.start < EARLIEST_IMPORT or raw.start > now + FUTURE_TOLERANCE:
        raise ValidationError(f"{raw.start:%Y-%m-%d} is outside the dates I accept (2000 up to today)")
    if not raw.exercise:
        raise ValidationError("no exercise name")
    if raw.exercise.startswith(_FORMULA_START):
        raise ValidationError("the exercise name starts like a spreadsheet formula")
    exercise = index.from_app(raw.exercise)
    if exercise.exercise is None and mapped.get(exercise.key) in index.catalog:
        # The member mapped this name to a catalog exercise with /map: it is that exercise from now on.
        exercise = ResolvedExercise.of(index.catalog.get(mapped[exercise.key]))
    if exercise.exercise is None and (len(exercise.name) > MAX_CUSTOM_NAME or not normalise_name(exercise.name)):
        raise ValidationError(f"exercise names can be 1 to {MAX_CUSTOM_NAME} characters")
    reps = parse_reps(raw.reps.strip().replace(",", "."))
    unit = raw.unit or default_unit
    weight_text = raw.weight.strip().replace(",", ".")
    try:
        weight = float(weight_text) if weight_text else 0.0
    except ValueError:
        raise ValidationError(
            f"Weight must be a number — the file has “{member_text(raw.weight.strip(), 20)}”"
        ) from None
    weight_kg = check_weight(weight, unit, exercise, given=bool(weight_text))
    bodyweight_kg = None
    file_weight = weight
    ex = exercise.exercise
    weighted = "weighted" in normalise_name(raw.exercise).split()
    if ex is not None and ex.load is Load.BODYWEIGHT and weight_kg >= BODYWEIGHT_AS_WEIGHT_KG and not weighted:
        # "Push Up" at 65 kg: apps let members type their body weight as the weight of a body-weight
        # move; nobody does push-ups with 65 kg added. It is the body weight, with nothing added.
        bodyweight_kg, weight, weight_kg = weight_kg, 0.0, 0.0
    rpe_text = raw.rpe.strip().replace(",", ".")
    rpe = parse_rpe(None if rpe_text in ("", "0", "0.0") else rpe_text)
    note = parse_note(raw.note.strip()[:MAX_NOTE_LENGTH] if raw.keep_note else None)
    return ImportRow(
        line=raw.line,
        performed_at=raw.start,  # Spread over the workout by parse_export.
        exercise=exercise,
        weight_value=weight,
        weight_unit=unit,
        weight_kg=weight_kg,
        reps=reps,
        rpe=rpe,
        kind=parse_kind(raw.kind),
        note=note,
        import_key=import_key(source, raw, file_weight, raw.unit, reps),
        bodyweight_kg=bodyweight_kg,
        # Before 29 November 2026 a file without a unit was keyed with the unit decided for it: still match.
        legacy_keys=() if raw.unit is not None else tuple(import_key(source, raw, file_weight, u, reps) for u in UNITS),
    )


def _no_reps(raw: _Raw) -> bool:
    """Cardio, timed and empty sets: no reps at all (a bad reps value is rejected instead)."""
    text = raw.reps.strip().replace(",", ".")
    try:
        return not text or float(text) == 0
    except ValueError:
        return False


def infer_unit(weights: Sequence[float]) -> Unit | None:
    """The unit a file's weights were most likely logged in, from plate maths; None when they don't tell.

    Pound lifters load 45-lb plates, so bar totals of 135, 185, 225, 315 lb recur, and their dumbbells and
    stacks go in 5-lb steps. Kilogram lifters use 1.25-kg plates (x.25 and x.75 loads) and 2-kg dumbbell
    steps (12, 14, 16, 22, 26 kg: whole numbers off the 5s) — loads a pound lifter almost never has. A clear
    majority of tells (at least five, and three times the other side's) decides; a file that doesn't show
    one (few sets, only round fives and tens) returns None.
    """
    lb = kg = 0
    for value in weights:
        w = float(value)
        if w <= 0:
            continue
        if w in _LB_TOTALS:
            lb += 1
        elif (w.is_integer() and w % 5 != 0) or round(w % 1, 2) in (0.25, 0.75):
            kg += 1
    if lb >= 5 and lb >= 3 * kg:
        return "lb"
    if kg >= 5 and kg >= 3 * lb:
        return "kg"
    return None


def _weights(raws: Sequence[_Raw]) -> list[float]:
    out: list[float] = []
    for raw in raws:
        try:
            out.append(float(raw.weight.strip().replace(",", ".") or 0))
        except ValueError:
            continue
    return out


def _decide_unit(raws: Sequence[_Raw], explicit: Unit | None, default: Unit) -> tuple[Unit, UnitSource]:
    """Which unit the weights without one are in: the member's option, else the weights' tell, else theirs."""
    if all(raw.unit is not None for raw in raws):
        return raws[0].unit or default, "file"
    if explicit is not None:
        return explicit, "option"
    inferred = infer_unit(_weights(raws))
    if inferred is not None:
        return inferred, "inferred"
    return default, "default"


def parse_export(
    data: bytes,
    catalog: Catalog | ExerciseIndex,
    *,
    default_unit: Unit,
    now: datetime,
    explicit_unit: Unit | None = None,
    mapped: Mapping[str, str] | None = None,
) -> ParsedImport:
    """Read a Strong or Hevy CSV export; ImportFileError for a file that can't be read as one (all or nothing).

    Weights without a unit in the file are read in ``explicit_unit`` (the member's choice), else the unit the
    weights themselves point to (``infer_unit``), else ``default_unit``; the result says which.
    """
    index = catalog if isinstance(catalog, ExerciseIndex) else ExerciseIndex(catalog)
    source, raws = _read_rows(_decode(data))
    unit, unit_source = _decide_unit(raws, explicit_unit, default_unit)
    default_unit = unit
    _place(raws)
    workouts: dict[str, list[_Raw]] = {}
    for raw in raws:
        workouts.setdefault(raw.workout, []).append(raw)
    rows: list[ImportRow] = []
    rejected: list[str] = []
    skipped = 0
    for sets in workouts.values():
        duration = sets[0].duration
        step = min(duration / len(sets), MAX_SET_SPACING) if duration else timedelta(0)
        for raw in sorted(sets, key=lambda r: r.position):
            if _no_reps(raw):
                skipped += 1
                continue
            try:
                row = _validate(raw, source, index, default_unit, now, mapped or {})
            except CoachError as error:
                rejected.append(f"line {raw.line}: {error.message.rstrip('.')}")
                continue
            at = row.performed_at + step * raw.position
            rows.append(replace(row, performed_at=min(at, now)))
    return ParsedImport(
        source=source,
        rows=tuple(rows),
        rejected=tuple(rejected),
        skipped=skipped,
        total=len(raws),
        unit=unit,
        unit_source=unit_source,
    )
