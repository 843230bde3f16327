"""The typed-command parser and help text of offline mode."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from emulator.commandline import CommandLine, describe_commands, parse_command_line, static_suggestions


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
            {"name": "equipment", "type": 3, "description": "Kit", "choices": choices("gym", "dumbbells")},
        ],
    },
    {
        "name": "swap",
        "type": 1,
        "description": "Two options sharing a choice.",
        "options": [
            {"name": "note", "type": 3, "description": "Free text"},
            {"name": "unit", "type": 3, "description": "Unit", "choices": choices("kg", "lb")},
            {"name": "display", "type": 3, "description": "Display unit", "choices": choices("kg", "lb")},
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
            {
                "name": "import",
                "type": 1,
                "description": "Import a CSV",
                "options": [{"name": "file", "type": 11, "required": True, "description": "The CSV"}],
            },
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
        # A bare value that is one of a later option's choices goes there; the slot in order wins a tie.
        ("/plan push dumbbells", ("plan", None, {"day": "push", "equipment": "dumbbells"})),
        ("/plan dumbbells push", ("plan", None, {"day": "push", "equipment": "dumbbells"})),
        ("/plan push traditional gym", ("plan", None, {"day": "push", "protocol": "traditional", "equipment": "gym"})),
        ("/swap hello lb", ("swap", None, {"note": "hello", "unit": "lb"})),
        # "?" is literal in an option without suggestions.
        ("/log squat 1 5 note:why?", ("log", None, {"exercise": "squat", "weight": 1.0, "reps": 5, "note": "why?"})),
    ],
)
def test_parse_command_line(line: str, expected: tuple[str, str | None, dict[str, Any]]) -> None:
    assert parse_command_line(line, COMMANDS) == CommandLine(*expected)


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
        ("/privacy", "/privacy needs one of: export, forget, import"),
        ('/log exercise:"squat weight:1 reps:1', "unclosed quote"),
        ("/log exercise:squat weight:1 reps:1 note:", "note: no value given"),
        ("/plan push pre-exhaust gym extra", "too many values"),
        ("", "type a command"),
        ("/swap kg", "'kg' is a choice of unit and display; say which, e.g. unit:kg or display:kg"),
        ("/plan pu? protocol:tra?", "only one option can end in ? (the one you are typing); got day, protocol"),
        ("/privacy import file:no/such.csv", "file: no file 'no/such.csv' (relative paths start in"),
    ],
)
def test_parse_errors_explain_themselves(line: str, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        parse_command_line(line, COMMANDS)


@pytest.mark.parametrize(
    ("line", "options", "focused"),
    [
        ("/log exercise:benc?", {"exercise": "benc"}, "exercise"),
        ("/log benc?", {"exercise": "benc"}, "exercise"),
        ("/log exercise:?", {"exercise": ""}, "exercise"),
        ("/log ? 100", {"exercise": "", "weight": 100.0}, "exercise"),
        ("/plan day:pu?", {"day": "pu"}, "day"),
        ("/plan push tra?", {"day": "push", "protocol": "tra"}, "protocol"),
    ],
)
def test_a_value_ending_in_a_question_mark_asks_for_suggestions(
    line: str, options: dict[str, Any], focused: str
) -> None:
    parsed = parse_command_line(line, COMMANDS)
    # Required options may still be missing: autocomplete runs while the member is typing.
    assert (parsed.options, parsed.focused) == (options, focused)
    assert parsed.focused_option is not None
    assert parsed.focused_option["name"] == focused


def test_fixed_choices_are_filtered_like_the_client_does() -> None:
    day = COMMANDS[0]["options"][0]
    assert [c["name"] for c in static_suggestions(day, "pu")] == ["push"]
    assert [c["name"] for c in static_suggestions(day, "")] == ["lower", "push"]
    assert static_suggestions(day, "x") == []


def test_a_file_option_takes_a_local_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "strong.csv").write_text("Date,Exercise Name\n")
    monkeypatch.chdir(tmp_path)
    parsed = parse_command_line("/privacy import file:strong.csv", COMMANDS)
    assert parsed == CommandLine("privacy", "import", {"file": Path("strong.csv")})
    spaced = tmp_path / "my exports" / "hevy.csv"
    spaced.parent.mkdir()
    spaced.write_text("title\n")
    assert parse_command_line(f'/privacy import "{spaced}"', COMMANDS).options == {"file": spaced}


def test_describe_commands_lists_usage_and_options() -> None:
    text = describe_commands(COMMANDS)
    assert "/plan day:<lower|push> [protocol:<pre-exhaust|traditional>]" in text
    assert "/log exercise:<text> weight:<number> reps:<whole number> [warmup:<true/false>] [note:<text>]" in text
    assert "/privacy export" in text
    assert "Delete your data" in text
    assert "/privacy import file:<path/to/file>" in text
    assert "/plan pull dumbbells" in text
    assert "exercise:benc?" in text
