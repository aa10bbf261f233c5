"""OAuth2 client credentials for one Mnubo zone: fetch, cache, refresh.

`POST /oauth/token?grant_type=client_credentials&scope=ALL` with HTTP Basic auth (the Python
and Java SDKs put the grant in the query string; the server accepts it either way). A token is
reused until shortly before `requested_at + expires_in`, and refreshed once when the server
answers 401 anyway (a revoked or restarted-server token). The secret is only ever in the
Basic header, never in a message.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import requests

from impops.providers.mnubo.errors import MnuboAuthError, MnuboUnavailableError, for_status
from impops.providers.mnubo.settings import ZoneSettings

# Refresh this long before expiry: a token must not run out between the check and the call.
REFRESH_MARGIN = 30.0
TOKEN_PATH = "/oauth/token"


@dataclass(frozen=True)
class Token:
    value: str
    expires_at: float


class TokenSource:
    """The current bearer token of one zone; thread-safe."""

    def __init__(
        self,
        settings: ZoneSettings,
        session: requests.Session,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.settings = settings
        self._session = session
        self._clock = clock
        self._lock = threading.Lock()
        self._token: Token | None = None
        self.fetches = 0  # tokens fetched (tests and debugging)

    def header(self) -> str:
        """`Bearer <token>`, fetching a fresh token when none is valid."""
        with self._lock:
            token = self._token
            if token is None or self._clock() >= token.expires_at - REFRESH_MARGIN:
                token = self._token = self._fetch()
            return f"Bearer {token.value}"

    def invalidate(self, header: str) -> None:
        """Forget the token behind `header` (the server refused it)."""
        with self._lock:
            if self._token is not None and header == f"Bearer {self._token.value}":
                self._token = None

    def _fetch(self) -> Token:
        s = self.settings
        started = self._clock()
        try:
            raw = self._session.post(
                s.url + TOKEN_PATH,
                params={"grant_type": "client_credentials", "scope": "ALL"},
                auth=(s.client_id, s.client_secret),
                headers={"Content-Type": "application/x-www-form-urlencoded"},
                timeout=(min(10.0, s.timeout), s.timeout),
            )
        except requests.RequestException as exc:
            raise MnuboUnavailableError(
                None,
                f"no answer ({type(exc).__name__})",
                zone=s.zone,
                method="POST",
                path=TOKEN_PATH,
            ) from None
        if raw.status_code in (400, 401, 403):
            raise MnuboAuthError(
                raw.status_code,
                f"the {s.zone} client credentials were refused (check "
                f"IMPOPS_MNUBO_{s.zone.upper()}_CLIENT_ID and _CLIENT_SECRET)",
                zone=s.zone,
                method="POST",
                path=TOKEN_PATH,
            )
        if not raw.ok:
            raise for_status(raw.status_code)(
                raw.status_code, raw.text[:200], zone=s.zone, method="POST", path=TOKEN_PATH
            )
        try:
            body = raw.json()
            value = str(body["access_token"])
            lifetime = float(body.get("expires_in", 0))
        except (ValueError, KeyError, TypeError):
            raise MnuboAuthError(
                raw.status_code,
                "the token response lacks access_token/expires_in",
                zone=s.zone,
                method="POST",
                path=TOKEN_PATH,
            ) from None
        self.fetches += 1
        return Token(value, started + lifetime)
