"""Charts decode as real PNGs of the promised size, aren't blank, and render safely from worker threads."""

from __future__ import annotations

import io
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from PIL import Image, ImageStat

from coach import charts
from coach.insight_results import Condition, MuscleStats, ProgressPoint, ProgressSeries, WeeklyStats

NOW = datetime(2026, 11, 20, 18, 0, tzinfo=UTC)


def series(n: int = 8, *, compound: bool = True, name: str = "Back Squat", metric: str = "e1rm") -> ProgressSeries:
    points = tuple(
        ProgressPoint(
            at=NOW - timedelta(days=3 * (n - i)),
            value=100 + 2.5 * i,
            label=f"{100 + 2.5 * i} kg",
            condition=(Condition.PRE_EXHAUSTED if i % 2 else Condition.FRESH) if compound else None,
            is_pr=i in (3, 6),
        )
        for i in range(n)
    )
    return ProgressSeries(name, metric, 90, "kg", NOW - timedelta(days=90), NOW, points, compound)  # type: ignore[arg-type]


def weekly() -> WeeklyStats:
    muscles = tuple(
        MuscleStats(m, m, 12 - 2 * i, 2000.0 - 100 * i, 2, i % 2, 0)
        for i, m in enumerate(["quads", "chest", "lats", "glutes", "hamstrings"])
    )
    return WeeklyStats(2, NOW - timedelta(weeks=2), NOW, "kg", muscles, 4, 40, 9000.0, 2, 1)


def decode(png: bytes) -> Image.Image:
    assert png.startswith(b"\x89PNG\r\n\x1a\n"), "a PNG signature"
    image = Image.open(io.BytesIO(png))
    image.load()
    return image.convert("RGBA")


def assert_readable(image: Image.Image) -> None:
    assert image.size == charts.PIXELS == (1100, 550)
    # Opaque everywhere: the chart brings its own card instead of relying on the theme behind it.
    assert image.getchannel("A").getextrema() == (255, 255)
    stat = ImageStat.Stat(image.convert("L"))
    assert stat.stddev[0] > 10, "not a blank canvas"
    colours = image.convert("RGB").getcolors(maxcolors=1_000_000)
    assert colours is not None, "lines, markers and text, not a flat fill"
    assert len(colours) > 50, "lines, markers and text, not a flat fill"


def pixels_near(image: Image.Image, colour: str, tolerance: int = 12) -> int:
    target = tuple(int(colour[i : i + 2], 16) for i in (1, 3, 5))
    colours = image.convert("RGB").getcolors(maxcolors=1_000_000) or []
    return sum(n for n, rgb in colours if all(abs(c - t) <= tolerance for c, t in zip(rgb, target, strict=True)))


def test_progress_chart_is_a_readable_png() -> None:
    image = decode(charts.render_progress(series()))
    assert_readable(image)
    # Both conditions and the PR stars are drawn in their own colours.
    assert pixels_near(image, charts.PRE_EXHAUSTED) > 30
    assert pixels_near(image, charts.COMPOUND_FIRST) > 30
    assert pixels_near(image, charts.PR) > 30


def test_isolation_chart_has_no_condition_colours() -> None:
    image = decode(charts.render_progress(series(compound=False)))
    assert_readable(image)
    assert pixels_near(image, charts.OTHER) > 30
    assert pixels_near(image, charts.COMPOUND_FIRST, tolerance=6) < 30


@pytest.mark.parametrize("name", ["$\\frac{1}{0}$ press", "Sled Push 🛷", "x" * 100])
def test_member_typed_names_render_literally(name: str) -> None:
    assert_readable(decode(charts.render_progress(series(name=name))))


def test_two_points_and_flat_values_render() -> None:
    flat = series(2)
    flat = ProgressSeries(
        flat.exercise_name,
        "volume",
        30,
        "lb",
        flat.since,
        flat.until,
        tuple(ProgressPoint(p.at, 500.0, "", None, False) for p in flat.points),
        False,
    )
    assert_readable(decode(charts.render_progress(flat)))


def test_weekly_chart_is_a_readable_png() -> None:
    image = decode(charts.render_weekly(weekly()))
    assert_readable(image)
    assert pixels_near(image, charts.COMPOUND_FIRST) > 1000, "the bars"


def test_renders_from_many_threads_at_once() -> None:
    with ThreadPoolExecutor(max_workers=6) as pool:
        results = list(pool.map(lambda i: charts.render_progress(series(4 + i)), range(12)))
    for png in results:
        assert_readable(decode(png))
