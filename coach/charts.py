"""PNG charts for /progress and /stats, rendered with matplotlib's Agg backend (no display needed).

Callers run these in a worker thread (``asyncio.to_thread``) so the event loop keeps answering. Figures
are built with the object-oriented API (``Figure`` + ``FigureCanvasAgg``), never pyplot's global state,
and one lock serialises renders: matplotlib's font and text-layout caches are shared between threads
and not safe to use from two at once, and a render takes a fraction of a second.

Colours: an opaque neutral card (Discord's own dark surface colour) with light text and saturated
marks, so a chart reads the same in Discord's dark and light themes instead of depending on what
shows through a transparent background.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Sequence
from datetime import datetime

import matplotlib

matplotlib.use("Agg")  # Before anything imports pyplot: never try to open a display.

import matplotlib.dates as mdates
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import MaxNLocator

from coach.insight_results import Condition, ProgressSeries, WeeklyStats

WIDTH_IN, HEIGHT_IN, DPI = 10.0, 5.0, 110
PIXELS = (int(WIDTH_IN * DPI), int(HEIGHT_IN * DPI))

CARD = "#2B2D31"
TEXT = "#E3E5E8"
MUTED = "#B5BAC1"
GRID = "#4E5058"
LINE = "#949BA4"
PRE_EXHAUSTED = "#FF9F1C"
COMPOUND_FIRST = "#5EA8FF"
OTHER = "#57F287"
PR = "#FEE75C"
PAIRS = "#FF9F1C"

_RENDER_LOCK = threading.Lock()
_LEGEND_NAMES = {Condition.PRE_EXHAUSTED: "pre-exhausted (after isolation)", Condition.FRESH: "compound first"}
_MARKERS = {Condition.PRE_EXHAUSTED: ("^", PRE_EXHAUSTED), Condition.FRESH: ("o", COMPOUND_FIRST)}
# The legend names which records the stars are: the same kinds the /log reply announces.
_PR_LEGEND = {"e1rm": "best e1RM", "weight at reps": "most weight for the reps", "reps at load": "most reps at a load"}


def _figure() -> Figure:
    fig = Figure(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI, facecolor=CARD)
    FigureCanvasAgg(fig)
    return fig


def _style(ax: Axes) -> None:
    ax.set_facecolor(CARD)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    for side in ("left", "bottom"):
        ax.spines[side].set_color(GRID)
    ax.tick_params(colors=MUTED, labelsize=10)
    ax.grid(True, color=GRID, linewidth=0.6, alpha=0.7)
    ax.set_axisbelow(True)


def _drawable(text: str) -> str:
    """Text without characters the bundled font can't draw (emoji in member-named exercises)."""
    return "".join(ch for ch in text if ord(ch) <= 0xFFFF)


def _png(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    # A fixed canvas (no tight bbox) so every chart has the same, predictable pixel size.
    fig.savefig(buffer, format="png", facecolor=CARD, dpi=DPI)
    fig.clear()
    return buffer.getvalue()


def _days(times: Sequence[datetime]) -> list[float]:
    """Times as Matplotlib's date numbers (days), the x values its date locator and formatter read."""
    return [float(mdates.date2num(t)) for t in times]


def render_progress(series: ProgressSeries) -> bytes:
    """The progress chart as PNG bytes: a line over sessions, PRs starred, conditions told apart."""
    with _RENDER_LOCK:
        fig = _figure()
        ax = fig.add_subplot(1, 1, 1)
        _style(ax)
        times = _days([p.at for p in series.points])
        values = [p.value for p in series.points]
        ax.plot(times, values, color=LINE, linewidth=1.8, zorder=2)
        handles: list[Line2D] = []
        groups: Sequence[Condition | None] = (
            [Condition.PRE_EXHAUSTED, Condition.FRESH] if series.is_compound else [None]
        )
        for condition in groups:
            chosen = [p for p in series.points if p.condition is condition]
            if not chosen:
                continue
            marker, colour = _MARKERS[condition] if condition is not None else ("o", OTHER)
            ax.scatter(
                _days([p.at for p in chosen]),
                [p.value for p in chosen],
                marker=marker,
                s=70,
                color=colour,
                edgecolors=CARD,
                linewidths=1.2,
                zorder=4,
            )
            name = _LEGEND_NAMES[condition] if condition is not None else "session"
            handles.append(Line2D([], [], marker=marker, linestyle="", color=colour, markersize=9, label=name))
        prs = [p for p in series.points if p.is_pr]
        if prs:
            ax.scatter(
                _days([p.at for p in prs]),
                [p.value for p in prs],
                marker="*",
                s=380,
                color=PR,
                edgecolors=CARD,
                linewidths=0.8,
                zorder=3,
            )
            kinds = dict.fromkeys(k for p in prs for k in p.pr_kinds)
            label = "PR (as /log announced): " + ", ".join(_PR_LEGEND[k] for k in kinds)
            handles.append(Line2D([], [], marker="*", linestyle="", color=PR, markersize=14, label=label))
        last = series.points[-1]
        ax.annotate(
            f"{last.value:,.1f}".removesuffix(".0"),
            (times[-1], last.value),
            textcoords="offset points",
            xytext=(8, 8),
            color=TEXT,
            fontsize=10,
            parse_math=False,
        )
        locator = mdates.AutoDateLocator(minticks=3, maxticks=8)
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
        ax.set_ylabel(series.axis_label, color=TEXT, fontsize=11, parse_math=False)
        low, high = min(values), max(values)
        pad = max((high - low) * 0.15, abs(high) * 0.05, 1.0)
        ax.set_ylim(max(0.0, low - pad), high + pad)
        # Member-typed names are drawn literally: no mathtext from a stray "$".
        ax.set_title(_drawable(series.title), color=TEXT, fontsize=14, loc="left", pad=12, parse_math=False)
        legend = ax.legend(handles=handles, loc="upper left", frameon=True, fontsize=10, labelcolor=TEXT)
        legend.get_frame().set_facecolor(CARD)
        legend.get_frame().set_edgecolor(GRID)
        fig.subplots_adjust(left=0.09, right=0.97, top=0.88, bottom=0.12)
        return _png(fig)


def render_weekly(stats: WeeklyStats) -> bytes:
    """Hard sets per muscle group as horizontal bars, with pre-exhaust pairs noted on each bar."""
    with _RENDER_LOCK:
        fig = _figure()
        ax = fig.add_subplot(1, 1, 1)
        _style(ax)
        ax.grid(True, axis="x", color=GRID, linewidth=0.6, alpha=0.7)
        ax.grid(False, axis="y")
        muscles = list(reversed(stats.muscles))  # Biggest at the top.
        labels = [m.label for m in muscles]
        sets = [m.hard_sets for m in muscles]
        bars = ax.barh(labels, sets, color=COMPOUND_FIRST, height=0.6, zorder=3)
        top = max(sets)
        for bar, muscle in zip(bars, muscles, strict=True):
            text = f"{muscle.hard_sets}"
            if muscle.pre_pairs:
                text += f"  ·  {muscle.pre_pairs} pre-exhaust pair{'s' if muscle.pre_pairs != 1 else ''}"
            ax.text(
                bar.get_width() + top * 0.01,
                bar.get_y() + bar.get_height() / 2,
                text,
                va="center",
                color=TEXT,
                fontsize=10,
                parse_math=False,
            )
        ax.set_xlim(0, top * 1.45)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xlabel("Hard sets (warm-ups left out)", color=TEXT, fontsize=11)
        ax.tick_params(axis="y", colors=TEXT)
        ax.set_title(f"Hard sets per muscle group — {stats.period}", color=TEXT, fontsize=14, loc="left", pad=12)
        fig.subplots_adjust(left=0.18, right=0.97, top=0.88, bottom=0.12)
        return _png(fig)
