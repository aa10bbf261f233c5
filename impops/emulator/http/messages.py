"""Request and response types every handler of every emulated API sees."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Request:
    """A parsed HTTP request as handlers see it."""

    method: str
    path: str  # without the query string and the mount prefix; percent-decoded per segment
    query: dict[str, str]  # keys percent-decoded: `filter[owner.id]` whatever the encoding
    headers: dict[str, str]  # lower-case names
    body: Any  # parsed JSON (None for no body or a literal `null`); mounts may parse otherwise
    base_url: str  # scheme://host:port of this server as the client reached it
    client_ip: str = "127.0.0.1"
    # The authenticated principal, set by the mount's auth: an impCentral account id, or a
    # Mnubo OAuth client id.
    account: str | None = None
    raw: bytes = b""  # the body as received, after Content-Encoding decoding

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    @property
    def caller(self) -> str:
        """The authenticated principal (routes with auth=True always have one)."""
        assert self.account is not None
        return self.account


@dataclass
class Response:
    """What a handler answers. `body`: JSON-able data, or `str` (sent as text/plain)."""

    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    # Server-sent events: called with a writer once the headers are sent.
    stream: Callable[[Callable[[bytes], None]], None] | None = None
    content_type: str | None = None  # default: application/json, or text/plain for a str


class HttpError(Exception):
    """An error answer a mount raises anywhere in a handler; `response` is sent as is."""

    def __init__(self, response: Response) -> None:
        super().__init__(f"HTTP {response.status}")
        self.response = response
