"""Download a member's attachment without trusting the URL or the size the interaction claims.

An interaction payload names an attachment's ``url`` and ``size``; a forged one can name any URL
(``http://169.254.169.254/…``, ``file:///…``) and a size far below the real body. So the bot fetches
only ``https`` URLs on Discord's CDN hosts — or, when ``DISCORD_API_BASE`` points at a proxy or the
emulator, only under the one ``DISCORD_CDN_BASE`` the operator set — and reads the body in chunks,
stopping as soon as it passes the limit.
"""

from __future__ import annotations

import logging
from urllib.parse import unquote, urlsplit

import aiohttp

from coach.errors import ImportFileError

log = logging.getLogger(__name__)

DISCORD_CDN_HOSTS = frozenset({"cdn.discordapp.com", "media.discordapp.net"})
CHUNK_BYTES = 64 * 1024
FETCH_TIMEOUT_S = 30.0
NOT_ALLOWED = "I can only read files attached to the command in Discord; please attach the file again."
UNREADABLE = "I couldn't download that file from Discord; please attach it again."


class AttachmentFetcher:
    """Downloads attachments from allowed origins only, reading at most a limit; owned by the bot."""

    def __init__(self, cdn_base: str | None = None) -> None:
        self._base = urlsplit(cdn_base) if cdn_base else None
        self._session: aiohttp.ClientSession | None = None

    def allows(self, url: str) -> bool:
        """Whether the bot may download this URL."""
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError:
            return False
        if parts.username or parts.password:
            return False
        if self._base is not None:
            return self._under_base(parts.scheme, parts.hostname, port, parts.path)
        return parts.scheme == "https" and parts.hostname in DISCORD_CDN_HOSTS and port in (None, 443)

    def _under_base(self, scheme: str, host: str | None, port: int | None, path: str) -> bool:
        """The operator's proxy or emulator: the same scheme, host and port, inside its base folder."""
        if self._base is None or (scheme, host, port) != (self._base.scheme, self._base.hostname, self._base.port):
            return False
        # Dot segments are refused outright (the HTTP client resolves "/attachments/../private" to
        # "/private"), and the base path is a whole folder ("/attachments" doesn't admit "/attachments-x").
        decoded = unquote(path)
        if "\\" in decoded or any(segment in (".", "..") for segment in decoded.split("/")):
            return False
        folder = self._base.path.rstrip("/") + "/"
        return (path + "/").startswith(folder)

    async def fetch(self, url: str, limit: int) -> bytes:
        """The body at ``url``, at most ``limit`` bytes; ImportFileError when not allowed, too big or unreadable."""
        if not self.allows(url):
            # Logged without the URL: a forged one is noise, and a real one carries signed query parameters.
            log.warning("refused to download an attachment from a host that isn't Discord's CDN")
            raise ImportFileError(NOT_ALLOWED)
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=FETCH_TIMEOUT_S))
        try:
            # No redirects: a redirect could lead anywhere the allow-list doesn't.
            async with self._session.get(url, allow_redirects=False) as response:
                if response.status != 200:
                    raise ImportFileError(UNREADABLE)
                if response.content_length is not None and response.content_length > limit:
                    raise ImportFileError(_too_big(limit))
                body = bytearray()
                async for chunk in response.content.iter_chunked(CHUNK_BYTES):
                    body += chunk
                    if len(body) > limit:
                        raise ImportFileError(_too_big(limit))
                return bytes(body)
        except (aiohttp.ClientError, TimeoutError):
            raise ImportFileError(UNREADABLE) from None

    async def close(self) -> None:
        """Close the HTTP session, if one was opened."""
        if self._session is not None:
            await self._session.close()
            self._session = None


def _too_big(limit: int) -> str:
    return f"That file is larger than {limit // 1024 // 1024} MB; export a shorter date range and try again."
