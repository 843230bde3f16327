"""/log, /map, /undo, /history and /settings: thin adapters over coach.logbook.LogbookService.

Buttons are DynamicItems whose custom ids carry the owner's id (and what they act on), so they keep
working after a restart and are checked server-side: nobody can press someone else's Undo.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from coach.errors import AmbiguousExerciseError
from coach.exercise_search import MAX_CHOICES, ExerciseChoice
from coach.logbook import MAX_HISTORY_DAYS, LogbookService
from coach.logbook_results import HistoryPage, LogRequest, LogResult, MappedExercise, MemberPreferences
from coach.metrics import E1RM_FORMULA, SET_KINDS, UNITS, format_weight, from_kg
from coach.schedule import MAX_SESSIONS_PER_WEEK
from coach.set_rules import MAX_REPS, max_weight
from coach.text import plural
from coach.timeparse import MAX_WHEN_LENGTH
from db.models import MAX_BODYWEIGHT_KG, MAX_NOTE_LENGTH
from runtime.components import OwnedButton, PickView, bind, member_locale, on_off
from runtime.respond import Answer, answer
from runtime.text import render as render_text
from runtime.text import safe
from runtime.tree import CoachView

Choice = app_commands.Choice
HISTORY_PAGE_SIZE = 10
# Discord's own limits on option values, derived from the domain's so the two never disagree.
MAX_OPTION_TEXT = 100
WEIGHT_LIMIT = max(max_weight(unit) for unit in UNITS)
BODYWEIGHT_LIMIT = from_kg(MAX_BODYWEIGHT_KG, "lb")
UNDO_TEMPLATE = r"log:undo:(?P<set_id>\d+):(?P<owner>\d+)"
HISTORY_TEMPLATE = r"hist:(?P<owner>\d+):(?P<page>\d+):(?P<days>\d+):(?P<exercise>.*)"


# --------------------------------------------------------------------------------------- rendering


def log_embed(result: LogResult) -> discord.Embed:
    """The confirmation a member sees after /log."""
    weight = result.weight_display
    title = f"{safe(result.exercise_name)} — {weight} × {result.reps}"
    if result.kind != "working":
        title += f" ({result.kind})"
    title += result.entered
    badges = []
    if result.is_pr:
        badges.append(result.pr_line)
    if result.pre_exhausted:
        badges.append("🔥 **pre-exhausted** — after " + ", ".join(safe(n) for n in result.pre_exhausted_by))
    if result.duplicate:
        badges.append("↩️ Already logged — this is the same set, not a new one.")
    lines = [" · ".join(badges)] if badges else []
    if result.is_custom:
        line = "Custom exercise."
        if result.suggestions:
            line += " Did you mean " + " or ".join(f"**{safe(s)}**" for s in result.suggestions) + "?"
        lines.append(line)
    if result.note:
        lines.append(f"📝 {safe(result.note)}")
    embed = discord.Embed(
        title=title,
        description="\n".join(lines) or None,
        colour=discord.Colour.gold() if result.is_pr else discord.Colour.green(),
    )
    embed.add_field(name="Set", value=result.set_label, inline=True)
    formula = f"\n-# {E1RM_FORMULA}" if result.e1rm_kg is not None else ""
    embed.add_field(name="e1RM", value=f"{result.e1rm_display}{formula}", inline=True)
    if result.rpe is not None:
        embed.add_field(name="RPE", value=f"{result.rpe:g}", inline=True)
    last = result.last_session.describe(result.display_unit) if result.last_session else "first time — welcome!"
    embed.add_field(name="Last session", value=last[:1024], inline=False)
    embed.set_footer(text=f"Logged {result.when_display} · /undo removes your latest set")
    return embed


def history_embed(page: HistoryPage) -> discord.Embed:
    """One page of a member's own sets."""
    what = safe(page.exercise_name) if page.exercise_name else "All exercises"
    if page.entries:
        # Date and time lead, newest first; internal ids mean nothing to a member (and are reused after undo).
        body = "\n".join(safe(e.describe(page.unit)) for e in page.entries)
    else:
        body = "No sets in this period. Log one with `/log`."
    embed = discord.Embed(title=f"Your history — {what}, last {page.days} days", description=body[:4096])
    embed.set_footer(
        text=f"Page {page.page + 1} of {page.pages} · {plural(page.total, 'set')} · weights in {page.unit}"
    )
    return embed


def _choices(items: Iterable[ExerciseChoice]) -> list[Choice[str]]:
    """Exercise choices as Discord autocomplete choices (at most 25, each within 100 characters)."""
    return [Choice(name=c.label[:100], value=c.value[:100]) for c in items][:MAX_CHOICES]


def settings_text(prefs: MemberPreferences) -> str:
    """A member's settings in a sentence."""
    unit = f"**{prefs.unit}**" + (" (from your Discord language; set it with `unit`)" if prefs.unit_is_default else "")
    share = (
        "**public** (everyone in the channel sees your /log replies)"
        if prefs.share == "public"
        else ("**private** (only you see your /log replies)")
    )
    if prefs.bodyweight_kg is not None and prefs.bodyweight_at is not None:
        body = f"**{format_weight(prefs.bodyweight_kg, prefs.unit)}** (since {prefs.bodyweight_at:%Y-%m-%d})"
    else:
        body = "not set — `/settings bodyweight:` lets pull-ups, dips and push-ups get an e1RM"
    recap = "**on** (named in the weekly recap of servers you train in)" if prefs.recap else "**off**"
    reminder = f"**{prefs.reminder_time}** on training days (server time)" if prefs.reminder_time else "**off**"
    return (
        f"Unit: {unit}\nSharing: {share}\nBody weight: {body}\n"
        f"Weekly target: **{prefs.sessions_per_week}** sessions (your streak counts the weeks you meet it)\n"
        f"Weekly recap: {recap}\nReminders: {reminder}"
    )


# --------------------------------------------------------------------------------------- buttons


class UndoButton(OwnedButton, discord.ui.DynamicItem[discord.ui.Button[Any]], template=UNDO_TEMPLATE):
    """Undo one logged set; only its owner may press it."""

    logbook: LogbookService

    def __init__(self, set_id: int, owner_id: int) -> None:
        super().__init__(
            discord.ui.Button(
                label="Undo", style=discord.ButtonStyle.secondary, emoji="↩️", custom_id=f"log:undo:{set_id}:{owner_id}"
            )
        )
        self.set_id = set_id
        self.owner_id = owner_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> UndoButton:
        """Rebuild the button from its custom id."""
        return cls(int(match["set_id"]), int(match["owner"]))

    async def act(self, interaction: discord.Interaction[Any]) -> None:
        """Remove the set and mark the message as undone."""
        await answer(
            interaction,
            self.logbook.undo_set(self.set_id, interaction.user.id, locale=member_locale(interaction)),
            lambda undone: Answer(
                embed=discord.Embed(
                    title=f"↩️ Undone: {safe(undone.describe(undone.unit))}", colour=discord.Colour.light_grey()
                )
            ),
            update=True,
        )


class HistoryButton(OwnedButton, discord.ui.DynamicItem[discord.ui.Button[Any]], template=HISTORY_TEMPLATE):
    """Previous/next page of /history, for its owner."""

    logbook: LogbookService

    def __init__(self, owner_id: int, page: int, days: int, exercise: str, *, label: str, disabled: bool) -> None:
        super().__init__(
            discord.ui.Button(
                label=label,
                style=discord.ButtonStyle.secondary,
                disabled=disabled,
                # Custom ids are capped at 100 characters; a long custom exercise name is cut, not rejected.
                custom_id=f"hist:{owner_id}:{page}:{days}:{exercise}"[:100],
            )
        )
        self.owner_id, self.page, self.days, self.exercise = owner_id, page, days, exercise

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> HistoryButton:
        """Rebuild the button from its custom id."""
        return cls(
            int(match["owner"]), int(match["page"]), int(match["days"]), match["exercise"], label="", disabled=False
        )

    async def act(self, interaction: discord.Interaction[Any]) -> None:
        """Show the requested page in place."""
        await answer(
            interaction,
            self.logbook.history(
                self.owner_id,
                self.exercise or None,
                self.days,
                self.page,
                HISTORY_PAGE_SIZE,
                locale=member_locale(interaction),
            ),
            lambda page: Answer(
                embed=history_embed(page), view=history_view(type(self), self.owner_id, page, self.exercise)
            ),
            update=True,
        )


def history_view(button: type[HistoryButton], owner_id: int, page: HistoryPage, exercise: str) -> CoachView | None:
    """Prev/next buttons, or nothing when everything fits on one page."""
    if page.pages <= 1:
        return None
    view = CoachView(timeout=None)
    view.add_item(
        button(owner_id, max(0, page.page - 1), page.days, exercise, label="◀ Newer", disabled=not page.has_prev)
    )
    view.add_item(button(owner_id, page.page + 1, page.days, exercise, label="Older ▶", disabled=not page.has_next))
    return view


class LogbookCog(commands.Cog):
    """Members' training log."""

    def __init__(
        self,
        bot: commands.Bot | commands.AutoShardedBot,
        logbook: LogbookService,
    ) -> None:
        self._bot = bot
        self._logbook = logbook
        # This cog's buttons, carrying its service (see runtime.components.bind).
        self._undo = bind(UndoButton, UNDO_TEMPLATE, logbook=logbook)
        self._history = bind(HistoryButton, HISTORY_TEMPLATE, logbook=logbook)

    async def cog_load(self) -> None:
        """Register the buttons, so presses on replies sent before a restart still work."""
        self._bot.add_dynamic_items(self._undo, self._history)

    async def cog_unload(self) -> None:
        """Unregister the buttons."""
        self._bot.remove_dynamic_items(self._undo, self._history)

    @app_commands.command(name="log", description="Log a set: exercise, weight and reps (plus unit, RPE, kind, note).")
    @app_commands.describe(
        exercise="The exercise — start typing and pick one; choose “Custom: …” for your own",
        weight="Weight lifted (0 for bodyweight exercises)",
        reps="Reps done (1–100)",
        unit="kg or lb (default: your /settings unit)",
        rpe="How hard it was, 1–10 in halves (10 = nothing left)",
        kind="working (default), warmup, drop or failure",
        note="A short note, up to 200 characters",
        when="When you did it: today (default), yesterday, 2026-11-20 or 2026-11-20 18:30 (UTC)",
    )
    @app_commands.choices(
        unit=[Choice(name=u, value=u) for u in UNITS],
        kind=[Choice(name=k, value=k) for k in SET_KINDS],
    )
    async def log(
        self,
        interaction: discord.Interaction[Any],
        exercise: app_commands.Range[str, 1, MAX_OPTION_TEXT],
        weight: app_commands.Range[float, 0.0, WEIGHT_LIMIT],
        reps: app_commands.Range[int, 1, MAX_REPS],
        unit: Choice[str] | None = None,
        rpe: app_commands.Range[float, 1, 10] | None = None,
        kind: Choice[str] | None = None,
        note: app_commands.Range[str, 1, MAX_NOTE_LENGTH] | None = None,
        when: app_commands.Range[str, 1, MAX_WHEN_LENGTH] | None = None,
    ) -> None:
        """Store the set and confirm it (publicly or privately, per the member's share setting)."""
        owner = interaction.user.id
        request = LogRequest(
            member_id=interaction.user.id,
            exercise=exercise,
            weight=weight,
            reps=reps,
            guild_id=interaction.guild_id,
            channel_id=interaction.channel_id,
            interaction_id=interaction.id,
            unit=unit.value if unit else None,
            rpe=rpe,
            kind=kind.value if kind else None,
            note=note,
            when=when,
            locale=member_locale(interaction),
        )

        def render(result: LogResult) -> Answer:
            view = CoachView(timeout=None)
            view.add_item(self._undo(result.set_id, owner))
            return Answer(embed=log_embed(result), view=view, ephemeral=result.ephemeral)

        async def picked(pressed: discord.Interaction[Any], exercise_id: str) -> None:
            # The same set, now with the exercise the member picked; the press is its own interaction.
            chosen = dataclasses.replace(request, exercise=exercise_id, interaction_id=pressed.id)
            await answer(pressed, self._logbook.log_set(chosen), render, update=True)

        async def work() -> LogResult | AmbiguousExerciseError:
            try:
                return await self._logbook.log_set(request)
            except AmbiguousExerciseError as which:
                return which  # asked with buttons below rather than as an error

        def ask_or_render(result: LogResult | AmbiguousExerciseError) -> Answer:
            if isinstance(result, AmbiguousExerciseError):
                return Answer(content=render_text(result.message), view=PickView(owner, result.choices, picked))
            return render(result)

        await answer(interaction, work(), ask_or_render)

    @log.autocomplete("exercise")
    async def exercise_autocomplete(self, interaction: discord.Interaction[Any], current: str) -> list[Choice[str]]:
        """Catalog names and aliases, typo-tolerant, the member's recent exercises first (max 25)."""
        choices = await self._logbook.autocomplete(interaction.user.id, current, limit=MAX_CHOICES)
        return _choices(choices)

    @app_commands.command(name="map", description="Make one of your own exercises a catalog exercise (only you).")
    @app_commands.describe(
        name="One of your own exercises (from an import or Custom: …)",
        exercise="The catalog exercise it is — its sets move there, and future imports and /log use it",
    )
    async def map_exercise(
        self,
        interaction: discord.Interaction[Any],
        name: app_commands.Range[str, 1, MAX_OPTION_TEXT],
        exercise: app_commands.Range[str, 1, MAX_OPTION_TEXT],
    ) -> None:
        """Map one of the member's own exercise names to a catalog exercise (privately)."""

        def render(done: MappedExercise) -> Answer:
            if done.previous is not None:
                return Answer(
                    content=f"“{safe(done.name)}” now means **{safe(done.exercise_name)}** in your `/log` and "
                    f"imports (it meant {safe(done.previous)}; the sets moved then stay there)."
                )
            return Answer(
                content=f"“{safe(done.name)}” is now **{safe(done.exercise_name)}**: {plural(done.moved, 'set')} "
                "moved there, with their history and PRs. Your future imports and `/log` read the name that way too."
            )

        await answer(interaction, self._logbook.map_exercise(interaction.user.id, name, exercise), render)

    @map_exercise.autocomplete("name")
    async def map_name_autocomplete(self, interaction: discord.Interaction[Any], current: str) -> list[Choice[str]]:
        """The member's own exercises matching what they typed."""
        choices = await self._logbook.autocomplete(interaction.user.id, current, limit=MAX_CHOICES)
        return _choices(c for c in choices if c.is_custom and not c.label.startswith("Custom: "))

    @map_exercise.autocomplete("exercise")
    async def map_target_autocomplete(self, interaction: discord.Interaction[Any], current: str) -> list[Choice[str]]:
        """Catalog exercises only."""
        choices = await self._logbook.autocomplete(interaction.user.id, current, limit=MAX_CHOICES)
        return _choices(c for c in choices if not c.is_custom)

    @app_commands.command(name="undo", description="Remove your most recently logged set.")
    async def undo(self, interaction: discord.Interaction[Any]) -> None:
        """Remove the member's latest set and say which (privately)."""
        await answer(
            interaction,
            self._logbook.undo_last(interaction.user.id, interaction.guild_id, locale=member_locale(interaction)),
            lambda undone: Answer(content=f"↩️ Removed your latest set: {safe(undone.describe(undone.unit))}."),
        )

    @app_commands.command(name="history", description="Your own logged sets, newest first (only you see them).")
    @app_commands.describe(exercise="Only this exercise (optional)", days="How many days back, 1–365 (default 30)")
    async def history(
        self,
        interaction: discord.Interaction[Any],
        exercise: app_commands.Range[str, 1, MAX_OPTION_TEXT] | None = None,
        days: app_commands.Range[int, 1, MAX_HISTORY_DAYS] = 30,
    ) -> None:
        """Page 1 of the member's history with prev/next buttons."""
        owner, key = interaction.user.id, exercise or ""
        await answer(
            interaction,
            self._logbook.history(owner, exercise, days, 0, HISTORY_PAGE_SIZE, locale=member_locale(interaction)),
            lambda page: Answer(embed=history_embed(page), view=history_view(self._history, owner, page, key)),
        )

    @history.autocomplete("exercise")
    async def history_autocomplete(self, interaction: discord.Interaction[Any], current: str) -> list[Choice[str]]:
        """Same choices as /log, minus the custom-exercise entry."""
        choices = await self._logbook.autocomplete(interaction.user.id, current, limit=25)
        # Leave out only the "Custom: <typed>" entry (nothing to read back yet); the member's own exercises stay.
        return _choices(c for c in choices if not c.label.startswith("Custom: "))

    @app_commands.command(
        name="settings", description="Your unit (kg/lb), body weight, and whether /log replies are public."
    )
    @app_commands.describe(
        unit="Show and enter weights in kg or lb",
        share="private (default) or public /log replies",
        bodyweight="Your body weight (in your unit): pull-ups, dips and push-ups count it in e1RM and volume",
        bodyweight_date="When you weighed that: today (default), or a date like 2026-11-20",
        sessions_per_week="Your weekly target (1–14, default 3): your streak counts the weeks you meet it",
        recap="Appear by name in this server's weekly recap: on or off (default off)",
        reminder="A DM on this server's training days at this time (HH:MM, server time), or off",
    )
    @app_commands.choices(
        unit=[Choice(name="kg", value="kg"), Choice(name="lb", value="lb")],
        share=[Choice(name="private", value="private"), Choice(name="public", value="public")],
        recap=on_off(),
    )
    async def settings(
        self,
        interaction: discord.Interaction[Any],
        unit: Choice[str] | None = None,
        share: Choice[str] | None = None,
        bodyweight: app_commands.Range[float, 1.0, BODYWEIGHT_LIMIT] | None = None,
        bodyweight_date: app_commands.Range[str, 1, MAX_WHEN_LENGTH] | None = None,
        sessions_per_week: app_commands.Range[int, 1, MAX_SESSIONS_PER_WEEK] | None = None,
        recap: Choice[str] | None = None,
        reminder: app_commands.Range[str, 2, 8] | None = None,
    ) -> None:
        """Show or change the member's settings (privately)."""
        community = (sessions_per_week, recap, reminder)
        if unit is None and share is None and bodyweight is None and bodyweight_date is None and not any(community):
            await answer(
                interaction,
                self._logbook.get_settings(interaction.user.id, member_locale(interaction)),
                lambda prefs: Answer(content="Your settings:\n" + settings_text(prefs)),
            )
            return
        await answer(
            interaction,
            self._logbook.update_settings(
                interaction.user.id,
                unit=unit.value if unit else None,
                share=share.value if share else None,
                locale=member_locale(interaction),
                bodyweight=bodyweight,
                bodyweight_when=bodyweight_date,
                sessions_per_week=sessions_per_week,
                recap=None if recap is None else recap.value == "on",
                reminder=reminder,
                reminder_guild_id=interaction.guild_id,
            ),
            lambda prefs: Answer(content="Saved.\n" + settings_text(prefs)),
        )
