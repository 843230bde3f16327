"""``python -m emulator``: run the Discord emulator standalone and print how to point a bot at it."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import shlex

from emulator.server import DiscordEmulator

_PLAN = '{"name": "plan", "options": {"day": "push"}}'
_ASK = '{"content": "does pre-exhaust work?", "mention_bot": true}'


async def _serve(port: int, token: str | None, heartbeat_interval_ms: int) -> None:
    async with DiscordEmulator(port=port, token=token, heartbeat_interval_ms=heartbeat_interval_ms) as emu:
        exports = "\n".join(f"export {k}={shlex.quote(v)}" for k, v in emu.env().items())
        print(
            f"Discord emulator on {emu.base_url}\n"
            f"  REST     {emu.api_base}\n"
            f"  gateway  {emu.gateway_url}\n"
            f"  guild {emu.guild_id} · channel {emu.channel_id} · scripted user {emu.user_id}\n\n"
            f"Point the bot at it (then `python bot.py`):\n{exports}\n\n"
            "Drive it:\n"
            f"  curl -s {emu.base_url}/_test/commands\n"
            f"  curl -s -X POST {emu.base_url}/_test/interaction -d {shlex.quote(_PLAN)}\n"
            f"  curl -s -X POST {emu.base_url}/_test/message -d {shlex.quote(_ASK)}\n"
            f"  curl -s {emu.base_url}/_test/calls\n\n"
            "Ctrl-C to stop.",
            flush=True,
        )
        await asyncio.Event().wait()


def main() -> None:
    """Parse options and serve until interrupted."""
    parser = argparse.ArgumentParser(prog="python -m emulator", description=__doc__)
    parser.add_argument("--port", type=int, default=0, help="TCP port on 127.0.0.1 (default: any free port)")
    parser.add_argument("--token", help="the bot token to accept (default: a fresh random one)")
    parser.add_argument(
        "--heartbeat-interval-ms",
        type=int,
        default=41_250,
        help="the heartbeat interval the gateway advertises (default 41250, as Discord)",
    )
    parser.add_argument("--log-level", default="WARNING", help="emulator log level (default WARNING)")
    args = parser.parse_args()
    logging.basicConfig(level=args.log_level.upper(), format="%(levelname)s %(name)s: %(message)s")
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(args.port, args.token, args.heartbeat_interval_ms))


if __name__ == "__main__":
    main()
