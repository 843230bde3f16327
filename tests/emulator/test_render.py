"""The terminal renderer and the typed-command parser used by offline mode."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from emulator.render import describe_commands, parse_command_line, render_message


def choices(*names: str) -> list[dict[str, str]]:
    return [{"name": n, "value": n} for n in names]


COMMANDS: list[dict[str, Any]] = [
    {
        "name": "plan",
        "type": 1,
        "description": "A training day.",
        "options": [
            {
                "name": "day",
                "type": 3,
                "required": True,
                "description": "Which day",
                "choices": choices("lower", "push"),
            },
            {"name": "protocol", "type": 3, "description": "Order", "choices": choices("pre-exhaust", "traditional")},
        ],
    },
    {
        "name": "log",
        "type": 1,
        "description": "Log a set.",
        "options": [
            {"name": "exercise", "type": 3, "required": True, "description": "Exercise", "autocomplete": True},
            {"name": "weight", "type": 10, "required": True, "description": "Weight"},
            {"name": "reps", "type": 4, "required": True, "description": "Reps", "min_value": 1, "max_value": 100},
            {"name": "warmup", "type": 5, "description": "Warm-up set"},
            {"name": "note", "type": 3, "description": "Note", "max_length": 200},
        ],
    },
    {
        "name": "privacy",
        "type": 1,
        "description": "Your data.",
        "options": [
            {"name": "export", "type": 1, "description": "Export your data"},
            {"name": "forget", "type": 1, "description": "Delete your data"},
        ],
    },
]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("/plan push", ("plan", None, {"day": "push"})),
        ("plan push traditional", ("plan", None, {"day": "push", "protocol": "traditional"})),
        ("/plan day:lower protocol:traditional", ("plan", None, {"day": "lower", "protocol": "traditional"})),
        ("/plan day:PUSH", ("plan", None, {"day": "push"})),
        (
            '/log exercise:"back squat" weight:100 reps:6 note:"felt heavy"',
            ("log", None, {"exercise": "back squat", "weight": 100.0, "reps": 6, "note": "felt heavy"}),
        ),
        (
            "/log exercise:back squat weight:100 reps:6",
            ("log", None, {"exercise": "back squat", "weight": 100.0, "reps": 6}),
        ),
        (
            "/log exercise:back squat weight:82,5 reps:5 warmup:yes note:don't lock out",
            (
                "log",
                None,
                {"exercise": "back squat", "weight": 82.5, "reps": 5, "warmup": True, "note": "don't lock out"},
            ),
        ),
        ("/log 'front squat' 60 5", ("log", None, {"exercise": "front squat", "weight": 60.0, "reps": 5})),
        (
            "/log exercise:“hack squat” weight:90 reps:8",
            ("log", None, {"exercise": "hack squat", "weight": 90.0, "reps": 8}),
        ),
        ("/privacy export", ("privacy", "export", {})),
    ],
)
def test_parse_command_line(line: str, expected: tuple[str, str | None, dict[str, Any]]) -> None:
    assert parse_command_line(line, COMMANDS) == expected


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("/plna push", "unknown command /plna. Did you mean /plan?"),
        ("/plan", "missing required option day:<lower|push>"),
        ("/plan dya:push", "no option 'dya'. Did you mean day:?"),
        ("/plan monday", "'monday' is not one of lower, push"),
        ("/log squat abc 5", "weight: 'abc' is not a number"),
        ("/log squat 100 2.5", "reps: '2.5' is not a whole number"),
        ("/log squat 100 0", "reps: must be at least 1"),
        ("/log squat 100 5 warmup:maybe", "warmup: 'maybe' is not true or false"),
        ("/privacy", "/privacy needs one of: export, forget"),
        ('/log exercise:"squat weight:1 reps:1', "unclosed quote"),
        ("/log exercise:squat weight:1 reps:1 note:", "note: no value given"),
        ("/plan push pre-exhaust extra", "too many values"),
        ("", "type a command"),
    ],
)
def test_parse_errors_explain_themselves(line: str, message: str) -> None:
    with pytest.raises(ValueError, match=None) as info:
        parse_command_line(line, COMMANDS)
    assert message in str(info.value)


def test_describe_commands_lists_usage_and_options() -> None:
    text = describe_commands(COMMANDS)
    assert "/plan day:<lower|push> [protocol:<pre-exhaust|traditional>]" in text
    assert "/log exercise:<text> weight:<number> reps:<whole number> [warmup:<true/false>] [note:<text>]" in text
    assert "/privacy export" in text and "Delete your data" in text


def test_render_message_with_embed_components_and_files(tmp_path: Path) -> None:
    message = {
        "id": "1",
        "flags": 64,
        "content": "Logged **set 2** for <@42>",
        "embeds": [
            {
                "title": "Back Squat",
                "description": "100 kg × 6",
                "fields": [{"name": "e1RM", "value": "120 kg\nPR!"}],
                "footer": {"text": "RPE 8"},
                "image": {"url": "attachment://chart.png"},
            }
        ],
        "components": [
            {"type": 1, "components": [{"type": 2, "label": "Undo", "custom_id": "u", "style": 2}]},
            {
                "type": 1,
                "components": [
                    {
                        "type": 3,
                        "custom_id": "page",
                        "placeholder": "Page",
                        "options": [{"label": "Page 1", "value": "1"}, {"label": "Page 2", "value": "2"}],
                    }
                ],
            },
        ],
        "attachments": [{"id": "9", "filename": "chart.png", "size": 4}],
    }
    text = render_message(message, save_files_to=tmp_path, files={"chart.png": b"\x89PNG"})
    lines = text.splitlines()
    assert lines[0] == "(only you can see this)"
    assert "Logged set 2 for @42" in lines
    assert "│ Back Squat" in lines and "│ e1RM" in lines and "│   120 kg" in lines and "│   PR!" in lines
    assert "│ [image: chart.png]" in lines and "│ — RPE 8" in lines
    assert "[Undo]" in lines and "<Page>" in lines and "  - Page 2" in lines
    assert (tmp_path / "chart.png").read_bytes() == b"\x89PNG"
    assert f"saved to {tmp_path / 'chart.png'}" in text
    # A second reply with the same file name must not overwrite the first.
    render_message(message, save_files_to=tmp_path, files={"chart.png": b"\x89PNG2"})
    assert (tmp_path / "chart-2.png").read_bytes() == b"\x89PNG2"
