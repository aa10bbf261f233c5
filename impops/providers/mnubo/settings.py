"""Mnubo credentials and endpoints from the environment: one pair per zone.

| variable | meaning |
|---|---|
| `IMPOPS_MNUBO_SANDBOX_URL` | sandbox base URL (e.g. `https://aiot-sandbox.aspentech.ai`) |
| `IMPOPS_MNUBO_SANDBOX_CLIENT_ID`, `..._CLIENT_SECRET` | sandbox OAuth2 client |
| `IMPOPS_MNUBO_PRODUCTION_URL`, `..._CLIENT_ID`, `..._CLIENT_SECRET` | the same for production |
| `IMPOPS_TIMEOUT` | per-request read timeout in seconds (shared with impCentral; default 30) |

Credentials are per zone in Mnubo (a sandbox client is refused in production). Secrets are
registered with `impops.redact` on load and never appear in `repr`. Plain `http://` is only
accepted for a loopback host (the emulator) unless `IMPOPS_ALLOW_HTTP=1`.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from impops import redact
from impops.errors import ConfigError

ZONES = ("sandbox", "production")
DEFAULT_TIMEOUT = 30.0


def env_names(zone: str) -> tuple[str, str, str]:
    """The three variables of one zone: URL, client id, client secret."""
    prefix = f"IMPOPS_MNUBO_{zone.upper()}"
    return f"{prefix}_URL", f"{prefix}_CLIENT_ID", f"{prefix}_CLIENT_SECRET"


@dataclass(frozen=True)
class ZoneSettings:
    zone: str
    url: str
    client_id: str
    client_secret: str = field(repr=False)
    timeout: float = DEFAULT_TIMEOUT

    def __str__(self) -> str:
        return f"Mnubo {self.zone} at {self.url}"


def _loopback(host: str) -> bool:
    host = host.strip("[]").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _check_url(name: str, url: str, allow_http: bool) -> str:
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
    except ValueError:
        raise ConfigError(f"{name} is not a valid URL") from None
    if parts.scheme not in ("http", "https") or not host:
        raise ConfigError(f"{name} must be an http(s) URL with a host")
    if parts.username or parts.password or parts.query or parts.fragment:
        raise ConfigError(f"{name} must not carry credentials, a query or a fragment")
    if parts.scheme == "http" and not (allow_http or _loopback(host)):
        raise ConfigError(
            f"{name} uses plain http to a non-loopback host; use https (or IMPOPS_ALLOW_HTTP=1)"
        )
    return url.rstrip("/")


def load_zones(
    zones: Iterable[str], env: Mapping[str, str] | None = None
) -> dict[str, ZoneSettings]:
    """Settings of each zone in `zones`; one ConfigError naming every missing variable."""
    env = os.environ if env is None else env
    wanted = [z for z in ZONES if z in set(zones)]
    missing = [n for z in wanted for n in env_names(z) if not env.get(n, "").strip()]
    if missing:
        raise ConfigError(
            "the manifests have a Mnubo section, but these variables are not set: "
            + ", ".join(missing)
        )
    allow_http = env.get("IMPOPS_ALLOW_HTTP", "").strip().lower() in ("1", "true", "yes", "on")
    try:
        timeout = float(env.get("IMPOPS_TIMEOUT", "") or DEFAULT_TIMEOUT)
    except ValueError:
        raise ConfigError("IMPOPS_TIMEOUT must be a number of seconds") from None
    found: dict[str, ZoneSettings] = {}
    for zone in wanted:
        url_name, id_name, secret_name = env_names(zone)
        secret = env[secret_name].strip()
        redact.register(secret)
        found[zone] = ZoneSettings(
            zone=zone,
            url=_check_url(url_name, env[url_name].strip(), allow_http),
            client_id=env[id_name].strip(),
            client_secret=secret,
            timeout=timeout,
        )
    return found
