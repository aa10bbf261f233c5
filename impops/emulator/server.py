"""`EmulatorServer`: the Python API tests, the demo and the CLI use to run the emulator.

It binds the shared HTTP core (`impops.emulator.http`) to a `Runtime` that mounts every
emulated API: impCentral under `/v5`, Mnubo under `/mnubo/sandbox` and `/mnubo/production`,
the admin API under `/_emulator/`.
"""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from impops.emulator.http.server import EmulatorHTTPServer
from impops.emulator.impcentral.mount import GROUP_DELETE_MODES
from impops.emulator.runtime import Runtime

__all__ = ["GROUP_DELETE_MODES", "EmulatorServer"]


def mnubo_env_for(base_url: str) -> dict[str, str]:
    """`IMPOPS_MNUBO_*` settings for an emulator at `base_url` with its default OAuth2
    clients (the demo, the tests and users' CI use the same names; see docs/mnubo.md)."""
    env = {}
    for zone in ("sandbox", "production"):
        env[f"IMPOPS_MNUBO_{zone.upper()}_URL"] = f"{base_url}/mnubo/{zone}"
        env[f"IMPOPS_MNUBO_{zone.upper()}_CLIENT_ID"] = f"{zone}-client"
        env[f"IMPOPS_MNUBO_{zone.upper()}_CLIENT_SECRET"] = f"{zone}-secret"
    return env


class EmulatorServer:
    """A running emulator on `host:port` (port 0: any free port): impCentral v5 at `v5_url`,
    Mnubo v3 at `mnubo_url("sandbox")` and `mnubo_url("production")`.

    Usage: `with EmulatorServer() as emu: requests.post(emu.v5_url + "/auth", ...)`.
    `mnubo` is the Mnubo seed section (clients per zone, App Tokens, initial models; see
    docs/emulator.md); when given it replaces the seed file's `mnubo:` section.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        seed: str | Path | dict[str, Any] | None = None,
        state_file: str | Path | None = None,
        latency_ms: int = 0,
        rate_limit: int | None = None,
        token_lifetime: int = 3600,
        group_delete: str = "cascade",
        mnubo: dict[str, Any] | None = None,
    ) -> None:
        self.host = host
        self.port = port
        self.runtime = Runtime(
            seed, state_file, latency_ms, rate_limit, token_lifetime, group_delete, mnubo
        )
        self._httpd: EmulatorHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.base_url = f"http://{host}:{port}"
        self.v5_url = self.base_url + "/v5"

    def mnubo_env(self) -> dict[str, str]:
        """`IMPOPS_MNUBO_*` settings pointing impops at both zones with the default clients."""
        return mnubo_env_for(self.base_url)

    def mnubo_url(self, zone: str = "sandbox") -> str:
        """A Mnubo client's base URL for `zone` ("sandbox" or "production")."""
        if zone not in ("sandbox", "production"):
            raise ValueError("zone must be 'sandbox' or 'production'")
        return f"{self.base_url}/mnubo/{zone}"

    def start(self) -> EmulatorServer:
        """Bind and serve in a background thread; returns self once it accepts requests."""
        self._httpd = EmulatorHTTPServer((self.host, self.port), self.runtime)
        self.port = self._httpd.port
        shown = self.host if ":" not in self.host else f"[{self.host}]"
        self.base_url = f"http://{shown}:{self.port}"
        self.v5_url = self.base_url + "/v5"
        if self.runtime.persister is not None:
            self.runtime.persister.start()
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.1},
            name="impops-emulator",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, end log streams, and save the state (when --state is used)."""
        self.runtime.impcentral.hub.close_all()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd.close_connections()
            self._httpd = None
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None
        if self.runtime.persister is not None:
            self.runtime.persister.stop()

    def __enter__(self) -> EmulatorServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def admin(self, method: str, path: str, json: object = None) -> object:
        """Call `/_emulator/<path>` over HTTP; the parsed JSON answer, or None for 204."""
        data = None if json is None else _json_bytes(json)
        request = urllib.request.Request(
            f"{self.base_url}/_emulator/{path.lstrip('/')}",
            data=data,
            method=method.upper(),
            headers={"Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310 - loopback
                text = answer.read()
        except urllib.error.HTTPError as exc:
            detail = exc.read().decode("utf-8", errors="replace")
            raise RuntimeError(
                f"emulator admin {method} {path}: HTTP {exc.code}: {detail}"
            ) from None
        return _json_loads(text) if text else None


def _json_bytes(value: object) -> bytes:
    return json.dumps(value).encode("utf-8")


def _json_loads(text: bytes) -> object:
    loaded: object = json.loads(text)
    return loaded
