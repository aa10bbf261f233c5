"""HTTP transport: one pooled `requests.Session`, timeouts, a per-call deadline, rate limiting
and retries.

The transport knows nothing about any service's resources, errors or tokens (it is shared by the
impCentral and Mnubo clients). It sends one logical request, retrying what is safe to retry
under the given `RetryPolicy`, and returns the final `Response` whatever its status or body;
only a request that never got an HTTP answer raises: the `on_failure` hook turns the neutral
`Failure` into the service's own error (default: `TransportFailure`). A body that is not JSON
is reported in `Response.body_problem`, for the service layer to word and refuse.

Time limits (`TransportOptions`): `connect_timeout` and `timeout` (read) per attempt, and
`deadline` for the whole call, retries and their waits included: no attempt starts after it,
an attempt's timeouts are cut to what is left of it, and a retry whose wait would end past it
is not made. A server that accepts and never answers therefore fails the call within about
`deadline` seconds.

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
from impops.redact import scrub

log = logging.getLogger(__name__)

USER_AGENT = f"impops/{__version__}"
EMPTY_BODY = "the body is empty"  # `Response.body_problem` of a body-less answer (e.g. 204)
RETRYABLE_STATUSES = frozenset({429, 502, 503, 504})


class RetryPolicy(enum.Enum):
    """How much of a failed request may be repeated (see the module docstring)."""

    IDEMPOTENT = "idempotent"
    CREATE = "create"


@dataclass(frozen=True)
class Response:
    """The final answer to a request: status, headers, parsed JSON body.

    `body` is None when the body was empty or not JSON; `body_problem` then says which
    (`None` for a JSON body, "the body is empty", "the body is not JSON (text/html)").
    """

    status: int
    headers: Mapping[str, str]
    body: Any
    attempts: int = 1
    retry_after: float | None = None
    body_problem: str | None = None

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


@dataclass(frozen=True)
class Failure:
    """A request that got no usable HTTP answer, for `on_failure` to turn into an error."""

    method: str
    path: str  # display path: no origin, no query
    reason: str  # e.g. "read timed out", "could not connect"
    attempts: int
    elapsed: float  # seconds since the call started
    deadline_hit: bool  # the per-call deadline ended the retries


class TransportFailure(Exception):
    """The default error for a `Failure` (services install their own through `on_failure`)."""

    def __init__(self, failure: Failure) -> None:
        self.failure = failure
        super().__init__(describe_failure(failure))


def describe_failure(failure: Failure) -> str:
    """`read timed out (3 attempts in 45.0 s, the per-call deadline)`: the detail of a failure."""
    tries = "1 attempt" if failure.attempts == 1 else f"{failure.attempts} attempts"
    limit = ", the per-call deadline" if failure.deadline_hit else ""
    return f"{failure.reason} ({tries} in {failure.elapsed:.1f} s{limit})"


# Defaults a CI job can live with: a hung server fails the call in about 45 s (two full read
# timeouts, their backoff and a shortened third attempt), not minutes.
DEFAULT_CONNECT_TIMEOUT = 5.0
DEFAULT_READ_TIMEOUT = 20.0
DEFAULT_DEADLINE = 45.0


@dataclass
class TransportOptions:
    """Tunables; defaults suit the real impCentral (see the module docstring for timing)."""

    timeout: float = DEFAULT_READ_TIMEOUT  # read timeout of one attempt
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT
    deadline: float = DEFAULT_DEADLINE  # whole call, retries included
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
        *,
        on_failure: Callable[[Failure], Exception] = TransportFailure,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.endpoint = endpoint.rstrip("/")
        parts = urlsplit(self.endpoint)
        self._origin = f"{parts.scheme}://{parts.netloc}"
        self._base_path = parts.path.rstrip("/")
        self.limiter = limiter or RateLimiter(0)
        self.options = options or TransportOptions()
        self._on_failure = on_failure
        self._clock = clock
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

    def deadline(self) -> float:
        """The clock value by which a call starting now must end (`options.deadline` away)."""
        return self._clock() + self.options.deadline

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
        deadline: float | None = None,
    ) -> Response:
        """Send one logical request (with retries) and return the final response.

        `deadline` is a clock value shared by several sends of one logical call (a 401 renewal
        repeats the request within the same budget); by default the call gets a fresh one.
        """
        url = self.url(path_or_url)
        data = None if body is None else json.dumps(body, separators=(",", ":")).encode()
        path = self.display_path(url)
        opts = self.options
        started = self._clock()
        ends = deadline if deadline is not None else started + opts.deadline
        attempt = 0
        last = "the deadline passed before it was sent"
        while True:
            attempt += 1
            self.limiter.acquire()
            left = ends - self._clock()
            if left <= 0:  # the limiter (or a server pause) used up the rest of the budget
                raise self._fail(method, path, last, attempt - 1, started, True)
            sent = self._clock()
            read = min(opts.timeout, left)
            try:
                raw = self._session.request(
                    method,
                    url,
                    params=params,
                    data=data,
                    headers=dict(headers or {}),
                    timeout=(min(opts.connect_timeout, read), read),
                    allow_redirects=False,
                )
                content = raw.content  # read here, so that a broken-off body is retried too
            except requests.RequestException as exc:
                elapsed = (self._clock() - sent) * 1000
                reason, retryable, unsent = _describe(exc)
                last = reason
                log.debug("%s %s -> %s (%.0f ms)", method, path, reason, elapsed)
                may_retry = unsent if policy is RetryPolicy.CREATE else retryable
                if may_retry and attempt <= opts.max_retries:
                    if self._wait(attempt, None, method, path, reason, ends):
                        continue
                    raise self._fail(method, path, reason, attempt, started, True) from None
                raise self._fail(method, path, reason, attempt, started, False) from None
            elapsed = (self._clock() - sent) * 1000
            log.debug("%s %s -> %d (%.0f ms)", method, path, raw.status_code, elapsed)
            self.limiter.observe(raw.headers)
            status = raw.status_code
            hint = retry_after_seconds(raw.headers) if status == 429 else None
            if status == 429:
                self.limiter.pause(hint if hint is not None else 1.0)
            retryable = status in RETRYABLE_STATUSES and (
                policy is RetryPolicy.IDEMPOTENT or status == 429
            )
            last = f"answered {status}"
            if (
                retryable
                and attempt <= opts.max_retries
                and self._wait(attempt, hint, method, path, str(status), ends)
            ):
                continue
            parsed, problem = _parse_body(content, raw.headers.get("Content-Type", ""))
            return Response(status, raw.headers, parsed, attempt, hint, problem)

    def _fail(
        self, method: str, path: str, reason: str, attempts: int, started: float, hit: bool
    ) -> Exception:
        failure = Failure(method, path, reason, max(1, attempts), self._clock() - started, hit)
        return self._on_failure(failure)

    def _wait(
        self, attempt: int, hint: float | None, method: str, path: str, reason: str, ends: float
    ) -> bool:
        """Sleep before retry `attempt`; False (no sleep) when the wait would pass `ends`."""
        opts = self.options
        jitter = backoff_delay(attempt - 1, opts.backoff_base, opts.backoff_cap, opts.rng)
        # honour the server's hint; a little jitter keeps threads from stampeding
        delay = jitter if hint is None else min(hint, 60.0) + jitter * 0.25
        if self._clock() + delay >= ends:
            log.info("%s %s: %s; no retry, the call's deadline is near", method, path, reason)
            return False
        log.info(
            "%s %s: %s, retry %d/%d in %.2fs",
            method,
            path,
            reason,
            attempt,
            opts.max_retries,
            delay,
        )
        opts.sleep(delay)
        return True

    def close(self) -> None:
        """Release pooled connections."""
        self._session.close()


def _parse_body(content: bytes, content_type: str) -> tuple[Any, str | None]:
    """(parsed JSON or None, what is wrong with the body or None)."""
    if not content or not content.strip():
        return None, EMPTY_BODY
    try:
        return json.loads(content), None
    except UnicodeDecodeError:
        return None, _not_json(content_type)
    except RecursionError:  # a hostile or broken server must not crash the parser
        return None, "the JSON body is nested too deeply"
    except json.JSONDecodeError as exc:
        # the parser stopped at the very end, or inside a string running to the end
        if exc.pos >= len(exc.doc.rstrip()) or exc.msg.startswith("Unterminated string"):
            return None, "the JSON body is cut short"
        return None, _not_json(content_type)


def _not_json(content_type: str) -> str:
    kind = content_type.split(";", 1)[0].strip()[:60]
    return f"the body is not JSON ({kind})" if kind else "the body is not JSON"


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
