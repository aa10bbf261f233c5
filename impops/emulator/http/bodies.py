"""Request-body decoding shared by the mounts: Content-Encoding (gzip, deflate) and JSON.

Mnubo's Python and .NET clients gzip every POST and PUT body by default (reference mnubo §1.3),
so decoding lives in the core rather than in one mount.
"""

from __future__ import annotations

import gzip
import json
import zlib
from typing import Any


class BodyError(ValueError):
    """The body cannot be decoded (bad compression or bad JSON)."""


def decode_content(raw: bytes, encoding: str | None) -> bytes:
    """`raw` with its Content-Encoding undone (`gzip`, `x-gzip`, `deflate`, `identity`)."""
    name = (encoding or "").strip().lower()
    if not raw or name in ("", "identity"):
        return raw
    try:
        if name in ("gzip", "x-gzip"):
            return gzip.decompress(raw)
        if name == "deflate":
            return zlib.decompress(raw)
    except (OSError, EOFError, zlib.error) as exc:
        raise BodyError(f"The request body is not valid {name}: {exc}") from None
    raise BodyError(f"Unsupported Content-Encoding: {encoding}")


def parse_json(raw: bytes) -> Any:
    """The JSON value of a body; None for an empty body or the literal `null`."""
    text = raw.decode("utf-8", errors="replace").strip()
    if not text:
        return None
    try:
        return json.loads(text)
    except ValueError:
        raise BodyError("The request body is not valid JSON.") from None
