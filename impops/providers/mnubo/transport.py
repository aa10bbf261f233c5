"""HTTP for one Mnubo zone: bearer auth, gzip bodies, timeouts, retries on 502/503.

impops' shared `impops.http.transport` speaks JSON bodies only and maps a non-JSON success
body to an error; Mnubo answers errors (and `POST /events`) in plain text and SDKs gzip
request bodies, so this thin transport sits on `requests` directly and reuses only the
shared backoff timing.

Retries: 502, 503 and 504 and dropped connections are retried with exponential backoff for
`Safety.IDEMPOTENT` calls (reads, PUTs, DELETEs, relation POSTs, the registry upsert). A
`Safety.CREATE` call (a model create, a deploy) is never blindly repeated: it is retried only
when it surely did not reach the server (connection refused); otherwise the caller looks the
entity up before trying again. A 401 refreshes the token once.
"""

from __future__ import annotations

import enum
import gzip
import json
import logging
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import requests
import urllib3

from impops import __version__
from impops.http.ratelimit import backoff_delay
from impops.providers.mnubo.auth import TokenSource
from impops.providers.mnubo.errors import MnuboUnavailableError, for_status
from impops.providers.mnubo.settings import ZoneSettings

log = logging.getLogger(__name__)
RETRYABLE = frozenset({502, 503, 504})


class Safety(enum.Enum):
    IDEMPOTENT = "idempotent"
    CREATE = "create"


@dataclass
class RetryOptions:
    max_retries: int = 5
    backoff_base: float = 0.5
    backoff_cap: float = 10.0
    rng: Callable[[], float] = field(default=random.random)
    sleep: Callable[[float], None] = field(default=time.sleep)


def path_of(*parts: str) -> str:
    """`/api/v3/<parts>` with each part URL-encoded (keys and device ids are user data)."""
    return "/api/v3/" + "/".join(quote(p, safe="") for p in parts)


class ZoneTransport:
    """Sends requests to one zone and returns the parsed body (JSON, text or None)."""

    def __init__(self, settings: ZoneSettings, options: RetryOptions | None = None) -> None:
        self.settings = settings
        self.zone = settings.zone
        self.options = options or RetryOptions()
        self._session = requests.Session()
        self._session.headers.update(
            {"User-Agent": f"impops/{__version__}", "X-MNUBO-SDK": f"impops/{__version__}"}
        )
        self.tokens = TokenSource(settings, self._session)
        self.requests = 0  # HTTP requests sent (tests)

    def send(
        self,
        method: str,
        path: str,
        *,
        body: Any = None,
        params: Mapping[str, str] | None = None,
        safety: Safety = Safety.IDEMPOTENT,
    ) -> Any:
        """One logical request; raises a `MnuboError` subclass for any non-2xx answer."""
        data: bytes | None = None
        headers = {"Accept": "application/json", "Accept-Encoding": "gzip"}
        if body is not None:
            # gzip request bodies, as the official clients do by default
            data = gzip.compress(json.dumps(body, separators=(",", ":")).encode())
            headers |= {"Content-Type": "application/json", "Content-Encoding": "gzip"}
        attempt, refreshed = 0, False
        while True:
            attempt += 1
            auth = self.tokens.header()
            self.requests += 1
            try:
                raw = self._session.request(
                    method,
                    self.settings.url + path,
                    params=params,
                    data=data,
                    headers={**headers, "Authorization": auth},
                    timeout=(min(10.0, self.settings.timeout), self.settings.timeout),
                    allow_redirects=False,
                )
            except requests.RequestException as exc:
                reason, unsent = _describe(exc)
                if (unsent or safety is Safety.IDEMPOTENT) and attempt <= self.options.max_retries:
                    self._wait(attempt, method, path, reason)
                    continue
                raise MnuboUnavailableError(
                    None, reason, zone=self.zone, method=method, path=path, attempts=attempt
                ) from None
            status = raw.status_code
            if status == 401 and not refreshed:
                refreshed = True
                self.tokens.invalidate(auth)
                attempt -= 1
                continue
            retry = status in RETRYABLE and safety is Safety.IDEMPOTENT
            if retry and attempt <= self.options.max_retries:
                self._wait(attempt, method, path, str(status))
                continue
            if not 200 <= status < 300:
                raise for_status(status)(
                    status,
                    _text(raw),
                    zone=self.zone,
                    method=method,
                    path=path,
                    attempts=attempt,
                )
            return _parse(raw)

    def _wait(self, attempt: int, method: str, path: str, reason: str) -> None:
        o = self.options
        delay = backoff_delay(attempt - 1, o.backoff_base, o.backoff_cap, o.rng)
        log.info(
            "Mnubo %s %s %s: %s, retry %d in %.2fs", self.zone, method, path, reason, attempt, delay
        )
        o.sleep(delay)

    def close(self) -> None:
        self._session.close()


def _text(raw: requests.Response) -> str:
    text = raw.text.strip()
    return text[:300] or (raw.reason or "no reason given")


def _parse(raw: requests.Response) -> Any:
    if not raw.content.strip():
        return None
    if "json" in raw.headers.get("Content-Type", ""):
        try:
            return raw.json()
        except ValueError:
            pass
    try:
        return json.loads(raw.content)
    except ValueError:
        return raw.text  # Mnubo answers `OK` in text on some calls


def _describe(exc: requests.RequestException) -> tuple[str, bool]:
    """(reason, surely not sent) of a request that got no HTTP answer."""
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return "connect timed out", True
    if isinstance(exc, requests.exceptions.ReadTimeout):
        return "read timed out", False
    if isinstance(exc, requests.exceptions.ConnectionError):
        root: object = exc.args[0] if exc.args else None
        if isinstance(root, urllib3.exceptions.MaxRetryError):
            root = root.reason
        if isinstance(root, urllib3.exceptions.NewConnectionError):
            return "could not connect", True
        return "connection dropped", False
    return f"request error ({type(exc).__name__})", False
