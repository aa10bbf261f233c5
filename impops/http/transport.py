"""HTTP transport: one pooled `requests.Session`, timeouts, rate limiting and retries.

The transport knows nothing about impCentral resources or tokens. It sends one logical
request, retrying what is safe to retry under the given `RetryPolicy`, and returns the final
`Response` whatever its status; only a request that never got an HTTP answer raises
(`TransportError`). Mapping statuses to typed errors is the caller's job.

Retry rules:

* `IDEMPOTENT` (GET, PUT, PATCH, DELETE, action POSTs, auth POSTs): retry 429, 502, 503, 504,
  connection errors and timeouts.
* `CREATE` (non-idempotent POSTs): retry only what provably did not reach the server: 429 and
  failures to connect. A timeout, a dropped connection or a 5xx is returned/raised at once
  and the caller must look the object up before trying again.

Each retry waits `backoff_delay` (full jitter), or the server's `Retry-After`/`X-RateLimit-Reset`
plus jitter on 429; a 429 also pauses the shared limiter so other threads back off too.
"""

from __future__ import annotations

import enum
import json
import logging
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import requests
import urllib3
from requests.adapters import HTTPAdapter

from impops import __version__
from impops.http.ratelimit import RateLimiter, backoff_delay, retry_after_seconds
from impops.providers.impcentral.api.errors import TransportError
from impops.redact import scrub

log = logging.getLogger(__name__)

USER_AGENT = f"impops/{__version__}"
RETRYABLE_STATUSES = frozenset({429, 502, 503, 504})


class RetryPolicy(enum.Enum):
    """How much of a failed request may be repeated (see the module docstring)."""

    IDEMPOTENT = "idempotent"
    CREATE = "create"


@dataclass(frozen=True)
class Response:
    """The final answer to a request: status, headers, parsed JSON body (None when empty)."""

    status: int
    headers: Mapping[str, str]
    body: Any
    attempts: int = 1
    retry_after: float | None = None

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


@dataclass
class TransportOptions:
    """Tunables; defaults suit the real impCentral."""

    timeout: float = 30.0
    connect_timeout: float = 10.0
    max_retries: int = 5
    backoff_base: float = 0.5
    backoff_cap: float = 30.0
    pool_size: int = 32
    verify: bool | str = True
    rng: Callable[[], float] = field(default=random.random)
    sleep: Callable[[float], None] = field(default=time.sleep)


class Transport:
    """Sends requests to one API endpoint; safe to share between threads."""

    def __init__(
        self,
        endpoint: str,
        limiter: RateLimiter | None = None,
        options: TransportOptions | None = None,
    ) -> None:
        self.endpoint = endpoint.rstrip("/")
        parts = urlsplit(self.endpoint)
        self._origin = f"{parts.scheme}://{parts.netloc}"
        self._base_path = parts.path.rstrip("/")
        self.limiter = limiter or RateLimiter(0)
        self.options = options or TransportOptions()
        self._session = requests.Session()
        adapter = HTTPAdapter(
            pool_connections=4, pool_maxsize=self.options.pool_size, max_retries=0
        )
        self._session.mount("https://", adapter)
        self._session.mount("http://", adapter)
        self._session.headers.update({"User-Agent": USER_AGENT})
        self._session.verify = self.options.verify

    # --- URLs ---------------------------------------------------------------------------------

    def url(self, path_or_url: str) -> str:
        """An absolute URL on this endpoint's origin for a path (`/products`) or a link.

        Absolute links (e.g. `links.next`) are re-based onto the configured origin, so a
        bearer token is never sent to another host whatever the server puts in a link.
        """
        if "://" in path_or_url:
            parts = urlsplit(path_or_url)
            query = f"?{parts.query}" if parts.query else ""
            return f"{self._origin}{parts.path}{query}"
        return f"{self.endpoint}/{path_or_url.lstrip('/')}"

    def display_path(self, url: str) -> str:
        """The API path of a URL, relative to the endpoint and without the query: `/products`."""
        path = urlsplit(url).path
        if self._base_path and path.startswith(self._base_path):
            path = path[len(self._base_path) :]
        return scrub(path or "/")

    # --- sending ------------------------------------------------------------------------------

    def send(
        self,
        method: str,
        path_or_url: str,
        *,
        body: object = None,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        policy: RetryPolicy = RetryPolicy.IDEMPOTENT,
    ) -> Response:
        """Send one logical request (with retries) and return the final response."""
        url = self.url(path_or_url)
        data = None if body is None else json.dumps(body, separators=(",", ":")).encode()
        path = self.display_path(url)
        opts = self.options
        attempt = 0
        while True:
            attempt += 1
            self.limiter.acquire()
            started = time.monotonic()
            try:
                raw = self._session.request(
                    method,
                    url,
                    params=params,
                    data=data,
                    headers=dict(headers or {}),
                    timeout=(min(opts.connect_timeout, opts.timeout), opts.timeout),
                    allow_redirects=False,
                )
            except requests.RequestException as exc:
                elapsed = (time.monotonic() - started) * 1000
                reason, retryable, unsent = _describe(exc)
                log.debug("%s %s -> %s (%.0f ms)", method, path, reason, elapsed)
                may_retry = unsent if policy is RetryPolicy.CREATE else retryable
                if may_retry and attempt <= opts.max_retries:
                    self._wait(attempt, None, method, path, reason)
                    continue
                raise TransportError(
                    None, "request failed", reason, method=method, path=path, attempts=attempt
                ) from None
            elapsed = (time.monotonic() - started) * 1000
            log.debug("%s %s -> %d (%.0f ms)", method, path, raw.status_code, elapsed)
            self.limiter.observe(raw.headers)
            status = raw.status_code
            hint = retry_after_seconds(raw.headers) if status == 429 else None
            if status == 429:
                self.limiter.pause(hint if hint is not None else 1.0)
            retryable = status in RETRYABLE_STATUSES and (
                policy is RetryPolicy.IDEMPOTENT or status == 429
            )
            if retryable and attempt <= opts.max_retries:
                raw.close()
                self._wait(attempt, hint, method, path, str(status))
                continue
            parsed = _parse_body(raw)
            if parsed is _INVALID:
                if 200 <= status < 300:
                    raise TransportError(
                        status,
                        "invalid response",
                        "the body is not valid JSON",
                        method=method,
                        path=path,
                        attempts=attempt,
                    )
                parsed = None
            return Response(status, raw.headers, parsed, attempt, hint)

    def _wait(self, attempt: int, hint: float | None, method: str, path: str, reason: str) -> None:
        opts = self.options
        jitter = backoff_delay(attempt - 1, opts.backoff_base, opts.backoff_cap, opts.rng)
        # honour the server's hint; a little jitter keeps threads from stampeding
        delay = jitter if hint is None else min(hint, 60.0) + jitter * 0.25
        log.info(
            "impCentral %s %s: %s, retry %d/%d in %.2fs",
            method,
            path,
            reason,
            attempt,
            opts.max_retries,
            delay,
        )
        opts.sleep(delay)

    def close(self) -> None:
        """Release pooled connections."""
        self._session.close()


_INVALID = object()


def _parse_body(raw: requests.Response) -> Any:
    content = raw.content
    if not content or not content.strip():
        return None
    try:
        return json.loads(content)
    except ValueError:
        return _INVALID


def _describe(exc: requests.RequestException) -> tuple[str, bool, bool]:
    """(reason, retryable for idempotent requests, surely not sent) for a requests failure."""
    if isinstance(exc, requests.exceptions.SSLError):
        return "TLS error (certificate or protocol)", False, True
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return "connect timed out", True, True
    if isinstance(exc, requests.exceptions.ReadTimeout):
        return "read timed out", True, False
    if isinstance(exc, requests.exceptions.ConnectionError):
        root: object = exc.args[0] if exc.args else None
        if isinstance(root, urllib3.exceptions.MaxRetryError):
            root = root.reason
        if isinstance(
            root, urllib3.exceptions.NewConnectionError | urllib3.exceptions.NameResolutionError
        ):
            return "could not connect", True, True
        if isinstance(root, urllib3.exceptions.ConnectTimeoutError):
            return "connect timed out", True, True
        return f"connection dropped ({_root_name(root)})", True, False
    if isinstance(
        exc, requests.exceptions.ChunkedEncodingError | requests.exceptions.ContentDecodingError
    ):
        return "response broken off", True, False
    return f"request error ({type(exc).__name__})", False, False


def _root_name(root: object) -> str:
    """A short, secret-free name for the underlying cause."""
    if isinstance(root, urllib3.exceptions.ProtocolError) and root.args:
        inner = root.args[-1]
        if isinstance(inner, BaseException):
            return type(inner).__name__
    return type(root).__name__ if root is not None else "unknown"
