"""/config: server settings, for members with Manage Server only (checked bot-side too)."""

from __future__ import annotations

from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from coach.errors import CoachError
from coach.guild_config import GuildConfig, GuildConfigService
from runtime.respond import Answer, answer

Choice = app_commands.Choice


def describe_config(config: GuildConfig, *, message_content: bool) -> str:
    """The server's evidence-reply setting in one or two sentences."""
    if not config.evidence_replies:
        text = "Evidence replies are **off**: I answer “does pre-exhaust work?” only when someone mentions me."
    else:
        where = f"<#{config.evidence_channel_id}>" if config.evidence_channel_id else "every channel I can read"
        text = f"Evidence replies are **on** in {where}: I answer “does pre-exhaust work?” without a mention."
        if not message_content:
            text += (
                "\n⚠️ This bot runs without Discord's message content intent, so it can't read messages that don't "
                "mention it. Ask its operator to enable the intent and set `MESSAGE_CONTENT_INTENT=true`."
            )
    return text + " A per-channel cooldown keeps it to one reply a minute."


class ConfigCog(commands.Cog):
    """Server-level settings."""

    def __init__(self, guild_config: GuildConfigService, *, message_content: bool) -> None:
        self._guild_config = guild_config
        self._message_content = message_content

    @app_commands.command(name="config", description="Server settings for Pre-Exhaust Coach (needs Manage Server).")
    @app_commands.guild_only()
    @app_commands.default_permissions(manage_guild=True)
    @app_commands.checks.has_permissions(manage_guild=True)
    @app_commands.describe(
        evidence_replies="Answer “does pre-exhaust work?” questions without being mentioned: on or off",
        channel="Only answer unprompted in this channel (default: every channel)",
    )
    @app_commands.choices(evidence_replies=[Choice(name="on", value="on"), Choice(name="off", value="off")])
    async def config(
        self,
        interaction: discord.Interaction[Any],
        evidence_replies: Choice[str] | None = None,
        channel: discord.TextChannel | None = None,
    ) -> None:
        """Show or change the server's settings; the reply is private."""
        guild_id = interaction.guild_id
        if guild_id is None:
            raise CoachError("That only works in a server, not in DMs.")
        if evidence_replies is None:
            if channel is not None:
                raise CoachError("Pick `evidence_replies: on` together with a channel.")
            work = self._guild_config.get(guild_id)
        else:
            enabled = evidence_replies.value == "on"
            if channel is not None and not enabled:
                raise CoachError("A channel only applies when evidence replies are on.")
            work = self._guild_config.set_evidence_replies(
                guild_id, enabled, channel.id if channel is not None else None
            )
        await answer(
            interaction,
            work,
            lambda config: Answer(content=describe_config(config, message_content=self._message_content)),
        )
