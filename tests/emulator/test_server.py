"""The emulator against a small throwaway discord.py bot, in-process: what discord.py needs, and Discord's rules."""

from __future__ import annotations

import asyncio
import contextlib
import io
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp
import discord
import pytest
import yarl
from discord import app_commands
from discord.ext import commands
from discord.gateway import DiscordWebSocket

from emulator import payloads
from emulator.server import DiscordEmulator, EmulatorError, InteractionResult, InteractionTimeout, make_token

Setup = Callable[[commands.Bot, DiscordEmulator], None]


class UndoView(discord.ui.View):
    """A view like the bot's: one button, then the message is edited."""

    @discord.ui.button(label="Undo", custom_id="undo")
    async def undo(self, interaction: discord.Interaction, button: discord.ui.Button[UndoView]) -> None:
        await interaction.response.edit_message(content="undone", view=None)


class StudyMenu(discord.ui.View):
    """A string select, answered with an ephemeral message."""

    @discord.ui.select(
        custom_id="study",
        placeholder="Open a study",
        options=[discord.SelectOption(label=f"{n} et al.", value=n.lower()) for n in ("Fisher", "Fujita", "Gentil")],
    )
    async def study(self, interaction: discord.Interaction, select: discord.ui.Select[StudyMenu]) -> None:
        await interaction.response.send_message(f"study {select.values[0]}", ephemeral=True)


def standard_commands(bot: commands.Bot, emu: DiscordEmulator) -> None:
    """Commands exercising every response path."""
    seen: dict[str, Any] = {}
    bot.seen = seen  # type: ignore[attr-defined]

    @bot.tree.command(description="Reply with a button")
    async def ping(interaction: discord.Interaction, n: int = 1) -> None:
        await interaction.response.send_message(f"pong {n}", view=UndoView())

    @bot.tree.command(description="Defer, then follow up with a file")
    async def export(interaction: discord.Interaction) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        await asyncio.sleep(0.05)
        await interaction.followup.send("here", file=discord.File(io.BytesIO(b"a,b\n1,2\n"), "sets.csv"))
        await interaction.followup.send("and one more")

    @bot.tree.command(description="A select menu")
    async def studies(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("pick one", view=StudyMenu())

    @bot.tree.command(description="Defer then edit the original")
    async def slow(interaction: discord.Interaction) -> None:
        await interaction.response.defer()
        await interaction.edit_original_response(content="finally")

    @bot.tree.command(description="Autocomplete")
    async def pick(interaction: discord.Interaction, exercise: str) -> None:
        await interaction.response.send_message(exercise)

    @pick.autocomplete("exercise")
    async def _pick_auto(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        names = ["Back Squat", "Front Squat", "Leg Press"]
        return [app_commands.Choice(name=n, value=n) for n in names if current.lower() in n.lower()]

    @bot.tree.command(description="Too long an embed title")
    async def broken(interaction: discord.Interaction) -> None:
        try:
            await interaction.response.send_message(embed=discord.Embed(title="x" * 300))
        except discord.HTTPException as exc:
            seen["broken"] = exc
            await interaction.response.send_message("fallback", ephemeral=True)

    @bot.tree.command(description="Answers twice")
    async def twice(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("one")
        try:
            await interaction.response.send_message("two")
        except discord.InteractionResponded as exc:
            seen["twice"] = exc

    @bot.tree.command(description="Channel option")
    async def where(interaction: discord.Interaction, channel: discord.TextChannel) -> None:
        await interaction.response.send_message(f"channel {channel.name} {channel.id}")

    @bot.tree.command(description="An ephemeral reply with a button")
    async def secret(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("just you", view=UndoView(), ephemeral=True)

    @bot.tree.command(description="Read an attached file")
    async def upload(interaction: discord.Interaction, file: discord.Attachment) -> None:
        data = await file.read()
        await interaction.response.send_message(f"{file.filename} {file.size} {data.decode()}")

    @bot.tree.command(description="May the invoker manage the server?")
    async def manager(interaction: discord.Interaction) -> None:
        await interaction.response.send_message(f"manage_guild={interaction.permissions.manage_guild}")

    group = app_commands.Group(name="privacy", description="Your data")

    @group.command(name="export", description="Export")
    async def privacy_export(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("exported", ephemeral=True)

    bot.tree.add_command(group)

    @bot.event
    async def on_message(message: discord.Message) -> None:
        if message.author.bot:
            return
        seen.setdefault("messages", []).append(message.content)
        if bot.user in message.mentions:
            await message.channel.send(f"you said {message.content.split(' ', 1)[-1]!r}")


@pytest.fixture
async def emu(request: pytest.FixtureRequest) -> AsyncIterator[DiscordEmulator]:
    """A fresh emulator on a free port; ``indirect`` parametrization passes constructor arguments."""
    async with DiscordEmulator(**getattr(request, "param", {})) as emulator:
        yield emulator


@pytest.fixture
def point_at(monkeypatch: pytest.MonkeyPatch) -> Callable[[DiscordEmulator], None]:
    """Redirect discord.py to an emulator for this test only."""

    def apply(emu: DiscordEmulator) -> None:
        monkeypatch.setattr(discord.http.Route, "BASE", emu.api_base)
        monkeypatch.setattr(DiscordWebSocket, "DEFAULT_GATEWAY", yarl.URL(emu.gateway_url))

    return apply


RunBot = Callable[..., Awaitable[commands.Bot]]


@pytest.fixture
async def run_bot(emu: DiscordEmulator, point_at: Callable[[DiscordEmulator], None]) -> AsyncIterator[RunBot]:
    """Start a throwaway bot against the emulator; it syncs to the emulator's guild in setup_hook."""
    started: list[tuple[commands.Bot, asyncio.Task[None]]] = []
    point_at(emu)

    async def start(
        setup: Setup = standard_commands,
        *,
        intents: discord.Intents | None = None,
        client_cls: type[commands.Bot] = commands.Bot,
        token: str | None = None,
        wait: bool = True,
    ) -> commands.Bot:
        # guild_ready_timeout: discord.py waits this long after the last GUILD_CREATE before READY.
        bot = client_cls(command_prefix="!", intents=intents or discord.Intents.default(), guild_ready_timeout=0.1)
        setup(bot, emu)

        async def setup_hook() -> None:
            guild = discord.Object(emu.guild_id)
            bot.tree.copy_global_to(guild=guild)
            await bot.tree.sync(guild=guild)

        bot.setup_hook = setup_hook  # type: ignore[method-assign]
        task = asyncio.create_task(bot.start(token or emu.token))
        started.append((bot, task))
        if wait:
            await emu.wait_for_commands(10)
            await asyncio.wait_for(bot.wait_until_ready(), 10)
        return bot

    yield start
    for bot, task in started:
        await bot.close()
        with contextlib.suppress(discord.DiscordException, aiohttp.ClientError):
            await asyncio.wait_for(task, 10)


async def test_login_sync_and_reply(emu: DiscordEmulator, run_bot: RunBot) -> None:
    await run_bot()
    names = {c["name"] for c in emu.commands}
    assert {"ping", "export", "pick", "privacy"} <= names
    assert all(c["id"] and c["application_id"] == str(emu.application_id) for c in emu.commands)

    result = await emu.slash("ping", {"n": 3})
    assert result.callback_type == 4
    assert result.message is not None
    assert result.message["content"] == "pong 3"
    assert result.latency_s is not None
    assert result.latency_s < 1
    assert emu.unknown_routes == []
    # discord.py connects with zlib-stream transport compression; the emulator compresses to match.
    assert emu.last_gateway_query.get("compress") == "zlib-stream"


async def test_button_click_edits_the_message(emu: DiscordEmulator, run_bot: RunBot) -> None:
    await run_bot()
    reply = await emu.slash("ping")
    assert reply.message is not None
    clicked = await emu.click(reply.message, label="Undo")
    assert clicked.callback_type == 7
    assert clicked.message is not None
    assert clicked.message["id"] == reply.message["id"]
    assert clicked.message["content"] == "undone"
    assert clicked.message["components"] == []


async def test_select_menu_by_label_or_prefix(emu: DiscordEmulator, run_bot: RunBot) -> None:
    await run_bot()
    menu = await emu.slash("studies")
    assert menu.message is not None
    chosen = await emu.select(menu.message, "Gentil et al.")
    assert chosen.ephemeral
    assert chosen.message is not None
    assert chosen.message["content"] == "study gentil"
    assert (await emu.click(menu.message, label="Fis")).message["content"] == "study fisher"  # type: ignore[index]
    with pytest.raises(EmulatorError, match="matches several"):
        await emu.select(menu.message, "F")
    with pytest.raises(EmulatorError, match="no button or option"):
        await emu.select(menu.message, "Nunes")


async def test_deferred_reply_with_followups_and_file(emu: DiscordEmulator, run_bot: RunBot) -> None:
    await run_bot()
    result = await emu.slash("export")
    assert result.callback_type == 5
    assert result.deferred
    # The first followup replaces the "thinking" message and keeps the deferral's ephemerality.
    assert [m["content"] for m in result.messages] == ["here", "and one more"]
    assert result.ephemeral
    assert result.files == {"sets.csv": b"a,b\n1,2\n"}
    assert result.messages[0]["attachments"][0]["filename"] == "sets.csv"


async def test_defer_then_edit_original(emu: DiscordEmulator, run_bot: RunBot) -> None:
    await run_bot()
    result = await emu.slash("slow")
    assert result.callback_type == 5
    assert [m["content"] for m in result.messages] == ["finally"]
    assert not result.messages[0]["flags"] & (1 << 7)  # no longer "loading"


async def test_autocomplete_choices(emu: DiscordEmulator, run_bot: RunBot) -> None:
    await run_bot()
    result = await emu.autocomplete("pick", {"exercise": "squ"}, "exercise")
    assert result.callback_type == 8
    assert [c["name"] for c in result.choices or []] == ["Back Squat", "Front Squat"]


async def test_subcommand_and_dm(emu: DiscordEmulator, run_bot: RunBot) -> None:
    await run_bot()
    in_guild = await emu.slash("privacy", subcommand="export")
    assert in_guild.ephemeral
    assert in_guild.message
    assert in_guild.message["content"] == "exported"
    in_dm = await emu.slash("ping", dm=True)
    assert in_dm.message is not None
    assert "guild_id" not in in_dm.message


async def test_attachment_option_is_uploaded_then_downloaded(
    emu: DiscordEmulator, run_bot: RunBot, tmp_path: Path
) -> None:
    await run_bot()
    path = tmp_path / "sets.csv"
    path.write_bytes(b"a,b\n")
    result = await emu.slash("upload", {"file": path})
    assert result.message is not None
    assert result.message["content"] == "sets.csv 4 a,b\n"
    result = await emu.slash("upload", {"file": ("note.txt", b"hi")})
    assert result.message is not None
    assert result.message["content"] == "note.txt 2 hi"
    with pytest.raises(EmulatorError, match="over 10 MiB"):
        await emu.slash("upload", {"file": ("big.bin", bytes(payloads.ATTACHMENT_SIZE_LIMIT + 1))})


async def test_members_permissions_come_from_their_roles(emu: DiscordEmulator, run_bot: RunBot) -> None:
    await run_bot()
    coach = emu.add_member("coachy", roles=[emu.manager_role_id])
    plain = emu.add_member("plain")
    assert emu.find_member("Coachy") == coach
    assert emu.find_member("nobody") is None
    for who, expected in ((coach, True), (plain, False), (emu.owner, True), (emu.user, False)):
        result = await emu.slash("manager", user=who)
        assert result.message is not None
        assert result.message["content"] == f"manage_guild={expected}", who
    # An explicit permissions argument still wins (the scripted member's default is user_permissions).
    result = await emu.slash("manager", permissions=payloads.MANAGER_PERMISSIONS)
    assert result.message is not None
    assert result.message["content"] == "manage_guild=True"


async def test_only_the_invoker_can_use_an_ephemeral_reply(emu: DiscordEmulator, run_bot: RunBot) -> None:
    await run_bot()
    other = emu.add_member("other")
    reply = await emu.slash("secret")
    assert reply.message is not None
    assert reply.ephemeral
    assert emu.can_see(reply.message, emu.user)
    assert not emu.can_see(reply.message, other)
    with pytest.raises(EmulatorError, match="ephemeral: only lifter sees it, so other can't use it"):
        await emu.click(reply.message, label="Undo", user=other)
    assert (await emu.click(reply.message, label="Undo")).callback_type == 7


async def test_channel_option_is_resolved(emu: DiscordEmulator, run_bot: RunBot) -> None:
    await run_bot()
    result = await emu.slash("where", {"channel": "#training"})
    assert result.message is not None
    assert result.message["content"] == f"channel training {emu.channel_id}"


async def test_message_limits_are_enforced(emu: DiscordEmulator, run_bot: RunBot) -> None:
    bot = await run_bot()
    result = await emu.slash("broken")
    error = bot.seen["broken"]  # type: ignore[attr-defined]
    assert isinstance(error, discord.HTTPException)
    assert error.code == 50035
    assert "256" in str(error)
    assert result.errors
    assert result.errors[0]["code"] == 50035
    assert result.message is not None
    assert result.message["content"] == "fallback"


async def test_second_callback_is_refused(emu: DiscordEmulator, run_bot: RunBot) -> None:
    bot = await run_bot()
    result = await emu.slash("twice")
    assert result.message is not None
    assert result.message["content"] == "one"
    assert isinstance(bot.seen.get("twice"), discord.InteractionResponded)  # type: ignore[attr-defined]


async def test_three_second_deadline(emu: DiscordEmulator, run_bot: RunBot) -> None:
    late: dict[str, Exception] = {}

    def setup(bot: commands.Bot, _: DiscordEmulator) -> None:
        @bot.tree.command(description="Too slow")
        async def sleepy(interaction: discord.Interaction) -> None:
            await asyncio.sleep(0.4)
            try:
                await interaction.response.send_message("too late")
            except discord.NotFound as exc:
                late["error"] = exc

    emu.interaction_deadline_s = 0.2
    await run_bot(setup)
    with pytest.raises(InteractionTimeout, match="This interaction failed"):
        await emu.slash("sleepy", timeout=2)
    await asyncio.sleep(0.5)
    assert isinstance(late.get("error"), discord.NotFound)
    assert late["error"].code == 10062


async def test_no_answer_times_out_with_a_description(emu: DiscordEmulator, run_bot: RunBot) -> None:
    await run_bot()
    with pytest.raises(InteractionTimeout, match=r"no-such-command.*no interaction callback"):
        await emu.slash("no-such-command", timeout=0.5)


async def test_mention_reply_and_message_content_intent(emu: DiscordEmulator, run_bot: RunBot) -> None:
    bot = await run_bot()
    replies = await emu.send_message("does pre-exhaust work?", mention_bot=True)
    assert [m["content"] for m in replies] == ["you said 'does pre-exhaust work?'"]
    # Without the privileged intent Discord blanks messages that don't mention the bot.
    assert await emu.send_message("does pre-exhaust work?", timeout=0.3) == []
    assert bot.seen["messages"][-1] == ""  # type: ignore[attr-defined]


async def test_message_content_intent_delivers_content(emu: DiscordEmulator, run_bot: RunBot) -> None:
    intents = discord.Intents.default()
    intents.message_content = True
    bot = await run_bot(intents=intents)
    await emu.send_message("plain text", timeout=0.3)
    assert bot.seen["messages"][-1] == "plain text"  # type: ignore[attr-defined]


async def test_wrong_token_is_a_login_failure(emu: DiscordEmulator, run_bot: RunBot) -> None:
    bot = commands.Bot(command_prefix="!", intents=discord.Intents.default())
    with pytest.raises(discord.LoginFailure):
        await bot.login(make_token(emu.bot_user_id + 1))
    await bot.close()
    assert emu.calls[-1].path == "/users/@me"
    assert emu.calls[-1].status == 401


async def test_disallowed_privileged_intent(emu: DiscordEmulator, point_at: Callable[[DiscordEmulator], None]) -> None:
    point_at(emu)
    emu.allowed_privileged_intents = 0
    intents = discord.Intents.default()
    intents.members = True
    bot = commands.Bot(command_prefix="!", intents=intents)
    with pytest.raises(discord.PrivilegedIntentsRequired):
        await asyncio.wait_for(bot.start(emu.token), 10)
    await bot.close()


async def test_members_intent_gets_chunked_guild(emu: DiscordEmulator, run_bot: RunBot) -> None:
    intents = discord.Intents.default()
    intents.members = True
    bot = await run_bot(intents=intents)
    guild = bot.get_guild(emu.guild_id)
    assert guild is not None
    assert guild.chunked
    assert guild.get_member(emu.user_id) is not None


async def test_resume_replays_missed_dispatches(emu: DiscordEmulator, run_bot: RunBot) -> None:
    bot = await run_bot()
    resumed = asyncio.Event()

    async def on_resumed() -> None:
        resumed.set()

    bot.add_listener(on_resumed)
    await emu.drop_connection(code=4000)
    result = await emu.slash("ping", {"n": 7}, timeout=15)  # sent while reconnecting: replayed on RESUME
    assert result.message is not None
    assert result.message["content"] == "pong 7"
    await asyncio.wait_for(resumed.wait(), 10)
    assert emu.resume_count == 1
    assert emu.identify_count == 1


@pytest.mark.parametrize("emu", [{"heartbeat_interval_ms": 100}], indirect=True)
async def test_heartbeat_ack_takes_a_round_trip(emu: DiscordEmulator, run_bot: RunBot) -> None:
    bot = await run_bot()
    latencies: list[float] = []
    for _ in range(20):
        await emu.wait_for_heartbeats(emu.heartbeat_count + 1, timeout=2)
        await asyncio.sleep(emu.heartbeat_ack_delay_s + 0.03)
        latencies.append(bot.latency)
    # Like Discord, the ack takes a round trip (default 40 ms). Acked at once, an ack sometimes beats discord.py's
    # send-time stamp and is measured against the previous heartbeat: latency == the interval (0.1 s here;
    # 41 s in production, with a "Can't keep up" warning).
    assert all(0.02 < latency < 0.09 for latency in latencies), latencies


async def test_auto_sharded_client(emu: DiscordEmulator, run_bot: RunBot) -> None:
    emu.recommended_shards = 2
    bot = await run_bot(client_cls=commands.AutoShardedBot)
    assert bot.shard_count == 2
    assert emu.identify_count == 2
    assert any(c.path == "/gateway/bot" for c in emu.calls)
    result = await emu.slash("ping")
    assert result.message is not None
    assert result.message["content"] == "pong 1"


async def test_control_api(emu: DiscordEmulator, run_bot: RunBot) -> None:
    await run_bot()
    async with aiohttp.ClientSession(emu.base_url) as http:
        async with http.get("/_test/commands") as resp:
            assert "ping" in {c["name"] for c in await resp.json()}
        async with http.post("/_test/interaction", json={"name": "ping", "options": {"n": 2}}) as resp:
            assert resp.status == 200
            result = InteractionResult.from_json(await resp.json())
        assert result.message is not None
        assert result.message["content"] == "pong 2"
        async with http.post(
            "/_test/interaction", json={"kind": "click", "message_id": result.message["id"], "label": "Undo"}
        ) as resp:
            assert (await resp.json())["callback_type"] == 7
        async with http.post("/_test/interaction", json={"name": "export"}) as resp:
            assert InteractionResult.from_json(await resp.json()).files == {"sets.csv": b"a,b\n1,2\n"}
        async with http.post("/_test/message", json={"content": "hi", "mention_bot": True}) as resp:
            assert [m["content"] for m in (await resp.json())["messages"]] == ["you said 'hi'"]
        async with http.get("/_test/calls") as resp:
            assert any(c["path"].endswith("/callback") for c in await resp.json())


async def test_json_content_type_is_exact(emu: DiscordEmulator) -> None:
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{emu.api_base}/users/@me", headers={"Authorization": f"Bot {emu.token}"}) as resp:
            assert resp.status == 200
            assert resp.headers["Content-Type"] == "application/json"
        async with http.get(f"{emu.api_base}/users/@me", headers={"Authorization": "Bot nope"}) as resp:
            assert resp.status == 401
            assert await resp.json() == {"message": "401: Unauthorized", "code": 0}
        async with http.get(f"{emu.api_base}/no/such/route", headers={"Authorization": f"Bot {emu.token}"}) as resp:
            assert resp.status == 404
    assert [c.path for c in emu.unknown_routes] == ["/no/such/route"]


async def test_command_registration_is_validated(
    emu: DiscordEmulator, point_at: Callable[[DiscordEmulator], None]
) -> None:
    point_at(emu)
    bot = commands.Bot(command_prefix="!", intents=discord.Intents.default())

    @bot.tree.command(description="x" * 150)  # Discord allows 100
    async def wordy(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("never")

    await bot.login(emu.token)
    try:
        with pytest.raises(discord.app_commands.CommandSyncFailure, match="100"):
            await bot.tree.sync()
    finally:
        await bot.close()
    assert emu.commands == []


def test_payload_builders_round_trip_through_discord_py() -> None:
    ids = payloads.Ids(start=1_300_000_000_000_000_000)
    first, second = ids.next(), ids.next()
    assert second == first + 1 == 1_300_000_000_000_000_001
    lifter = payloads.user(ids.next())
    data = payloads.slash(
        "log",
        {"exercise": "back squat", "weight": 100.0, "reps": 6, "warmup": True},
        user=lifter,
        guild_id=1,
        channel_id=2,
        application_id=3,
    )
    assert [(o["name"], o["type"]) for o in data["data"]["options"]] == [
        ("exercise", 3),
        ("weight", 10),
        ("reps", 4),
        ("warmup", 5),
    ]
    assert data["member"]["permissions"] == payloads.MEMBER_PERMISSIONS
    other = payloads.slash("log", user=lifter, guild_id=1, channel_id=2, application_id=3)
    assert other["token"] != data["token"]
    sub = payloads.slash("privacy", user=lifter, channel_id=2, application_id=3, subcommand="export")
    assert sub["data"]["options"] == [{"name": "export", "type": 1}]
    assert "member" not in sub
    assert sub["user"]["id"] == lifter["id"]
    assert sub["context"] == 1
    auto = payloads.autocomplete("log", {"weight": 5.0}, "exercise", user=lifter, channel_id=2, application_id=3)
    assert auto["type"] == 4
    assert auto["data"]["options"][-1] == {
        "name": "exercise",
        "type": 3,
        "value": "",
        "focused": True,
    }
