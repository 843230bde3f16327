"""The terminal renderer of offline mode: messages and autocomplete suggestions as text."""

from __future__ import annotations

from pathlib import Path

from emulator.render import render_message, render_suggestions


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
    assert "│ Back Squat" in lines
    assert "│ e1RM" in lines
    assert "│   120 kg" in lines
    assert "│   PR!" in lines
    assert "│ [image: chart.png]" in lines
    assert "│ — RPE 8" in lines
    assert "[Undo]" in lines
    assert "<Page>" in lines
    assert "  - Page 2" in lines
    assert (tmp_path / "chart.png").read_bytes() == b"\x89PNG"
    assert f"saved to {tmp_path / 'chart.png'}" in text
    # A second reply with the same file name must not overwrite the first.
    render_message(message, save_files_to=tmp_path, files={"chart.png": b"\x89PNG2"})
    assert (tmp_path / "chart-2.png").read_bytes() == b"\x89PNG2"


def test_render_suggestions_shows_the_value_sent_when_it_differs() -> None:
    choices = [{"name": "Bench Press", "value": "bench_press"}, {"name": "x", "value": "x"}]
    text = render_suggestions("exercise", choices)
    assert text.splitlines() == ["Suggestions for exercise:", "- Bench Press  → bench_press", "- x"]
    assert render_suggestions("study", []) == "(no suggestions for study)"
