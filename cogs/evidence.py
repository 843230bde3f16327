"""/evidence and the chat question "does pre-exhaust work?": adapters over coach.evidence."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from coach.cooldown import Cooldown, RateLimit
from coach.errors import CoachError
from coach.evidence import EvidenceBase, EvidenceMatcher, QuestionKind
from coach.evidence.render import (
    EmbedSpec,
    chat_embed,
    fit_embed,
    picker_line,
    studies_embed,
    study_embed,
    summary_embed,
)
from coach.guild_config import GuildConfigService
from coach.insight import InsightService
from coach.insight_results import DaySuggestion
from runtime.text import safe
from runtime.tree import NO_MENTIONS, CoachView

log = logging.getLogger(__name__)

STUDY_SELECT_ID = "evidence:study"
FULL_SUMMARY_ID = "evidence:full"
STUDIES_ID = "evidence:studies"
TRY_PLAN_ID = "evidence:plan"
SELECT_LIMIT = 25
MENTION_AGAIN = "You asked me a moment ago — my answer is just above. Ask again in a few seconds if you need it."
# Mention answers per channel within the window (a raid's flood is cut off; a busy channel never is).
MENTION_BURST = 5
MENTION_BURST_WINDOW_S = 10.0
# A pointer is worth sending without the member's history rather than late.
SUGGESTION_TIMEOUT_S = 2.0


def pointer_text(suggestion: DaySuggestion | None) -> str:
    """The short reply to a mention that isn't an evidence question: what I do, and what to train today."""
    lines = ["Hi! I coach pre-exhaust training — isolation work first, then the compound lift."]
    if suggestion is not None and suggestion.last_day is not None and suggestion.last_at is not None:
        lines.append(
            f"You trained **{suggestion.last_day}** on {suggestion.last_at:%A} — **{suggestion.day}** is next: "
            f"`/plan day:{suggestion.day}`."
        )
    elif suggestion is not None:
        lines.append(f"New here? Start the week with `/plan day:{suggestion.day}`.")
    lines.append(
        "`/plan` a day · `/log` a set · `/history` · `/progress` a chart · `/compare` pre-exhausted vs fresh · "
        "`/evidence` — or ask me “does pre-exhaust work?”"
    )
    return "\n".join(lines)


def try_plan_text(suggestion: DaySuggestion | None) -> str:
    """What "Try it: /plan" answers: the member's next day in the rotation and how to lay it out."""
    day = suggestion.day if suggestion is not None else "push"
    return (
        f"Try it: `/plan day:{day}` lays out a pre-exhaust {day} day — each isolation exercise straight before "
        "its compound lift, least to most intense. Prefer to switch orders? `/plan day:" + day + " protocol:alternate` "
        "puts the compound first on alternate sessions. Log each set with `/log`; `/compare` then shows "
        "pre-exhausted against fresh sets."
    )


def to_embed(spec: EmbedSpec) -> discord.Embed:
    """A neutral embed spec as a discord.Embed, trimmed to Discord's limits."""
    return discord.Embed.from_dict(fit_embed(spec).to_dict())


class StudySelect(discord.ui.Select["EvidenceView"]):
    """Opens one study's detail, privately, without typing."""

    def __init__(self, base: EvidenceBase) -> None:
        options = [
            discord.SelectOption(label=entry.choice_label(100), value=entry.id, description=picker_line(entry))
            for entry in base.entries[:SELECT_LIMIT]
        ]
        super().__init__(custom_id=STUDY_SELECT_ID, placeholder="Open a study in detail…", options=options)
        self._base = base

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        """Show the chosen study to the member who picked it."""
        entry = self._base.get(self.values[0]) if self.values else None
        if entry is None:
            raise CoachError("That study isn't in my evidence base any more; run /evidence again.")
        await interaction.response.send_message(
            embed=to_embed(study_embed(entry)), ephemeral=True, allowed_mentions=NO_MENTIONS
        )


class EvidenceView(CoachView):
    """The menu under the summary; persistent, so it keeps working after a restart."""

    def __init__(self, base: EvidenceBase, *, registered: bool = False) -> None:
        super().__init__(timeout=None)
        self.add_item(StudySelect(base))
        self._registered = registered

    def is_finished(self) -> bool:
        """True for the copies sent with messages: the one registered at start-up already dispatches
        the menu by custom id, so discord.py needn't keep a copy per summary message forever."""
        return not self._registered or super().is_finished()


class ChatAnswerView(CoachView):
    """The buttons under the short chat answer; persistent, and anyone may press them (answers are private)."""

    def __init__(self, cog: EvidenceCog | None = None, *, registered: bool = False) -> None:
        super().__init__(timeout=None)
        self._cog = cog
        self._registered = registered
        for label, custom_id, style in (
            ("Full summary", FULL_SUMMARY_ID, discord.ButtonStyle.primary),
            ("Studies", STUDIES_ID, discord.ButtonStyle.secondary),
            ("Try it: /plan", TRY_PLAN_ID, discord.ButtonStyle.success),
        ):
            button: discord.ui.Button[ChatAnswerView] = discord.ui.Button(label=label, custom_id=custom_id, style=style)
            button.callback = self._pressed(custom_id)  # type: ignore[method-assign]
            self.add_item(button)

    def is_finished(self) -> bool:
        """Copies sent with messages aren't kept: the registered one dispatches presses by custom id."""
        return not self._registered or super().is_finished()

    def _pressed(self, custom_id: str) -> Any:
        async def callback(interaction: discord.Interaction[Any]) -> None:
            if self._cog is None:  # pragma: no cover - only the registered copy receives presses
                raise CoachError("Run /evidence for the summary.")
            await self._cog.answer_button(interaction, custom_id)

        return callback


class EvidenceCog(commands.Cog):
    """The honest, cited answer to "does pre-exhaust work?"."""

    def __init__(
        self,
        bot: commands.Bot | commands.AutoShardedBot,
        base: EvidenceBase,
        guild_config: GuildConfigService,
        insight: InsightService,
        matcher: EvidenceMatcher,
        *,
        cooldown: Cooldown,
        member_cooldown: Cooldown,
    ) -> None:
        self._bot = bot
        self._base = base
        self._matcher = matcher
        self._guild_config = guild_config
        self._insight = insight
        # Unprompted replies: one per channel per window. Mentions: one full answer per member per window,
        # and within it one short "asked a moment ago" (``_notices``), so a mention never goes unanswered
        # by a flood of them costs one reply.
        self._cooldown = cooldown
        self._member_cooldown = member_cooldown
        self._notices = Cooldown(member_cooldown.seconds)
        # Many accounts mentioning at once (a raid) must not turn the bot into a spammer: a channel gets at
        # most a few mention answers in a short window; everyday use never comes near it.
        self._channel_mentions = RateLimit(MENTION_BURST, MENTION_BURST_WINDOW_S)

    async def cog_load(self) -> None:
        """Register the persistent study menu and chat-answer buttons so old messages keep working."""
        self._bot.add_view(EvidenceView(self._base, registered=True))
        self._bot.add_view(ChatAnswerView(self, registered=True))

    def summary_message(self) -> dict[str, Any]:
        """The summary embed and its study menu, as send() keyword arguments."""
        return {
            "embed": to_embed(summary_embed(self._base)),
            "view": EvidenceView(self._base),
            "allowed_mentions": NO_MENTIONS,
        }

    def chat_message(self) -> dict[str, Any]:
        """The short chat answer and its buttons (full summary, studies, a plan to try)."""
        return {"embed": to_embed(chat_embed(self._base)), "view": ChatAnswerView(), "allowed_mentions": NO_MENTIONS}

    def studies_message(self) -> dict[str, Any]:
        """The list of studies and the menu that opens one."""
        return {
            "embed": to_embed(studies_embed(self._base)),
            "view": EvidenceView(self._base),
            "allowed_mentions": NO_MENTIONS,
        }

    def reply_for(self, kind: QuestionKind) -> dict[str, Any]:
        """What a chat question gets: the short answer, or the studies list when the sources were asked for."""
        return self.studies_message() if kind is QuestionKind.STUDIES else self.chat_message()

    async def answer_button(self, interaction: discord.Interaction[Any], custom_id: str) -> None:
        """A press on the chat answer's buttons: the full summary, the studies, or a plan to try, privately."""
        if custom_id == FULL_SUMMARY_ID:
            await interaction.response.send_message(ephemeral=True, **self.summary_message())
        elif custom_id == STUDIES_ID:
            await interaction.response.send_message(ephemeral=True, **self.studies_message())
        else:
            try:
                suggestion = await asyncio.wait_for(
                    self._insight.suggest_day(interaction.user.id), SUGGESTION_TIMEOUT_S
                )
            except (CoachError, TimeoutError):
                suggestion = None
            await interaction.response.send_message(
                try_plan_text(suggestion), ephemeral=True, allowed_mentions=NO_MENTIONS
            )

    @app_commands.command(name="evidence", description="Does pre-exhaust work? A cited summary of the studies.")
    @app_commands.describe(study="One study in detail (start typing an author, a year or a topic)")
    async def evidence(self, interaction: discord.Interaction[Any], study: str | None = None) -> None:
        """Post the summary, or one study's detail."""
        if study is None:
            await interaction.response.send_message(**self.summary_message())
            return
        entry = self._base.get(study) or self._base.resolve(study)
        if entry is None:
            shown = safe(study[:80])
            raise CoachError(
                f"No study matches “{shown}”. Start typing an author or a year and pick from the list, "
                "or run /evidence and use the menu under the summary."
            )
        await interaction.response.send_message(embed=to_embed(study_embed(entry)), allowed_mentions=NO_MENTIONS)

    @evidence.autocomplete("study")
    async def study_autocomplete(
        self, interaction: discord.Interaction[Any], current: str
    ) -> list[app_commands.Choice[str]]:
        """Studies matching what the member typed (at most 25)."""
        entries = self._base.search(current, limit=SELECT_LIMIT) if current.strip() else self._base.entries
        return [app_commands.Choice(name=e.choice_label(100), value=e.id) for e in entries[:SELECT_LIMIT]]

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        """Answer a mention (or DM) always; answer "does pre-exhaust work?" unprompted where the server chose."""
        me = self._bot.user
        if me is None or message.author.bot or message.webhook_id is not None or message.author.id == me.id:
            return
        mentioned = me in message.mentions or f"<@{me.id}>" in message.content or f"<@!{me.id}>" in message.content
        if message.guild is None or mentioned:
            await self._answer_mention(message)
            return
        try:
            config = await self._guild_config.get(message.guild.id)
        except CoachError:
            log.warning("guild settings unavailable; skipping unprompted evidence reply")
            return
        if not config.answers_in(message.channel.id):
            return
        # The cooldown is checked before the text is read, so a channel flooding the bot costs no matching.
        if self._cooldown.retry_after(message.channel.id) > 0:
            log.info("evidence reply in channel %s skipped: cooldown", message.channel.id)
            return
        kind = self._matcher.classify(message.content)
        if kind is None or not self._cooldown.try_acquire(message.channel.id):
            return
        await message.reply(mention_author=False, **self.reply_for(kind))

    async def _answer_mention(self, message: discord.Message) -> None:
        """The evidence summary for an evidence question, otherwise a short pointer with today's suggestion."""
        member, channel = message.author.id, message.channel.id
        # Only messages that will get a reply count against the channel's burst: one member's flood can't
        # use up everyone else's answers.
        if not self._member_cooldown.try_acquire(member):
            if self._notices.try_acquire(member) and self._channel_mentions.try_acquire(channel):
                await message.reply(MENTION_AGAIN, mention_author=False, allowed_mentions=NO_MENTIONS)
            return
        if not self._channel_mentions.try_acquire(channel):
            log.info("mention in channel %s not answered: burst limit", channel)
            # Not answered, so not "asked a moment ago": the member's retry gets a real answer.
            self._member_cooldown.release(member)
            return
        kind = self._matcher.classify(message.content)
        if kind is not None:
            await message.reply(mention_author=False, **self.reply_for(kind))
            return
        try:
            suggestion = await asyncio.wait_for(self._insight.suggest_day(member), SUGGESTION_TIMEOUT_S)
        except (CoachError, TimeoutError):
            suggestion = None  # the pointer still helps without the member's history
        await message.reply(pointer_text(suggestion), mention_author=False, allowed_mentions=NO_MENTIONS)
