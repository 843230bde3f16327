"""The options of /progress and /stats, validated: metric, days, weeks (raw values included)."""

from __future__ import annotations

import math

from coach.errors import ValidationError
from coach.insight_results import METRICS, Metric
from coach.text import member_text

DEFAULT_PROGRESS_DAYS = 90
MAX_PROGRESS_DAYS = 730
MAX_STATS_WEEKS = 12


def parse_metric(value: str | None) -> Metric:
    """A metric name (default e1rm); ValidationError names the choices."""
    if value is None or not str(value).strip():
        return "e1rm"
    text = str(value).strip().lower().replace("_", "-").replace(" ", "-")
    aliases: dict[str, Metric] = {
        "e1rm": "e1rm", "1rm": "e1rm", "top-set": "top-set", "topset": "top-set", "top": "top-set", "volume": "volume",
    }  # fmt: skip
    if text not in aliases:
        raise ValidationError(
            f"Metric must be one of {', '.join(METRICS)} — you sent “{member_text(value)}”.", field="metric"
        )
    return aliases[text]


def _whole_number(value: object, field_name: str, low: int, high: int) -> int:
    message = f"{field_name.capitalize()} must be a whole number from {low} to {high}"
    if isinstance(value, bool):
        raise ValidationError(f"{message} — you sent {value}.", field=field_name)
    try:
        number = float(str(value).strip()) if isinstance(value, str) else float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ValidationError(f"{message} — you sent “{member_text(value)}”.", field=field_name) from None
    if not math.isfinite(number) or not number.is_integer() or not low <= number <= high:
        raise ValidationError(f"{message} — you sent {value}.", field=field_name)
    return int(number)


def parse_days(value: object) -> int:
    """Days for /progress: 1 to 730."""
    return _whole_number(DEFAULT_PROGRESS_DAYS if value is None else value, "days", 1, MAX_PROGRESS_DAYS)


def parse_weeks(value: object) -> int:
    """Weeks for /stats: 1 to 12."""
    return _whole_number(1 if value is None else value, "weeks", 1, MAX_STATS_WEEKS)
