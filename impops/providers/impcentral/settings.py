"""Endpoint and credentials for the impCentral client, read from `IMPOPS_*` variables.

`Settings` is frozen, validates itself on construction, registers every secret with
`impops.redact` and never shows a secret in `repr`/`str`.

| variable | meaning |
|---|---|
| `IMPOPS_ENDPOINT` | API base URL; default `https://api.electricimp.com/v5` (or the project's) |
| `IMPOPS_LOGIN_KEY` | login key (preferred in CI) |
| `IMPOPS_USERNAME`, `IMPOPS_PASSWORD` | password login (used when no login key is set) |
| `IMPOPS_OTP` | one-time password, when the account uses two-factor authentication |
| `IMPOPS_UNBOND_KEY` | unbond key, to remove devices from production groups |
| `IMPOPS_ALLOW_HTTP` | `1` allows a plain `http://` endpoint that is not loopback |
| `IMPOPS_TIMEOUT` | deadline of one API call in seconds, retries included (default 45) |
| `IMPOPS_RATE_LIMIT` | cap on client requests/second (default: learned from the server; 0: off) |

Timing: `IMPOPS_TIMEOUT` (T, default 45 s) bounds each API call as a whole, retries and their
waits included, so a server that accepts and never answers fails the call in about T seconds
(it was 188 s with the old per-attempt timeouts). Each attempt gets a read timeout of T / 2.25
(20 s by default: two full attempts and their backoff fit, the third is cut short) and a
connect timeout of at most 5 s.

Pacing: by default the limiter learns the advertised rate from `X-RateLimit-Limit` /
`X-RateLimit-Reset` (impCentral sends 40 per 1 s) and paces every thread of the client to 90 %
of it. Until the first answer with those headers (normally the auth answer, the first request
of a run) it paces to 20 requests/s, half the documented limit, or not at all on a loopback
endpoint (the emulator without `--rate-limit` sends no headers and must not be throttled).
`IMPOPS_RATE_LIMIT=N` caps the rate at N whatever is learned; `0` turns pacing off (the client
still waits on a 429 and on `X-RateLimit-Remaining: 0`).

Plain `http://` is refused unless the host is loopback (127.0.0.0/8, ::1, `localhost`) or
`IMPOPS_ALLOW_HTTP=1`: bearer tokens and passwords must not cross a network in clear text.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from impops import redact
from impops.errors import ConfigError
from impops.http.policy import is_loopback_host

__all__ = ["DEFAULT_ENDPOINT", "Settings", "check_endpoint", "is_loopback_host"]

DEFAULT_ENDPOINT = "https://api.electricimp.com/v5"
DEFAULT_TIMEOUT = 45.0  # the per-call deadline; see the module docstring
READ_TIMEOUT_DIVISOR = 2.25  # read timeout = deadline / 2.25 (20 s of 45 s)
MAX_CONNECT_TIMEOUT = 5.0
# The pace before the server has advertised its limit. impCentral answered with
# X-RateLimit-Limit: 40 (per second); half of it is safe while nothing is known yet. A loopback
# endpoint (the emulator) starts unpaced: it must not throttle tests and benchmarks, and an
# emulator with --rate-limit advertises its limit, which is then learned.
DEFAULT_RATE_LIMIT = 20.0

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"", "0", "false", "no", "off"}


def check_endpoint(endpoint: str, allow_http: bool = False) -> str:
    """Validate the endpoint URL policy and return it normalised (no trailing slash).

    Only https, or http to a loopback host (or with `allow_http`). URLs with embedded
    credentials, a query or a fragment are refused. Messages never echo userinfo.
    """
    text = endpoint.strip()
    try:
        parts = urlsplit(text)
        host = parts.hostname or ""
        _ = parts.port  # raises ValueError on a bad port
    except ValueError as exc:
        raise ConfigError(f"IMPOPS_ENDPOINT is not a valid URL: {exc}") from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not host:
        raise ConfigError(
            "IMPOPS_ENDPOINT must be an absolute https:// URL, e.g. https://api.electricimp.com/v5"
        )
    if parts.username is not None or parts.password is not None:
        raise ConfigError(
            "IMPOPS_ENDPOINT must not contain credentials; use IMPOPS_LOGIN_KEY or "
            "IMPOPS_USERNAME/IMPOPS_PASSWORD"
        )
    if parts.query or parts.fragment:
        raise ConfigError("IMPOPS_ENDPOINT must not have a query or a fragment")
    if scheme == "http" and not allow_http and not is_loopback_host(host):
        raise ConfigError(
            f"refusing plain http endpoint {scheme}://{parts.netloc}{parts.path}: "
            "credentials would travel unencrypted; use https, a loopback address, "
            "or set IMPOPS_ALLOW_HTTP=1"
        )
    return f"{scheme}://{parts.netloc}{parts.path}".rstrip("/")


def _mask(value: str | None) -> str:
    return "<unset>" if not value else "<set>"


@dataclass(frozen=True, repr=False)
class Settings:
    """Validated client settings. Construct with `from_env()` or directly (same checks)."""

    endpoint: str = DEFAULT_ENDPOINT
    login_key: str | None = None
    username: str | None = None
    password: str | None = None
    otp: str | None = None
    unbond_key: str | None = None
    allow_http: bool = False
    timeout: float = DEFAULT_TIMEOUT  # per-call deadline in seconds, retries included
    rate_limit: float | None = None  # None: learned; N > 0: learned, capped at N; 0: off

    def __post_init__(self) -> None:
        for secret in (self.login_key, self.password, self.otp, self.unbond_key):
            if secret:
                redact.register(secret)
        object.__setattr__(self, "endpoint", check_endpoint(self.endpoint, self.allow_http))
        if not self.login_key:
            if not self.username and not self.password:
                raise ConfigError(
                    "no impCentral credentials: set IMPOPS_LOGIN_KEY, "
                    "or IMPOPS_USERNAME and IMPOPS_PASSWORD"
                )
            if not self.username:
                raise ConfigError("IMPOPS_PASSWORD is set but IMPOPS_USERNAME is missing")
            if not self.password:
                raise ConfigError("IMPOPS_USERNAME is set but IMPOPS_PASSWORD is missing")
        if not self.timeout > 0:
            raise ConfigError("IMPOPS_TIMEOUT must be a positive number of seconds")
        if self.rate_limit is not None and not self.rate_limit >= 0:
            raise ConfigError("IMPOPS_RATE_LIMIT must be >= 0 (0 disables the limiter)")

    @classmethod
    def from_env(
        cls, env: Mapping[str, str] | None = None, default_endpoint: str | None = None
    ) -> Settings:
        """Read settings from `env` (default `os.environ`).

        `default_endpoint` (e.g. from the project file) is used when `IMPOPS_ENDPOINT` is
        unset or empty; the environment always wins.
        """
        source = os.environ if env is None else env

        def get(name: str) -> str | None:
            value = source.get(name)
            return value.strip() if value and value.strip() else None

        return cls(
            endpoint=get("IMPOPS_ENDPOINT") or default_endpoint or DEFAULT_ENDPOINT,
            login_key=get("IMPOPS_LOGIN_KEY"),
            username=get("IMPOPS_USERNAME"),
            # passwords are taken verbatim (spaces may be part of them)
            password=source.get("IMPOPS_PASSWORD") or None,
            otp=get("IMPOPS_OTP"),
            unbond_key=get("IMPOPS_UNBOND_KEY"),
            allow_http=_flag(source, "IMPOPS_ALLOW_HTTP"),
            timeout=_number(source, "IMPOPS_TIMEOUT", DEFAULT_TIMEOUT) or 0.0,
            rate_limit=_number(source, "IMPOPS_RATE_LIMIT", None),
        )

    @property
    def read_timeout(self) -> float:
        """Read timeout of one attempt: the deadline / 2.25 (20 s by default)."""
        return self.timeout / READ_TIMEOUT_DIVISOR

    @property
    def connect_timeout(self) -> float:
        """Connect timeout of one attempt: at most 5 s, never more than the read timeout."""
        return min(MAX_CONNECT_TIMEOUT, self.read_timeout)

    @property
    def learns_rate_limit(self) -> bool:
        """Whether the limiter adopts the server's advertised limit (all but `0`)."""
        return self.rate_limit != 0

    @property
    def effective_rate_limit(self) -> float:
        """Requests per second before the server advertises a limit (0: unpaced)."""
        if self.rate_limit is not None:
            return self.rate_limit
        return (
            0.0 if is_loopback_host(urlsplit(self.endpoint).hostname or "") else DEFAULT_RATE_LIMIT
        )

    @property
    def auth_method(self) -> str:
        """`login_key` or `password`: which credentials the client will use."""
        return "login_key" if self.login_key else "password"

    def fingerprint_material(self) -> str:
        """Secret material identifying the account's credentials, to key plan fingerprints."""
        if self.login_key:
            return f"login_key\0{self.login_key}"
        return f"password\0{self.username}\0{self.password}"

    def __repr__(self) -> str:
        return (
            f"Settings(endpoint={self.endpoint!r}, auth={self.auth_method}, "
            f"login_key={_mask(self.login_key)}, username={self.username!r}, "
            f"password={_mask(self.password)}, otp={_mask(self.otp)}, "
            f"unbond_key={_mask(self.unbond_key)}, allow_http={self.allow_http}, "
            f"timeout={self.timeout:g}, rate_limit={self.effective_rate_limit:g})"
        )

    __str__ = __repr__


def _flag(env: Mapping[str, str], name: str) -> bool:
    value = (env.get(name) or "").strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ConfigError(f"{name} must be 1 or 0, not {value!r}")


def _number(env: Mapping[str, str], name: str, default: float | None) -> float | None:
    value = (env.get(name) or "").strip()
    if not value:
        return default
    try:
        number = float(value)
    except ValueError:
        raise ConfigError(f"{name} must be a number, not {value!r}") from None
    if number != number or number in (float("inf"), float("-inf")):
        raise ConfigError(f"{name} must be a finite number")
    return number
