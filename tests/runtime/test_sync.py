"""Commands are synced only when the tree changed, to the dev guild when set, globally otherwise."""

from __future__ import annotations

import dataclasses

import discord
from discord import app_commands

from emulator.driver import Harness
from runtime.client import CoachBot


def puts(harness: Harness) -> list[str]:
    return [c.path for c in harness.history if c.method == "PUT" and c.path.endswith("/commands")]


async def test_sync_only_when_tree_changes(harness: Harness) -> None:
    bot = harness.bot
    assert isinstance(bot, CoachBot)
    assert await bot.sync_commands_if_changed() is True
    assert puts(harness) == [f"/applications/{harness.application_id}/commands"]
    synced = next(c.json for c in harness.history if c.method == "PUT")
    assert "plan" in {cmd["name"] for cmd in synced}

    assert await bot.sync_commands_if_changed() is False, "an unchanged tree must not be synced again"
    assert len(puts(harness)) == 1

    @app_commands.command(name="extra", description="A command added after the first sync")
    async def extra(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("hi")

    bot.tree.add_command(extra)
    assert await bot.sync_commands_if_changed() is True
    assert len(puts(harness)) == 2
    assert await bot.sync_commands_if_changed(force=True) is True
    assert len(puts(harness)) == 3


async def test_dev_guild_sync_goes_to_the_guild(harness: Harness) -> None:
    bot = harness.bot
    bot.settings = dataclasses.replace(bot.settings, dev_guild_id=4242)
    assert await bot.sync_commands_if_changed() is True
    assert puts(harness) == [f"/applications/{harness.application_id}/guilds/4242/commands"]
    # A different scope has its own hash: a later global sync is not skipped.
    bot.settings = dataclasses.replace(bot.settings, dev_guild_id=None)
    bot.tree.clear_commands(guild=discord.Object(4242))
    assert await bot.sync_commands_if_changed() is True
