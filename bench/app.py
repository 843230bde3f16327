"""The real bot, in-process, driven through the test harness: what every measurement runs against."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Mapping
from pathlib import Path
from typing import Any

import discord
from discord import app_commands

from bench.seed import BENCH_GUILD_ID, CHANNEL_ID_BASE
from catalog import Catalog
from coach.evidence import EvidenceBase
from coach.settings import Settings
from emulator import payloads
from emulator.driver import Harness
from runtime.client import CoachBot, freeze_startup_objects
from runtime.runner import running_bot

APPLICATION_ID = 1_300_000_000_000_000_001
BOT_USER_ID = 1_300_000_000_000_000_002
NOOP_COMMAND = "bench-noop"


class Patches:
    """The bit of pytest's monkeypatch that ``Harness.install`` uses, undone on exit (no pytest needed)."""

    def __init__(self) -> None:
        self._saved: list[tuple[Any, str, Any]] = []

    def setattr(self, target: Any, name: str, value: Any) -> None:
        """Replace ``target.name``, remembering the original."""
        self._saved.append((target, name, getattr(target, name)))
        setattr(target, name, value)

    def undo(self) -> None:
        """Put every original back, newest first."""
        while self._saved:
            target, name, value = self._saved.pop()
            setattr(target, name, value)


class BenchHarness(Harness):
    """The tests' harness in the seeded guild, forgetting answered interactions so long runs stay flat."""

    def __init__(self, bot: discord.Client, *, application_id: int, bot_user_id: int) -> None:
        super().__init__(bot, application_id=application_id, bot_user_id=bot_user_id)
        # The guild the seeded acting members trained in, so per-guild look-ups (/undo) see their history.
        self.guild_id = BENCH_GUILD_ID
        self.channel_id = CHANNEL_ID_BASE

    def slash_payload(self, name: str, options: Mapping[str, Any] | None = None, **kw: Any) -> dict[str, Any]:
        """A raw INTERACTION_CREATE payload for ``/name``, built before the clock starts."""
        return payloads.slash(name, options, **self._base(kw))

    def autocomplete_payload(self, name: str, options: Mapping[str, Any] | None, focused: str, **kw: Any) -> dict:
        """A raw autocomplete payload with ``focused`` being typed."""
        return payloads.autocomplete(name, options, focused, **self._base(kw))

    def forget(self, token: str) -> None:
        """Drop everything kept about an answered interaction (the tests keep it all; a benchmark can't)."""
        self._by_token.pop(token, None)
        self._waiters.pop(token, None)
        original = self._originals.pop(token, None)
        if original is not None:
            self.messages.pop(int(original["id"]), None)
        for message in self._followups.pop(token, []):
            self.messages.pop(int(message["id"]), None)
        self.history.clear()
        while not self.calls.empty():
            self.calls.get_nowait()


def add_noop_command(bot: CoachBot) -> None:
    """The dispatch floor: a slash command that answers at once and touches nothing (benchmark only)."""

    @app_commands.command(name=NOOP_COMMAND, description="Benchmark floor: answers at once, touches nothing.")
    async def noop(interaction: discord.Interaction[Any]) -> None:
        await interaction.response.send_message("ok", ephemeral=True)

    bot.tree.add_command(noop)


@contextlib.asynccontextmanager
async def bench_bot(
    database_url: str, data_dir: Path, *, catalog: Catalog, evidence: EvidenceBase
) -> AsyncIterator[tuple[CoachBot, BenchHarness]]:
    """Start the bot as ``bot.py`` does (``running_bot``: engine, migrations, cogs), minus the gateway."""
    settings = Settings(discord_token=None, database_url=database_url, data_dir=data_dir)
    async with running_bot(settings, catalog=catalog, evidence=evidence, sync_commands=False) as bot:
        # What login() would do before setup_hook: know who we are.
        bot._connection.user = discord.ClientUser(
            state=bot._connection,
            data=payloads.user(BOT_USER_ID, "coach", bot=True),  # type: ignore[arg-type]
        )
        bot._connection.application_id = APPLICATION_ID
        await bot.setup_hook()
        add_noop_command(bot)
        harness = BenchHarness(bot, application_id=APPLICATION_ID, bot_user_id=BOT_USER_ID)
        patches = Patches()
        harness.install(patches)
        try:
            await harness.create_guild()
            freeze_startup_objects()  # what the bot does once ready (no gateway here, so no on_ready)
            yield bot, harness
        finally:
            patches.undo()
