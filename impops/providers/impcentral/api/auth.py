"""Access tokens: obtain, refresh before expiry, refresh once after a 401; one refresh at a time.

Flows (reference §2):

* login key: `POST /auth/token {"key"}`; renewal exchanges the key again.
* password: `POST /auth {"id", "password"}`; a 403 whose `errors[0].meta.login_token` is set
  asks for two-factor auth: `POST /auth {"login_token"}` with `X-Electricimp-OTP-Token`.
  Renewal uses the refresh token (`POST /auth/token {"token"}`), falling back to a new login.

A token is renewed when less than `min(180 s, 10 % of its lifetime)` remains (impt renews at
3 minutes; the 10 % bound keeps short-lived test tokens from being renewed on every call).
Every token and key is registered with `impops.redact` before it can reach any text.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from impops import redact
from impops.http.transport import RetryPolicy, Transport
from impops.providers.impcentral.api.answers import check_token
from impops.providers.impcentral.api.errors import (
    ApiError,
    AuthenticationError,
    UnexpectedAnswerError,
    error_from_response,
)
from impops.providers.impcentral.settings import Settings

log = logging.getLogger(__name__)

RENEW_BEFORE_SECONDS = 180.0
RENEW_BEFORE_FRACTION = 0.1
DEFAULT_LIFETIME = 3600.0
AUTH_HEADERS = {"Content-Type": "application/json", "Accept": "application/json"}


@dataclass(frozen=True)
class Token:
    """An access token and when (monotonic clock) it should be renewed."""

    access: str
    renew_at: float
    expires_at: float


class TokenManager:
    """Holds the current access token for one set of credentials; thread-safe."""

    def __init__(
        self,
        transport: Transport,
        settings: Settings,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._transport = transport
        self._settings = settings
        self._clock = clock
        self._lock = threading.Lock()
        self._token: Token | None = None
        self._refresh_token: str | None = None

    def token(self) -> str:
        """A valid access token, logging in or renewing first when needed."""
        current = self._token
        if current is not None and self._clock() < current.renew_at:
            return current.access
        with self._lock:
            current = self._token
            if current is None or self._clock() >= current.renew_at:
                current = self._obtain(renewing=current is not None)
                self._token = current
            return current.access

    def invalidate(self, rejected: str) -> None:
        """Called after a 401: renew unless another thread already replaced `rejected`."""
        with self._lock:
            current = self._token
            if current is not None and current.access != rejected:
                return
            self._token = self._obtain(renewing=True)

    # --- flows ----------------------------------------------------------------------------------

    def _obtain(self, renewing: bool) -> Token:
        settings = self._settings
        if renewing and self._refresh_token:
            try:
                return self._exchange({"token": self._refresh_token})
            except ApiError as exc:
                if exc.status is None or exc.status >= 500 or exc.status == 429:
                    raise
                log.debug("refresh token rejected (%s); logging in again", exc.status)
                self._refresh_token = None
        if settings.login_key:
            return self._exchange({"key": settings.login_key})
        return self._password_login()

    def _exchange(self, body: Mapping[str, str]) -> Token:
        started = self._clock()
        response = self._post("/auth/token", body)
        return self._accept(response, started)

    def _password_login(self) -> Token:
        settings = self._settings
        started = self._clock()
        try:
            body = self._post(
                "/auth", {"id": settings.username or "", "password": settings.password or ""}
            )
        except AuthenticationError as exc:
            login_token = _login_token(exc)
            if login_token is None:
                raise
            redact.register(login_token)
            if not settings.otp:
                raise AuthenticationError(
                    exc.status,
                    "Two-factor authentication required",
                    "the account asks for a one-time password; set IMPOPS_OTP",
                    method="POST",
                    path="/auth",
                ) from None
            started = self._clock()
            body = self._post(
                "/auth", {"login_token": login_token}, {"X-Electricimp-OTP-Token": settings.otp}
            )
        return self._accept(body, started)

    def _post(
        self, path: str, body: Mapping[str, str], extra: Mapping[str, str] | None = None
    ) -> Any:
        headers = dict(AUTH_HEADERS)
        headers.update(extra or {})
        response = self._transport.send(
            "POST", path, body=dict(body), headers=headers, policy=RetryPolicy.IDEMPOTENT
        )
        if not response.ok:
            raise error_from_response(
                response.status,
                response.body,
                method="POST",
                path=path,
                attempts=response.attempts,
            )
        problem = response.body_problem or check_token(response.body)
        if problem is not None:
            raise UnexpectedAnswerError(
                response.status, problem, method="POST", path=path, attempts=response.attempts
            )
        return response.body

    def _accept(self, body: Any, started: float) -> Token:
        access = body["access_token"]
        redact.register(access)
        refresh = body.get("refresh_token")
        if isinstance(refresh, str) and refresh:
            redact.register(refresh)
            self._refresh_token = refresh
        lifetime = _lifetime(body.get("expires_in"))
        margin = min(RENEW_BEFORE_SECONDS, lifetime * RENEW_BEFORE_FRACTION)
        return Token(access, started + lifetime - margin, started + lifetime)


def _lifetime(value: object) -> float:
    try:
        lifetime = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return DEFAULT_LIFETIME
    return lifetime if lifetime > 0 else DEFAULT_LIFETIME


def _login_token(exc: ApiError) -> str | None:
    """The 2FA login token of a `POST /auth` 403, if that is what this error is."""
    if exc.status != 403:
        return None
    for entry in exc.errors:
        meta = entry.get("meta")
        if isinstance(meta, Mapping):
            value = meta.get("login_token")
            if isinstance(value, str) and value:
                return value
    return None
