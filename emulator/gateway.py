"""The gateway websocket: HELLO, IDENTIFY/RESUME, heartbeats, dispatches routed to the right shard's session."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import secrets
from collections.abc import Iterable, Mapping
from typing import Any

from aiohttp import WSMsgType, web

from emulator import payloads as p
from emulator.core import EmulatorCore
from emulator.models import GUILD_MEMBERS_INTENT, PRIVILEGED_INTENTS, Connection, EmulatorError, Session

__all__ = ["GatewayLayer"]

log = logging.getLogger(__name__)


class GatewayLayer(EmulatorCore):
    """What the bot sees on its websocket; sessions outlive their connections so a RESUME replays the gap."""

    @property
    def connected(self) -> bool:
        """Whether a gateway session currently has an open websocket."""
        return any(s.conn is not None and not s.conn.ws.closed for s in self._sessions.values())

    @property
    def connected_shards(self) -> set[int]:
        """Shard ids that currently have a gateway session with an open websocket."""
        return {s.shard[0] for s in self._sessions.values() if s.conn is not None and not s.conn.ws.closed}

    async def wait_until_connected(self, timeout: float = 30.0) -> None:
        """Wait until the bot has identified (or resumed) on the gateway."""
        if not await self._wait(lambda: self.connected, timeout):
            raise EmulatorError(f"the bot did not connect to the gateway within {timeout:.0f} s")

    async def wait_for_shards(self, shard_ids: Iterable[int], timeout: float = 30.0) -> None:
        """Wait until every shard in ``shard_ids`` has a live gateway session (bots in several processes)."""
        wanted = set(shard_ids)
        if not await self._wait(lambda: wanted <= self.connected_shards, timeout):
            missing = sorted(wanted - self.connected_shards)
            raise EmulatorError(f"shard(s) {missing} did not connect to the gateway within {timeout:.0f} s")

    async def wait_for_heartbeats(self, count: int, timeout: float = 60.0) -> None:
        """Wait until the bot has sent ``count`` heartbeats in all (see :attr:`heartbeat_count`)."""
        if not await self._wait(lambda: self.heartbeat_count >= count, timeout):
            raise EmulatorError(f"{self.heartbeat_count} heartbeats, not {count}, within {timeout:.0f} s")

    # ------------------------------------------------------------------ gateway

    async def _gateway(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse(max_msg_size=0)
        await ws.prepare(request)
        self._connections.add(ws)
        self.last_gateway_query = dict(request.query)
        conn = Connection(ws, compress=request.query.get("compress") == "zlib-stream")
        session: Session | None = None
        try:
            await conn.send({"op": 10, "s": None, "t": None, "d": {"heartbeat_interval": self.heartbeat_interval_ms}})
            async for msg in ws:
                if msg.type not in (WSMsgType.TEXT, WSMsgType.BINARY):
                    continue
                raw = msg.data if msg.type is WSMsgType.TEXT else msg.data.decode()
                frame = json.loads(raw)
                op, data = frame.get("op"), frame.get("d")
                if op == 1:
                    self.heartbeat_count += 1
                    if self.ack_heartbeats:
                        self._ack_later(conn)
                    await self._notify()
                elif op == 2:
                    session = await self._identify(conn, data)
                elif op == 6:
                    session = await self._resume(conn, data)
                elif op == 8 and session is not None:
                    await self._members_chunk(session, data)
                elif op in (3, 4):
                    pass  # presence / voice state updates: nothing to emulate
                else:
                    log.warning("emulator gateway: unknown opcode %r", op)
                    await ws.close(code=4001, message=b"Unknown opcode.")
        finally:
            self._connections.discard(ws)
            if session is not None and session.conn is conn:
                session.conn = None
            await self._notify()
        return ws

    def _ack_later(self, conn: Connection) -> None:
        """HEARTBEAT_ACK after ``heartbeat_ack_delay_s``, without holding up the frames behind the heartbeat."""
        # Discord's ack takes a network round trip. discord.py's keep-alive thread stamps a heartbeat's send
        # time only after the loop confirms the send; an ack handled before that stamp is measured against the
        # previous heartbeat, and discord.py warns "Can't keep up ... 41.3s behind" on every beat.
        task = asyncio.create_task(self._send_ack(conn), name="emulator-heartbeat-ack")
        self._acks_in_flight.add(task)
        task.add_done_callback(self._acks_in_flight.discard)

    async def _send_ack(self, conn: Connection) -> None:
        await asyncio.sleep(self.heartbeat_ack_delay_s)
        if conn.ws.closed:
            return
        with contextlib.suppress(ConnectionError):
            await conn.send({"op": 11, "s": None, "t": None, "d": None})

    async def _identify(self, conn: Connection, data: dict[str, Any]) -> Session | None:
        if data.get("token") not in (self.token, f"Bot {self.token}"):
            await conn.ws.close(code=4004, message=b"Authentication failed.")
            return None
        intents = int(data.get("intents", 0))
        if intents & PRIVILEGED_INTENTS & ~self.allowed_privileged_intents:
            await conn.ws.close(code=4014, message=b"Disallowed intent(s).")
            return None
        shard_data = data.get("shard") or [0, 1]
        shard = (int(shard_data[0]), int(shard_data[1]))
        session = Session(secrets.token_hex(16), shard, intents)
        session.conn = conn
        self._sessions[session.id] = session
        self.identify_count += 1
        self.last_identify = {k: v for k, v in data.items() if k != "token"}
        # Each shard's session hears only about its own guilds: (guild_id >> 22) % shard_count == shard_id.
        guild_ids = [g for g in self.guild_ids if session.handles_guild(g)]
        ready = p.ready(
            user=self._me,
            session_id=session.id,
            resume_gateway_url=self.gateway_url,
            application_id=self.application_id,
            guild_ids=guild_ids,
            shard=list(shard) if data.get("shard") else None,
        )
        await self._dispatch_to(session, "READY", ready)
        for guild_id in guild_ids:
            await self._dispatch_to(session, "GUILD_CREATE", self._guild_payload(intents, guild_id))
        await self._notify()
        return session

    async def _resume(self, conn: Connection, data: dict[str, Any]) -> Session | None:
        session = self._sessions.get(str(data.get("session_id")))
        if session is None or data.get("token") not in (self.token, f"Bot {self.token}"):
            await conn.send({"op": 9, "s": None, "t": None, "d": False})
            return None
        session.conn = conn
        self.resume_count += 1
        last = int(data.get("seq") or 0)
        for frame in session.buffer:
            if frame["s"] > last:
                await conn.send(frame)
        await self._dispatch_to(session, "RESUMED", {"_trace": ['["discord-emulator",{"micros":0}]']})
        await self._notify()
        return session

    async def _members_chunk(self, session: Session, data: dict[str, Any]) -> None:
        query = str(data.get("query") or "").lower()
        wanted = {int(u) for u in (data.get("user_ids") or [])}
        members = [
            m
            for uid, m in self.members.items()
            if (not wanted or uid in wanted) and m["user"]["username"].lower().startswith(query)
        ]
        limit = int(data.get("limit") or 0)
        if limit:
            members = members[:limit]
        chunk: dict[str, Any] = {
            "guild_id": str(self.guild_id),
            "members": members,
            "chunk_index": 0,
            "chunk_count": 1,
        }
        if data.get("nonce"):
            chunk["nonce"] = data["nonce"]
        await self._dispatch_to(session, "GUILD_MEMBERS_CHUNK", chunk)

    def _guild_payload(self, intents: int, guild_id: int | None = None) -> dict[str, Any]:
        members = list(self.members.values())
        if not intents & GUILD_MEMBERS_INTENT:
            # Without the members intent Discord only sends the bot itself (and voice members).
            members = [self.members[self.bot_user_id]]
        extra = self.extra_guilds.get(guild_id) if guild_id is not None else None
        guild = p.guild_create(
            extra["id"] if extra else self.guild_id,
            name=extra["name"] if extra else self.guild_name,
            owner_id=self.owner_id,
            channels=extra["channels"] if extra else self.channels,
            roles=extra["roles"] if extra else self.roles,
            members=members,
        )
        guild["member_count"] = len(self.members)
        return guild

    async def _dispatch_to(self, session: Session, event: str, data: Mapping[str, Any]) -> None:
        session.seq += 1
        frame = {"op": 0, "t": event, "s": session.seq, "d": data}
        session.buffer.append(frame)
        del session.buffer[:-500]  # what a RESUME can replay; Discord keeps a bounded backlog too
        if session.conn is not None and not session.conn.ws.closed:
            try:
                await session.conn.send(frame)
            except ConnectionError:
                session.conn = None  # stays buffered for the RESUME

    def _session_for(self, guild_id: int | None) -> Session | None:
        candidates = [s for s in self._sessions.values() if s.handles_guild(guild_id)]
        live = [s for s in candidates if s.conn is not None and not s.conn.ws.closed]
        chosen = live or candidates
        return chosen[-1] if chosen else None

    async def dispatch(self, event: str, data: Mapping[str, Any], *, guild_id: int | None = None) -> Session:
        """Send a gateway dispatch to the session for ``guild_id``'s shard; buffered for RESUME while disconnected.

        Returns the session it went to (tests of sharding check which shard got an interaction).
        """
        session = self._session_for(guild_id)
        if session is None:
            await self.wait_until_connected(10.0)
            session = self._session_for(guild_id)
            if session is None:
                raise EmulatorError("no gateway session handles this guild")
        await self._dispatch_to(session, event, data)
        return session

    async def drop_connection(self, code: int = 4000) -> None:
        """Close the bot's websocket(s) with a resumable close code (tests of RESUME)."""
        for session in self._sessions.values():
            if session.conn is not None:
                await session.conn.ws.close(code=code, message=b"emulator dropped the connection")

    async def request_reconnect(self) -> None:
        """Send op 7 RECONNECT on every live connection."""
        for session in self._sessions.values():
            if session.conn is not None:
                await session.conn.send({"op": 7, "s": None, "t": None, "d": None})

    # ------------------------------------------------------------------ fault injection

    async def invalidate_session(self, *, resumable: bool = False) -> None:
        """Send op 9 INVALID_SESSION on every live connection; unless ``resumable``, the sessions are gone."""
        for session in list(self._sessions.values()):
            if session.conn is not None:
                await session.conn.send({"op": 9, "s": None, "t": None, "d": resumable})
                if not resumable:
                    del self._sessions[session.id]  # a RESUME of it now fails, as on Discord
