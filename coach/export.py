"""A member's own data as files: CSV (one row per set) and JSON (sets plus settings).

Built for any size of log without holding it in memory or on the event loop: the service reads the
sets in batches and hands each batch to :class:`ExportWriter` in a worker thread, which appends it to
two spooled temporary files. :meth:`ExportWriter.finish` returns the files as they are when they fit
the upload limit Discord gives the interaction, zipped when only that fits, and otherwise says plainly
why not and what to do. Cells a spreadsheet would run as a formula are neutralised; Discord ids are
strings so JavaScript readers don't round them.
"""

from __future__ import annotations

import csv
import io
import json
import tempfile
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import IO, Any

from coach.errors import CoachError
from coach.text import plural
from db.models import MemberSettings

CSV_NAME = "pre-exhaust-coach-sets.csv"
JSON_NAME = "pre-exhaust-coach-data.json"
ZIP_NAME = "pre-exhaust-coach-data.zip"
# In memory up to this size, then on disk: a big export never sits in RAM whole.
_SPOOL_BYTES = 4 * 1024 * 1024
# Room for the multipart framing Discord counts against the upload limit too.
_FRAMING_BYTES = 16 * 1024


class ExportTooLargeError(CoachError):
    """Even zipped, the member's data is over the upload limit of this interaction."""


@dataclass(frozen=True, slots=True)
class ExportFile:
    """One file to attach: its name and its bytes, positioned at the start."""

    filename: str
    data: IO[bytes]
    size: int


class ExportWriter:
    """Writes a member's export incrementally; every method is synchronous, for a worker thread."""

    def __init__(
        self,
        member_id: int,
        settings: MemberSettings | None,
        now: datetime,
        bodyweights: Sequence[tuple[float, datetime]] = (),
        mapped: Mapping[str, str] | None = None,
        workout: Mapping[str, Any] | None = None,
    ) -> None:
        self._csv = tempfile.SpooledTemporaryFile(max_size=_SPOOL_BYTES)  # noqa: SIM115 - closed by finish()
        self._json = tempfile.SpooledTemporaryFile(max_size=_SPOOL_BYTES)  # noqa: SIM115 - closed by finish()
        # UTF-8 with BOM so spreadsheet apps open names and notes with accents correctly.
        self._csv_text = io.TextIOWrapper(self._csv, encoding="utf-8-sig", newline="", write_through=True)
        self._json_text = io.TextIOWrapper(self._json, encoding="utf-8", write_through=True)
        self._writer = csv.DictWriter(self._csv_text, fieldnames=list(_EXPORT_FIELDS), lineterminator="\n")
        self._writer.writeheader()
        head = {
            "member_id": str(member_id),
            "exported_at": now.isoformat(),
            "settings": None
            if settings is None
            else {
                "unit": settings.unit,
                "share": settings.share,
                "sessions_per_week": settings.sessions_per_week,
                "recap": settings.recap,
                "reminder_time": settings.reminder_time,
                "reminder_guild_id": None if settings.reminder_guild_id is None else str(settings.reminder_guild_id),
                "created_at": settings.created_at.isoformat(),
                "updated_at": settings.updated_at.isoformat(),
            },
            "body_weights": [{"weight_kg": kg, "measured_at": at.isoformat()} for kg, at in bodyweights],
            "exercise_maps": [{"your_name": key, "exercise_id": ex} for key, ex in sorted((mapped or {}).items())],
            "workout": None if workout is None else _workout_record(workout),
        }
        # The document is written as it goes: its head, then each set, then the closing brackets.
        self._json_text.write(json.dumps(head, ensure_ascii=False, indent=2)[:-2] + ',\n  "sets": [')
        self.sets = 0

    def add(self, rows: Iterable[Any]) -> None:
        """Append a batch of sets (objects with the logged_sets columns as attributes), oldest first."""
        for row in rows:
            record = _export_record(row)
            self._writer.writerow({k: _csv_cell(v) for k, v in record.items()})
            separator = "\n    " if self.sets == 0 else ",\n    "
            self._json_text.write(separator + json.dumps(record, ensure_ascii=False))
            self.sets += 1

    def finish(self, limit: int) -> list[ExportFile]:
        """The files to attach within ``limit`` bytes: CSV and JSON, else one zip of both; else ExportTooLargeError."""
        self._json_text.write("\n  ]\n}\n" if self.sets else "]\n}\n")
        self._csv_text.detach()
        self._json_text.detach()
        files = [_file(CSV_NAME, self._csv), _file(JSON_NAME, self._json)]
        if sum(f.size for f in files) + _FRAMING_BYTES <= limit:
            return files
        archive = tempfile.SpooledTemporaryFile(max_size=_SPOOL_BYTES)  # noqa: SIM115 - returned to the caller
        with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as zipped:
            for f in files:
                with zipped.open(f.filename, "w") as member:
                    while chunk := f.data.read(1024 * 1024):
                        member.write(chunk)
                f.data.close()
        packed = _file(ZIP_NAME, archive)
        if packed.size + _FRAMING_BYTES <= limit:
            return [packed]
        packed.data.close()
        raise ExportTooLargeError(
            f"Your data ({plural(self.sets, 'set')}) is {packed.size / 1024 / 1024:.1f} MB even zipped, over the "
            f"{limit / 1024 / 1024:.1f} MB Discord lets me upload here. Try in a server with a higher upload "
            "limit (boosted servers allow more), or ask the bot's operator for a copy of your rows."
        )


def _file(name: str, data: IO[bytes]) -> ExportFile:
    size = data.seek(0, io.SEEK_END)
    data.seek(0)
    return ExportFile(name, data, size)


_EXPORT_FIELDS = (
    "set_id", "performed_at", "exercise_id", "exercise_name", "custom", "weight_kg", "weight_value",
    "weight_unit", "reps", "rpe", "kind", "note", "e1rm_kg", "bodyweight_kg", "time_known", "guild_id",
    "channel_id", "interaction_id", "created_at", "source",
)  # fmt: skip


def _workout_record(row: Mapping[str, Any]) -> dict[str, Any]:
    """The member's latest workout (the card's state) as stored, ids as strings, times as ISO 8601."""
    record: dict[str, Any] = {}
    for key, value in row.items():
        if key in ("member_id", "workout_id", "guild_id", "channel_id") and value is not None:
            value = str(value)
        elif isinstance(value, datetime):
            value = value.isoformat()
        record[key] = value
    return record


def _export_record(row: Any) -> dict[str, Any]:
    # Discord ids are 64-bit: strings, so JavaScript readers of the JSON don't round them.
    def sid(value: int | None) -> str | None:
        return None if value is None else str(value)

    return {
        "set_id": row.id,
        "performed_at": row.performed_at.isoformat(),
        "exercise_id": row.exercise_id,
        "exercise_name": row.exercise_name,
        "custom": row.exercise_id is None,
        "weight_kg": row.weight_kg,
        "weight_value": row.weight_value,
        "weight_unit": row.weight_unit,
        "reps": row.reps,
        "rpe": row.rpe,
        "kind": row.kind,
        "note": row.note,
        "e1rm_kg": round(row.e1rm_kg, 3) if row.e1rm_kg is not None else None,
        "bodyweight_kg": row.bodyweight_kg,
        "time_known": row.time_known,
        "guild_id": sid(row.guild_id),
        "channel_id": sid(row.channel_id),
        "interaction_id": sid(row.interaction_id),
        "created_at": row.created_at.isoformat(),
        "source": row.source,
    }


def _csv_cell(value: Any) -> Any:
    # Spreadsheets run cells starting with = + - @ as formulas; a note must never execute.
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    if value is None:
        return ""
    return value
