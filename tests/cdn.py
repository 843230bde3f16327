"""A loopback HTTP server standing in for Discord's CDN, for tests that upload attachments.

Use the ``cdn`` fixture and point the bot at it with a local ``settings`` override
(``dataclasses.replace(settings, discord_cdn_base=cdn.base)``): the bot then downloads only under it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator

import pytest
from aiohttp import web


@dataclasses.dataclass
class Cdn:
    """A loopback HTTP server standing in for Discord's CDN: serves files by path and records every request."""

    origin: str = ""  # scheme, host and port of the server
    files: dict[str, bytes] = dataclasses.field(default_factory=dict)
    chunked: set[str] = dataclasses.field(default_factory=set)  # paths served without a Content-Length
    hits: list[str] = dataclasses.field(default_factory=list)

    @property
    def base(self) -> str:
        """The DISCORD_CDN_BASE the bot is given: only URLs under it may be downloaded."""
        return f"{self.origin}/attachments/"

    def put(self, name: str, data: bytes, *, chunked: bool = False) -> str:
        """Make ``data`` downloadable under the base; returns its URL."""
        path = f"/attachments/{len(self.files) + 1}/{name}"
        self.files[path] = data
        if chunked:
            self.chunked.add(path)
        return self.origin + path


@pytest.fixture(name="cdn")
async def cdn_fixture() -> AsyncIterator[Cdn]:
    """The loopback CDN, running for the test."""
    served = Cdn()

    async def serve(request: web.Request) -> web.StreamResponse:
        served.hits.append(request.path)
        body = served.files.get(request.path)
        if body is None:
            return web.Response(status=404)
        if request.path not in served.chunked:
            return web.Response(body=body)
        response = web.StreamResponse()
        response.enable_chunked_encoding()
        await response.prepare(request)
        for start in range(0, len(body), 256 * 1024):
            await response.write(body[start : start + 256 * 1024])
        await response.write_eof()
        return response

    app = web.Application()
    app.router.add_get("/{path:.*}", serve)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    served.origin = f"http://127.0.0.1:{runner.addresses[0][1]}"
    yield served
    await runner.cleanup()
