"""A small GitHub REST client: token auth, Link-header pagination, clear errors, rate limits.

Only what `impops comment` needs. Design points:

- The token is sent as `Authorization: Bearer …`, registered with `impops.redact` (so it is
  scrubbed from any text impops prints) and never put into a message: errors name the method
  and path of the request, the status and GitHub's own `message`, nothing else.
- Pagination follows `Link: <…>; rel="next"` until there is none, but only to the same scheme
  and host as the API URL, so a forged header cannot send the token elsewhere.
- Rate limits: a 429, or a 403 that says it is rate-limited (`Retry-After`,
  `X-RateLimit-Remaining: 0` or a "rate limit" message), waits and retries; a successful answer
  with `X-RateLimit-Remaining: 0` makes the *next* request wait for `X-RateLimit-Reset`. Every
  wait is bounded by `max_wait`: a longer one fails at once with the reset time in the message
  instead of hanging a CI job.
- 502/503/504 and connection errors are retried for GET and PATCH only: a retried POST could
  create a second comment.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import requests

from impops import __version__, redact
from impops.errors import ConfigError, ImpopsError
from impops.http.policy import is_loopback_host

log = logging.getLogger("impops.github")

DEFAULT_API_URL = "https://api.github.com"
DEFAULT_MAX_WAIT = 60.0  # seconds, per wait on a rate limit
SECONDARY_LIMIT_WAIT = 60.0  # GitHub: wait at least a minute after a secondary limit
ATTEMPTS = 3
PER_PAGE = 100  # GitHub's maximum page size
TIMEOUT = (10.0, 30.0)  # connect, read

_HINTS = {
    401: "the token was refused; check that GITHUB_TOKEN is set to a valid token",
    403: "the token lacks permission; the workflow needs `pull-requests: write` "
    "(plan comments) or `issues: write` (drift issues)",
    404: "check --repo and --pr/--issue; GitHub also answers 404 when the token cannot see "
    "a private repository",
}


class GitHubError(ImpopsError):
    """A GitHub request failed; the message names the request, never the token."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(redact.scrub(message))
        self.status = status


class GitHubRateLimitError(GitHubError):
    """Rate-limited for longer than the caller is willing to wait."""


@dataclass(frozen=True)
class Response:
    """What callers need from an answer: status, parsed JSON and the `next` page URL."""

    status: int
    data: Any
    next_url: str | None


def check_api_url(url: str) -> str:
    """The API base URL without a trailing slash: https, or http only to a loopback host."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"--api-url must be an absolute http(s) URL, not {url!r}")
    if parts.username or parts.password:
        raise ConfigError("--api-url must not contain credentials; use GITHUB_TOKEN")
    if parts.scheme == "http" and not is_loopback_host(parts.hostname):
        raise ConfigError("--api-url must use https (plain http only to a loopback address)")
    return url.rstrip("/")


class GitHubClient:
    """Blocking client over one `requests.Session`; `sleep`/`clock` are injectable for tests."""

    def __init__(
        self,
        token: str,
        api_url: str = DEFAULT_API_URL,
        *,
        max_wait: float = DEFAULT_MAX_WAIT,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if not token:
            raise ConfigError("no GitHub token: set GITHUB_TOKEN (in Actions: ${{ github.token }})")
        redact.register(token)
        self.api_url = check_api_url(api_url)
        self._origin = urlsplit(self.api_url)[:2]
        self.max_wait = max_wait
        self._sleep = sleep
        self._clock = clock
        self._not_before = 0.0  # wall-clock time before which no request is sent
        self._session = requests.Session()
        self._session.headers.update(
            {
                "Authorization": f"Bearer {token}",
                "Accept": "application/vnd.github+json",
                "X-GitHub-Api-Version": "2022-11-28",
                "User-Agent": f"impops/{__version__}",
            }
        )

    def close(self) -> None:
        self._session.close()

    def __enter__(self) -> GitHubClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- public ---------------------------------------------------------------------------------

    def get(self, path: str, params: Mapping[str, str | int] | None = None) -> Any:
        return self.request("GET", path, params=params).data

    def post(self, path: str, body: Mapping[str, Any]) -> Any:
        return self.request("POST", path, json=body).data

    def patch(self, path: str, body: Mapping[str, Any]) -> Any:
        return self.request("PATCH", path, json=body).data

    def paginate(
        self, path: str, params: Mapping[str, str | int] | None = None
    ) -> Iterator[dict[str, Any]]:
        """Every item of a list endpoint, page after page (Link `rel="next"`)."""
        query: dict[str, str | int] = {"per_page": PER_PAGE, **(params or {})}
        response = self.request("GET", path, params=query)
        while True:
            if not isinstance(response.data, list):
                raise GitHubError(f"GitHub answered GET {path} with a non-list", response.status)
            yield from response.data
            if not response.next_url:
                return
            response = self.request("GET", response.next_url)

    # --- internals ------------------------------------------------------------------------------

    def _url(self, path: str) -> str:
        if path.startswith(("http://", "https://")):
            if urlsplit(path)[:2] != self._origin:
                raise GitHubError("GitHub returned a pagination link to another host; refused")
            return path
        return self.api_url + "/" + path.lstrip("/")

    def _label(self, method: str, url: str) -> str:
        """`GET /repos/o/r/issues/1/comments?page=2`, for messages (no host, no token)."""
        parts = urlsplit(url)
        return f"{method} {parts.path}" + (f"?{parts.query}" if parts.query else "")

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str | int] | None = None,
        json: Mapping[str, Any] | None = None,
    ) -> Response:
        url = self._url(path)
        label = self._label(method, url)
        retry_server_errors = method in ("GET", "PATCH")
        for attempt in range(1, ATTEMPTS + 1):
            self._wait_until(self._not_before, label)
            try:
                resp = self._session.request(
                    method, url, params=params, json=json, timeout=TIMEOUT, allow_redirects=False
                )
            except requests.RequestException as exc:
                if retry_server_errors and attempt < ATTEMPTS:
                    log.warning("%s: %s; retrying", label, type(exc).__name__)
                    self._sleep(float(attempt))
                    continue
                raise GitHubError(f"{label} failed: {type(exc).__name__}: {exc}") from None
            label = self._label(method, resp.url or url)  # with the query string
            log.debug("%s -> %s", label, resp.status_code)
            self._note_remaining(resp)
            wait = self._rate_limit_wait(resp)
            if wait is not None and attempt < ATTEMPTS:
                self._wait_until(self._clock() + wait, label, resp.status_code)
                continue
            if resp.status_code in (502, 503, 504) and retry_server_errors and attempt < ATTEMPTS:
                log.warning("%s -> %s; retrying", label, resp.status_code)
                self._sleep(float(attempt))
                continue
            if resp.status_code >= 400:
                raise self._error(label, resp, rate_limited=wait is not None)
            data = resp.json() if resp.content else None
            next_url = resp.links.get("next", {}).get("url")
            return Response(resp.status_code, data, next_url)
        raise AssertionError("unreachable")  # pragma: no cover

    def _note_remaining(self, resp: requests.Response) -> None:
        """`X-RateLimit-Remaining: 0`: hold the next request until the advertised reset."""
        if resp.headers.get("X-RateLimit-Remaining") == "0":
            reset = _number(resp.headers.get("X-RateLimit-Reset"))
            if reset is not None:
                self._not_before = max(self._not_before, reset + 1.0)

    def _rate_limit_wait(self, resp: requests.Response) -> float | None:
        """Seconds to wait before retrying a rate-limited answer, or None if not rate-limited."""
        if resp.status_code not in (403, 429):
            return None
        retry_after = _number(resp.headers.get("Retry-After"))
        if retry_after is not None:
            return max(retry_after, 0.0)
        if resp.headers.get("X-RateLimit-Remaining") == "0":
            reset = _number(resp.headers.get("X-RateLimit-Reset"))
            if reset is not None:
                return max(reset + 1.0 - self._clock(), 0.0)
        if resp.status_code == 429 or "rate limit" in _message(resp).lower():
            return SECONDARY_LIMIT_WAIT
        return None

    def _wait_until(self, when: float, label: str, status: int | None = None) -> None:
        delay = when - self._clock()
        if delay <= 0:
            return
        if delay > self.max_wait:
            at = datetime.fromtimestamp(when, UTC).strftime("%H:%M:%S UTC")
            raise GitHubRateLimitError(
                f"GitHub rate limit: {label} may be retried at {at} (in {delay:.0f} s), "
                f"longer than the {self.max_wait:.0f} s this run waits (--max-wait)",
                status,
            )
        log.warning("GitHub rate limit: waiting %.0f s before %s", delay, label)
        self._sleep(delay)

    def _error(self, label: str, resp: requests.Response, *, rate_limited: bool) -> GitHubError:
        status = resp.status_code
        text = f"GitHub answered {status} {resp.reason or ''}".rstrip() + f" to {label}"
        message = _message(resp)
        if message:
            text += f": {message}"
        if rate_limited:
            return GitHubRateLimitError(text + " (still rate-limited after retries)", status)
        hint = _HINTS.get(status)
        if hint:
            text += f" ({hint})"
        return GitHubError(text, status)


def _number(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def _message(resp: requests.Response) -> str:
    """GitHub's `message` field, shortened; never the raw body (it could echo a request)."""
    try:
        data = resp.json()
    except ValueError:
        return ""
    message = data.get("message", "") if isinstance(data, dict) else ""
    return str(message)[:200]
