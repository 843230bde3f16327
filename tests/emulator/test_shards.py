"""Shard routing in the emulator: several gateway sessions, each told only about its own guilds."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable

import discord
import pytest
import yarl
from discord.ext import commands
from discord.gateway import DiscordWebSocket

from emulator import payloads
from emulator.server import DiscordEmulator

SHARD_COUNT = 2


def guild_on_shard(shard_id: int, shard_count: int = SHARD_COUNT) -> int:
    """A realistic guild id (a snowflake of now) that Discord routes to ``shard_id``."""
    stamp = payloads.Ids.from_time() >> 22
    return ((stamp - stamp % shard_count + shard_id) << 22) | 0x1F


StartBot = Callable[[str, int], Awaitable[commands.AutoShardedBot]]


@pytest.fixture
async def emu(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[DiscordEmulator]:
    """An emulator with two guilds, one on each shard; discord.py points at it for this test."""
    async with DiscordEmulator(guild_id=guild_on_shard(0), recommended_shards=SHARD_COUNT) as emulator:
        emulator.add_guild("Second Gym", guild_id=guild_on_shard(1))
        monkeypatch.setattr(discord.http.Route, "BASE", emulator.api_base)
        monkeypatch.setattr(DiscordWebSocket, "DEFAULT_GATEWAY", yarl.URL(emulator.gateway_url))
        yield emulator


@pytest.fixture
async def start_bot(emu: DiscordEmulator) -> AsyncIterator[StartBot]:
    """Start a small auto-sharded bot that runs one shard, as one process of a larger deployment would."""
    running: list[tuple[commands.AutoShardedBot, asyncio.Task[None]]] = []

    async def start(name: str, shard_id: int) -> commands.AutoShardedBot:
        bot = commands.AutoShardedBot(
            command_prefix="!",
            intents=discord.Intents.default(),
            shard_count=SHARD_COUNT,
            shard_ids=[shard_id],
            guild_ready_timeout=0.1,
        )

        @bot.tree.command(description="Say which bot and shard answered")
        async def whoami(interaction: discord.Interaction) -> None:
            guild = interaction.guild
            await interaction.response.send_message(f"{name} shard {guild.shard_id if guild else '-'}")

        async def setup_hook() -> None:
            await bot.tree.sync()

        bot.setup_hook = setup_hook  # type: ignore[method-assign]
        running.append((bot, asyncio.create_task(bot.start(emu.token))))
        await emu.wait_for_shards([shard_id], timeout=15)
        await asyncio.wait_for(bot.wait_until_ready(), 15)
        return bot

    yield start
    for bot, task in running:
        await bot.close()
        await asyncio.wait_for(task, 10)


async def test_each_shard_gets_only_its_guilds_and_interactions(emu: DiscordEmulator, start_bot: StartBot) -> None:
    first = await start_bot("first", 0)
    second = await start_bot("second", 1)
    assert emu.connected_shards == {0, 1}
    assert [g.id for g in first.guilds] == [emu.guild_ids[0]]
    assert [g.id for g in second.guilds] == [emu.guild_ids[1]]

    for guild_id, expected, shard_id in (
        (emu.guild_ids[0], "first shard 0", 0),
        (emu.guild_ids[1], "second shard 1", 1),
    ):
        result = await emu.slash("whoami", guild_id=guild_id)
        assert result.message is not None
        assert result.message["content"] == expected
        assert result.shard_id == shard_id
        assert result.callback_attempts == 1
        assert result.message["guild_id"] == str(guild_id)
        assert result.message["channel_id"] == str(emu.channel_for(guild_id))


async def test_direct_messages_go_to_shard_zero(emu: DiscordEmulator, start_bot: StartBot) -> None:
    await start_bot("first", 0)
    await start_bot("second", 1)
    result = await emu.slash("whoami", dm=True)
    assert result.shard_id == 0
    assert result.message is not None
    assert result.message["content"] == "first shard -"
