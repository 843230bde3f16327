"""``python bot.py --offline``: the real bot against a local Discord emulator, driven from a terminal prompt.

Each line is a slash command (``/plan push``, ``/log exercise:back squat weight:100 reps:6``) sent as
an interaction from a scripted server member, and the bot's reply is printed as text.  ``/log
exercise:benc?`` shows the autocomplete suggestions; a file option takes a local path.  Also:
``as <name> <line>`` (another member), ``click <button label>``, ``select <option label>``, ``say <text>``,
``@Coach <text>``, ``help``, ``quit``. A button that opens a form (the workout card's Edit) asks for each field on
the following lines.  Works piped (``python bot.py --offline < script.txt``): each line
is echoed as ``> /plan push`` so a transcript reads well.

``EMULATOR_HEARTBEAT_INTERVAL_MS`` sets the heartbeat interval the emulator advertises (default 41250).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import re
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO

import discord
from discord.gateway import DiscordWebSocket

from coach.settings import Secret, Settings, default_database_url
from emulator.commandline import describe_commands, parse_command_line, static_suggestions
from emulator.models import DEFAULT_HEARTBEAT_INTERVAL_MS
from emulator.render import render_message, render_suggestions
from emulator.server import DiscordEmulator, EmulatorError, InteractionResult, InteractionTimeout
from runtime.runner import running_bot

log = logging.getLogger(__name__)

PROMPT = "coach> "
# Stable ids across runs: the scripted member keeps their logged sets in the local database, and the
# command-sync state (keyed by application and guild) stays one entry instead of one per run.
OFFLINE_BOT_ID = 1_300_000_000_000_000_001
OFFLINE_GUILD_ID = 1_300_000_000_000_000_002
OFFLINE_CHANNEL_ID = 1_300_000_000_000_000_003
OFFLINE_USER_ID = 1_300_000_000_000_000_004
STARTUP_TIMEOUT_S = 60.0
# "as admin ..." acts as a member with the Coaches role, which has Manage Server (the /config audience).
ADMIN_NAME = "admin"
_USERNAME = re.compile(r"[\w.]{1,32}")
_PROMPT_HELP = """\
At the prompt (you are @{user} in #{channel}):
  /command values…        run a slash command; a file option takes a local path (file:exports/strong.csv)
  /log exercise:benc?     end a value with ? to see what the bot suggests for it
  as <name> <line>        do it as another member, the same one for the same name;
                          as {admin} has Manage Server (as {admin} /config)
  click <label>           press a button on a recent reply; select <label> picks a menu option;
                          a form it opens asks for each field on the next lines (Enter keeps [the value])
  say <text>              chat in #{channel}; @{bot} <text> mentions the bot
  help · quit"""
# Loggers that only make noise here: voice-support and intent notices, migrations, emulator chatter.
_QUIETER = {
    "discord": logging.WARNING,
    "discord.client": logging.ERROR,
    "discord.ext.commands.bot": logging.ERROR,
    "alembic": logging.WARNING,
    "emulator": logging.ERROR,
}


@contextlib.contextmanager
def _quiet_logs(settings: Settings) -> Iterator[None]:
    """Keep the terminal for the conversation: INFO logs hidden unless LOG_LEVEL=DEBUG; restored after."""
    loggers = {name: logging.getLogger(name) for name in _QUIETER}
    root = logging.getLogger()
    saved = {name: lg.level for name, lg in loggers.items()}
    saved_root = root.level
    if settings.log_level != "DEBUG":
        for name, lg in loggers.items():
            lg.setLevel(max(_QUIETER[name], _level(settings)))
        root.setLevel(max(logging.WARNING, _level(settings)))
    try:
        yield
    finally:
        for name, lg in loggers.items():
            lg.setLevel(saved[name])
        root.setLevel(saved_root)


def _level(settings: Settings) -> int:
    return logging.getLevelNamesMapping().get(settings.log_level, logging.INFO)


@contextlib.contextmanager
def _restore_endpoints() -> Iterator[None]:
    """apply_endpoints() sets class attributes; put them back so an in-process caller isn't left pointing here."""
    base, gateway = discord.http.Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY
    try:
        yield
    finally:
        discord.http.Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY = base, gateway


def _start_reader(stream: TextIO, loop: asyncio.AbstractEventLoop) -> asyncio.Queue[str | None]:
    """Read lines on a daemon thread (None at EOF): a blocked readline must not keep Ctrl-C from exiting."""
    queue: asyncio.Queue[str | None] = asyncio.Queue()

    def pump() -> None:
        try:
            for line in iter(stream.readline, ""):
                loop.call_soon_threadsafe(queue.put_nowait, line)
        except (OSError, ValueError):
            pass  # stream closed under us: treat as EOF
        finally:
            with contextlib.suppress(RuntimeError):  # loop already closed at interpreter exit
                loop.call_soon_threadsafe(queue.put_nowait, None)

    threading.Thread(target=pump, name="offline-stdin", daemon=True).start()
    return queue


@dataclasses.dataclass
class _Form:
    """A form (modal) the bot opened, filled in one field per line."""

    modal: dict[str, Any]
    message_id: int | None
    as_who: dict[str, Any]
    fields: list[dict[str, Any]]
    values: dict[str, str] = dataclasses.field(default_factory=dict)

    @classmethod
    def opened(cls, modal: dict[str, Any], message_id: int | None, as_who: dict[str, Any]) -> _Form:
        """The form's text fields, in order (in action rows or labels)."""
        fields = [
            {**comp, "label": comp.get("label") or row.get("label") or comp["custom_id"]}
            for row in modal.get("components") or []
            for comp in row.get("components") or ([row["component"]] if "component" in row else [])
            if comp.get("type") == 4
        ]
        return cls(modal, message_id, as_who, fields)

    def intro(self) -> str:
        """How to fill it in."""
        return (
            f"The bot opened a form, {self.modal.get('title')!r}: type each field's value and press Enter. "
            "An empty line keeps the value in [brackets]; cancel closes the form."
        )

    @property
    def complete(self) -> bool:
        """True when every field has its value."""
        return len(self.values) == len(self.fields)

    def prompt(self) -> str:
        """The next field: ``Weight (kg) [25]: ``."""
        field = self.fields[len(self.values)]
        kept = field.get("value") or ""
        hint = f" [{kept}]" if kept else ("" if field.get("required", True) else " (optional)")
        return f"  {field['label']}{hint}: "

    def take(self, line: str) -> tuple[str, str]:
        """Fill the next field from a typed line; returns its label and value."""
        field = self.fields[len(self.values)]
        value = line.strip() or str(field.get("value") or "")
        self.values[field["custom_id"]] = value
        return str(field["label"]), value


class OfflineSession:
    """The prompt loop: parse a line, act as a server member, print what the bot answered."""

    def __init__(self, emu: DiscordEmulator, out: TextIO, files_dir: Path, bot_name: str) -> None:
        self.emu = emu
        self.out = out
        self.files_dir = files_dir
        self.bot_name = bot_name
        self.recent: list[int] = []  # message ids, newest last: where click/select look for components
        self.form: _Form | None = None  # a form the bot opened, being filled in line by line

    def prompt(self) -> str:
        """What the terminal shows before the next line: the form field being asked, else the prompt."""
        return self.form.prompt() if self.form is not None else PROMPT

    async def fill(self, line: str, *, echo: bool) -> None:
        """One line typed into the open form: the current field's value (empty keeps the pre-filled one),
        or ``cancel``. After the last field the form is sent as the member would send it."""
        form = self.form
        if form is None:  # pragma: no cover - the caller checks
            return
        if line.strip().lower() == "cancel":
            self.form = None
            self.write("(form closed; nothing was sent)\n")
            return
        label, value = form.take(line)
        if echo:
            self.write(f"  {label}: {value}")
        if not form.complete:
            return
        self.form = None
        try:
            message = self.emu.messages.get(form.message_id) if form.message_id is not None else None
            self.show(await self.emu.submit(form.modal, form.values, message=message, **form.as_who))
        except (InteractionTimeout, EmulatorError) as exc:
            self.write(f"error: {exc}")

    def write(self, text: str = "") -> None:
        """Print a block of text."""
        self.out.write(text + "\n")
        self.out.flush()

    async def handle(self, line: str) -> bool:
        """Act on one input line; False means quit."""
        try:
            return await self._act(line, None)
        except ValueError as exc:
            self.write(f"error: {exc}")
        except InteractionTimeout as exc:
            self.write(f"(no reply) {exc}")
        except EmulatorError as exc:
            self.write(f"error: {exc}")
        except OSError as exc:
            self.write(f"error: {exc.strerror or exc} ({exc.filename})" if exc.filename else f"error: {exc}")
        return True

    async def _act(self, line: str, who: dict[str, Any] | None) -> bool:
        """One line as ``who`` (None: the scripted member); False means quit."""
        word, _, rest = line.partition(" ")
        lowered, rest = word.lower(), rest.strip()
        # Only set for "as <name>": without it the emulator's own scripted member acts.
        as_who: dict[str, Any] = {"user": who} if who is not None else {}
        if lowered in ("quit", "exit"):
            return False
        if lowered in ("help", "?", "/help"):
            self.write(self.help_text())
        elif lowered == "as":
            name, _, action = rest.partition(" ")
            if who is not None:
                raise ValueError("one 'as <name>' per line")
            if not name or not action.strip():
                raise ValueError("as <name> <what to do>, e.g. as sam /log bench press 100 5")
            return await self._act(action.strip(), self.member(name))
        elif lowered == "click":
            message = self._message_with(rest, who)
            result = await self.emu.click(message, label=rest, **as_who)
            self.show(result)
            if result.modal is not None:
                self.form = _Form.opened(result.modal, int(message["id"]), as_who)
                self.write(self.form.intro())
        elif lowered == "select":
            message = self._message_with(rest, who)
            self.show(await self.emu.select(message, rest, **as_who))
        elif lowered == "say":
            if not rest:
                raise ValueError("say what? e.g. say does pre-exhaust work?")
            self.show_channel(await self.emu.send_message(rest, **as_who))
        elif lowered.startswith("@") and lowered[1:] in (self.bot_name.lower(), "coach"):
            self.show_channel(await self.emu.send_message(rest, mention_bot=True, **as_who))
        elif line.startswith("/"):
            await self.command(line, as_who)
        else:
            self.write(self._hint(line))
        return True

    async def command(self, line: str, as_who: dict[str, Any]) -> None:
        """Run a slash command, or show the suggestions for the option whose value ends in ``?``."""
        parsed = parse_command_line(line, self.emu.commands)
        if parsed.focused is None or parsed.focused_option is None:
            self.show(await self.emu.slash(parsed.name, parsed.options, subcommand=parsed.subcommand, **as_who))
        elif parsed.focused_option.get("autocomplete"):
            result = await self.emu.autocomplete(
                parsed.name, parsed.options, parsed.focused, subcommand=parsed.subcommand, **as_who
            )
            self.show(result, focused=parsed.focused)
        else:
            # Fixed choices: the Discord client filters them itself, the bot never hears about it.
            typed = str(parsed.options[parsed.focused])
            self.write(render_suggestions(parsed.focused, static_suggestions(parsed.focused_option, typed)) + "\n")

    def member(self, name: str) -> dict[str, Any]:
        """The member a name stands for: the same one for the whole session; ``admin`` has Manage Server."""
        if not _USERNAME.fullmatch(name):
            raise ValueError(f"{name!r} isn't a Discord username (letters, digits, _ and ., up to 32)")
        username = name.lower()
        if username == self.bot_name.lower():
            raise ValueError(f"{name} is the bot; pick a member's name, e.g. as sam /history")
        found = self.emu.find_member(username)
        if found is None:
            roles = [self.emu.manager_role_id] if username == ADMIN_NAME else []
            found = self.emu.add_member(username, roles=roles)
        return found

    def _hint(self, line: str) -> str:
        """What to type instead of a line that is neither a command nor a prompt keyword."""
        first = line.split()[0].lower()
        if first in {str(c["name"]) for c in self.emu.commands}:
            return f"Slash commands start with /: /{line}\n"
        return (
            f"{first!r} isn't a command. Slash commands start with / (e.g. /plan push); "
            f"to chat in #{self.emu.channel_name}: say <text>; help lists everything.\n"
        )

    def help_text(self) -> str:
        """The ``help`` text: every command, then what else the prompt understands."""
        prompt = _PROMPT_HELP.format(
            user=self.emu.user["username"], channel=self.emu.channel_name, bot=self.bot_name, admin=ADMIN_NAME
        )
        return f"{describe_commands(self.emu.commands)}\n\n{prompt}"

    def _message_with(self, label: str, who: dict[str, Any] | None) -> dict[str, Any]:
        """The newest message ``who`` can see with a button or select option whose label starts with this."""
        if not label:
            raise ValueError("which one? e.g. click Undo")
        viewer = who or self.emu.user
        folded = label.casefold()
        for message_id in reversed(self.recent):
            message = self.emu.messages.get(message_id)
            if message is None or not self.emu.can_see(message, viewer):
                continue
            if any(text.casefold().startswith(folded) for _, text, _ in self.emu.component_labels(message)):
                return message
        whose = f" that @{viewer['username']} can see" if who is not None else ""
        raise ValueError(f"no button or option {label!r} on recent replies{whose}")

    def show(self, result: InteractionResult, *, focused: str | None = None) -> None:
        """Print every message of an interaction result, and anything Discord would have rejected."""
        for error in result.errors:
            self.write(f"(Discord rejected a request from the bot: {error.get('message')} {error.get('errors', '')})")
        if result.choices is not None:
            self.write(render_suggestions(focused or "this option", result.choices) + "\n")
        for message in result.messages:
            self.recent.append(int(message["id"]))
            self.write(render_message(message, save_files_to=self.files_dir, files=result.files))
            self.write()
        if not result.messages and result.deleted_message_ids:
            self.write("(the bot deleted its reply)\n")
        del self.recent[:-50]

    def show_channel(self, messages: list[dict[str, Any]]) -> None:
        """Print what the bot posted in the channel after a chat message."""
        if not messages:
            self.write("(no reply)\n")
        for message in messages:
            self.recent.append(int(message["id"]))
            files = {a["filename"]: self.emu.attachments[int(a["id"])] for a in message.get("attachments", [])}
            self.write(render_message(message, save_files_to=self.files_dir, files=files))
            self.write()


async def run_offline(settings: Settings, *, stdin: TextIO = sys.stdin, stdout: TextIO = sys.stdout) -> int:
    """Start an emulator and the real bot against it, then read commands until quit/EOF; returns 0."""
    interactive = stdin.isatty()
    # Discord's interval unless EMULATOR_HEARTBEAT_INTERVAL_MS says otherwise (tests shorten it).
    interval = settings.emulator_heartbeat_interval_ms
    with _quiet_logs(settings), _restore_endpoints():
        async with DiscordEmulator(
            bot_user_id=OFFLINE_BOT_ID,
            guild_id=OFFLINE_GUILD_ID,
            channel_id=OFFLINE_CHANNEL_ID,
            user_id=OFFLINE_USER_ID,
            heartbeat_interval_ms=interval or DEFAULT_HEARTBEAT_INTERVAL_MS,
        ) as emu:
            offline = dataclasses.replace(
                settings,
                discord_token=Secret(emu.token),
                discord_api_base=emu.api_base,
                discord_gateway_url=emu.gateway_url,
                discord_cdn_base=emu.base_url,
                dev_guild_id=emu.guild_id,
                # Offline test sets never go into a production PostgreSQL: a SQLite file under the data dir.
                database_url=settings.database_url
                if settings.database_url.startswith("sqlite")
                else default_database_url(settings.data_dir),
            )
            # force_sync: every emulator starts empty, so the stored "unchanged" fingerprint doesn't apply.
            async with running_bot(offline, force_sync=True) as bot:
                runner = asyncio.create_task(bot.start(emu.token), name="offline-bot")
                try:
                    await _wait_ready(emu, bot, runner)
                    session = OfflineSession(emu, stdout, settings.data_dir / "offline-files", emu.bot_user["username"])
                    session.write(
                        f"Pre-Exhaust Coach, offline: you are @{emu.user['username']} in #{emu.channel_name} "
                        f"on an emulated Discord server. Type help for commands, quit to leave."
                    )
                    queue = _start_reader(stdin, asyncio.get_running_loop())
                    while True:
                        if interactive:
                            stdout.write(session.prompt())
                            stdout.flush()
                        raw = await queue.get()
                        if raw is None:
                            if interactive:
                                stdout.write("\n")
                            break
                        if session.form is not None:
                            # Lines fill the open form, empty ones included (they keep the pre-filled value).
                            await session.fill(raw, echo=not interactive)
                            continue
                        line = raw.strip()
                        if not line or line.startswith("#"):
                            continue
                        if not interactive:
                            session.write(f"> {line}")
                        if not await session.handle(line):
                            break
                        if runner.done():
                            session.write("error: the bot stopped; see the log above.")
                            return 1
                finally:
                    await bot.close()
                    with contextlib.suppress(asyncio.CancelledError):
                        await runner
    return 0


async def _wait_ready(emu: DiscordEmulator, bot: discord.Client, runner: asyncio.Task[None]) -> None:
    """Wait for the command sync and READY; if the bot task ends first, surface its error."""
    ready = asyncio.ensure_future(_ready(emu, bot))
    done, _ = await asyncio.wait({ready, runner}, timeout=STARTUP_TIMEOUT_S, return_when=asyncio.FIRST_COMPLETED)
    if ready in done:
        ready.result()
        return
    ready.cancel()
    if runner in done:
        runner.result()  # raises what stopped the bot (LoginFailure, ...)
        raise RuntimeError("the bot stopped before it was ready")
    raise TimeoutError(f"the bot was not ready within {STARTUP_TIMEOUT_S:.0f} s")


async def _ready(emu: DiscordEmulator, bot: discord.Client) -> None:
    await emu.wait_for_commands(STARTUP_TIMEOUT_S)
    await bot.wait_until_ready()
