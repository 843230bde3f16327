"""The guided workout as Discord shows it: the card's embed and the end-of-workout summary.

Built from ``coach.workout.Card`` alone (no storage, no service); the buttons are the cog's.
"""

from __future__ import annotations

import discord

from catalog import Exercise, Load
from coach.metrics import Unit, format_weight
from coach.planner import DAY_TITLES
from coach.progression import format_load
from coach.text import plural
from coach.workout import Card
from coach.workout_rules import Suggestion, WorkoutSummary
from runtime.text import safe

# The card's colour: orange like a pre-exhaust plan while training, grey once it has ended.
ACTIVE_COLOUR = discord.Colour.orange()
ENDED_COLOUR = discord.Colour.light_grey()


def load_words(exercise: Exercise, weight: float, unit: Unit) -> str:
    """A load as the member reads it for this exercise: '60 kg', '12 kg per hand', 'body weight + 10 kg',
    'assistance 20 kg'."""
    if exercise.load is Load.ASSISTED:
        return f"assistance {format_load(weight, unit)}" if weight > 0 else "body weight (no assistance)"
    if exercise.uses_bodyweight:
        return f"body weight + {format_load(weight, unit)}" if weight > 0 else "body weight"
    return format_load(weight, unit) + (" per hand" if exercise.per_hand else "")


def weight_label(exercise: Exercise, unit: Unit) -> str:
    """The Edit form's weight field for this exercise: what the number means."""
    if exercise.load is Load.ASSISTED:
        return f"Assistance ({unit})"
    if exercise.uses_bodyweight:
        return f"Added weight ({unit}), 0 for none"
    return f"Weight per hand ({unit})" if exercise.per_hand else f"Weight ({unit})"


def suggestion_text(exercise: Exercise, suggestion: Suggestion, unit: Unit) -> str:
    """'60 kg × 8'."""
    return f"{load_words(exercise, suggestion.weight, unit)} × {suggestion.reps}"


def _timestamp(seconds: float, style: str) -> str:
    return f"<t:{int(seconds)}:{style}>"


def card_embed(card: Card) -> discord.Embed:
    """The workout card: the exercise now, the set, the target, the rest, what was just logged."""
    workout = card.workout
    title = f"{DAY_TITLES[workout.day]} · {workout.protocol.value} workout"
    lines: list[str] = []
    if card.notice:
        lines.append(f"ℹ️ {card.notice}")
    if card.logged is not None:
        result = card.logged
        done = f"✅ Logged **{safe(result.exercise_name)}** {result.weight_display} × {result.reps}"
        if result.kind != "working":
            done += f" ({result.kind})"
        if result.e1rm_kg is not None:
            done += f" · e1RM {result.e1rm_display}"
        lines.append(done)
        if result.is_pr:
            lines.append(result.pr_line)
        if result.pre_exhausted:
            lines.append("🔥 **pre-exhausted** — after " + ", ".join(safe(n) for n in result.pre_exhausted_by))
    if card.undone is not None:
        if card.undone.set_id is None:
            lines.append("↩️ Took back the last skipped set.")
        elif card.undone_deleted:
            lines.append("↩️ Took back the last set (removed from your log).")
        else:
            lines.append("↩️ Took back the last set (it was already gone from your log).")
    exercise, item = card.exercise, workout.current
    if exercise is None or item is None:
        lines.append("🏁 **Every exercise of the day is done.** Press **End workout** for your summary.")
        return discord.Embed(title=title, description="\n".join(lines), colour=ACTIVE_COLOUR)
    number = workout.position + 1
    lines.append("")
    lines.append(
        f"**{number}/{len(workout.items)} · {exercise.name}** · `{exercise.mechanic}` · {exercise.target_label}"
    )
    if card.replaces is not None:
        lines.append(f"↳ instead of {card.replaces.name}")
    lines.append(f"Set **{min(workout.set_number, item.sets)} of {item.sets}** · {item.prescription.reps_text} reps")
    if card.suggestion is not None:
        lines.append(f"🎯 **{suggestion_text(exercise, card.suggestion, workout.unit)}** — {card.suggestion.source}")
    else:
        lines.append("🎯 First time: tap **Edit** and enter what you lift — the next sets start from it.")
    if item.target_note and workout.set_number == 1:
        lines.append(f"-# {safe(item.target_note)}")
    if card.rest is not None:
        until = card.rest.until.timestamp()
        lines.append(f"⏱️ Rest — next set {_timestamp(until, 'R')} (at {_timestamp(until, 'T')}). {card.rest.reason}")
    if card.upcoming is not None:
        lines.append(f"Next up: {card.upcoming.name}")
    # The start in the member's own time: a Discord timestamp renders in their time zone.
    lines.append(f"-# started {_timestamp(workout.started_at.timestamp(), 't')}")
    embed = discord.Embed(title=title, description="\n".join(lines)[:4096], colour=ACTIVE_COLOUR)
    embed.set_footer(text="✓ Done logs the target · Edit logs what you did · only you see this card")
    return embed


def summary_embed(summary: WorkoutSummary, *, who: str | None = None) -> discord.Embed:
    """The end-of-workout summary; ``who`` names the member when they share it."""
    unit = summary.unit
    title = f"🏁 {DAY_TITLES[summary.day]} · {summary.protocol.value} — workout done"
    if who:
        title = f"{who}: {title}"
    lines = []
    if summary.ended_by_idle:
        lines.append("This workout ended by itself after 3 hours without a tap.")
    for done in summary.exercises:
        text = f"**{safe(done.exercise.name)}** — {plural(done.sets, 'set')}"
        if done.best is not None:
            text += f", best {load_words(done.exercise, done.best.weight, unit)} × {done.best.reps}"
        if done.skipped:
            text += f" · {done.skipped} skipped"
        lines.append(text)
    if not summary.exercises:
        lines.append("No sets logged.")
    embed = discord.Embed(title=title[:256], description="\n".join(lines)[:4096], colour=discord.Colour.gold())
    volume = format_weight(summary.volume_kg, unit)
    if summary.volume_partial:
        volume += "\n-# body-weight sets without a body weight aren't counted"
    sets = str(summary.sets) + (f" · {summary.skipped} skipped" if summary.skipped else "")
    records = "\n".join(f"🏆 {safe(p)}" for p in summary.prs)
    embed.add_field(name="Sets", value=sets, inline=True)
    embed.add_field(name="Volume", value=volume, inline=True)
    embed.add_field(name="Time", value=_time(summary), inline=True)
    embed.add_field(name="PRs", value=records[:1024] or "none this time", inline=False)
    embed.add_field(name="🔥 Pre-exhaust pairs", value="\n".join(summary.fire_pairs)[:1024] or "none", inline=False)
    if summary.streak is not None:
        embed.add_field(name="Consistency", value=summary.streak.describe(), inline=False)
    embed.set_footer(text="Time runs from the first to the last set. Compare: /compare · history: /history")
    return embed


def _time(summary: WorkoutSummary) -> str:
    minutes = summary.minutes
    if minutes is None:
        return "—"
    text = f"{minutes:.0f} min"
    other = summary.other_order
    if other is None:
        return text
    if other.mean_minutes is None:
        return text + f"\n-# No timed {other.label} {summary.day} sessions of yours to compare with yet."
    diff = other.mean_minutes - minutes
    word = "shorter" if diff >= 0 else "longer"
    return (
        text + f"\n-# {abs(diff):.0f} min {word} than your {other.label} {summary.day} days "
        f"({other.mean_minutes:.0f} min, {plural(other.sessions, 'session')})"
    )
