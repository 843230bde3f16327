"""A member's own data as files: CSV (one row per set) and JSON (sets plus settings).

Pure: takes rows already read, returns bytes. Cells that a spreadsheet would run as a formula are
neutralised; Discord ids are strings so JavaScript readers don't round them.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from db.models import LoggedSet, MemberSettings


def build_export(
    member_id: int, rows: Sequence[LoggedSet], settings: MemberSettings | None, now: datetime
) -> tuple[bytes, bytes]:
    """(CSV, JSON) bytes of the member's sets, and their settings in the JSON."""
    records = [_export_record(r) for r in rows]
    csv_buffer = io.StringIO()
    writer = csv.DictWriter(csv_buffer, fieldnames=list(_EXPORT_FIELDS), lineterminator="\n")
    writer.writeheader()
    for record in records:
        writer.writerow({k: _csv_cell(v) for k, v in record.items()})
    document = {
        "member_id": str(member_id),
        "exported_at": now.isoformat(),
        "settings": None
        if settings is None
        else {
            "unit": settings.unit,
            "share": settings.share,
            "created_at": settings.created_at.isoformat(),
            "updated_at": settings.updated_at.isoformat(),
        },
        "sets": records,
    }
    json_bytes = json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8")
    # UTF-8 with BOM so spreadsheet apps open names and notes with accents correctly.
    return csv_buffer.getvalue().encode("utf-8-sig"), json_bytes


_EXPORT_FIELDS = (
    "set_id", "performed_at", "exercise_id", "exercise_name", "custom", "weight_kg", "weight_value",
    "weight_unit", "reps", "rpe", "kind", "note", "e1rm_kg", "guild_id", "channel_id", "interaction_id",
    "created_at", "source",
)  # fmt: skip


def _export_record(row: LoggedSet) -> dict[str, Any]:
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
        "e1rm_kg": round(row.e1rm_kg, 3),
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
