"""HTTP answers shaped like Discord's: JSON bodies, error bodies, attachment metadata."""

from __future__ import annotations

import json
import struct
from collections.abc import Mapping
from typing import Any

from aiohttp import web

__all__ = ["content_type", "error_response", "form_errors", "json_response", "png_size"]


def json_response(data: Any, status: int = 200) -> web.Response:
    """A JSON body with the exact ``Content-Type: application/json`` discord.py accepts."""
    # discord.py's json_or_text compares the header to "application/json" exactly; aiohttp's
    # content_type= would append "; charset=utf-8" and login would fail.
    return web.Response(status=status, body=json.dumps(data).encode(), headers={"Content-Type": "application/json"})


def error_response(status: int, message: str, code: int = 0, errors: Mapping[str, Any] | None = None) -> web.Response:
    """Discord's error body: ``{"message", "code"}`` plus the nested ``errors`` of a 50035."""
    body: dict[str, Any] = {"message": message, "code": code}
    if errors:
        body["errors"] = errors
    return json_response(body, status)


def form_errors(problems: Mapping[str, str]) -> dict[str, Any]:
    """``{"embeds.0.title": "Must be 256 or fewer in length."}`` -> Discord's nested ``errors`` shape."""
    tree: dict[str, Any] = {}
    for path, message in problems.items():
        node = tree
        for part in path.split("."):
            node = node.setdefault(part, {})
        node.setdefault("_errors", []).append({"code": "BASE_TYPE_INVALID", "message": message})
    return tree


def png_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) of PNG data (Discord reports them on image attachments); None for other files."""
    if data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return width, height
    return None


def content_type(filename: str) -> str:
    """The ``content_type`` Discord gives an attachment with this file name."""
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    return {
        "png": "image/png",
        "jpg": "image/jpeg",
        "jpeg": "image/jpeg",
        "gif": "image/gif",
        "csv": "text/csv; charset=utf-8",
        "json": "application/json; charset=utf-8",
        "txt": "text/plain; charset=utf-8",
    }.get(ext, "application/octet-stream")
