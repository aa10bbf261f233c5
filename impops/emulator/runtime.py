"""One emulator instance's state and configuration, and the URL router.

`Runtime` holds everything a running emulator owns (store, log-stream hub, faults, rate
limiter, request log, latency, seed) so that the HTTP layer (`server.py`) and the admin API
(`admin.py`) share one object.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from impops.emulator import admin, auth, logstream
from impops.emulator import resources_deployments as deployments
from impops.emulator import resources_devices as devices
from impops.emulator import resources_groups as groups
from impops.emulator import resources_products as products
from impops.emulator import resources_webhooks as webhooks
from impops.emulator.core import App, Route
from impops.emulator.faults import Faults, RateLimiter, RequestLog
from impops.emulator.jsonapi import ApiError
from impops.emulator.logstream import LogStreamHub
from impops.emulator.seed import apply_seed, load_seed
from impops.emulator.store import Persister, Store

API_ROUTES: list[Route] = [
    *auth.ROUTES,
    *products.ROUTES,
    *groups.ROUTES,
    *devices.ROUTES,
    *deployments.ROUTES,
    *webhooks.ROUTES,
    *logstream.ROUTES,
]


def _compile(pattern: str) -> re.Pattern[str]:
    regex = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(pattern))
    return re.compile(f"^{regex}/?$")


class Router:
    """Pattern routes; 404 for unknown paths, 405 for a known path with another method."""

    def __init__(self, routes: list[tuple[str, str, Any]]) -> None:
        self.routes = [(method, _compile(pattern), target) for method, pattern, target in routes]

    def match(self, method: str, path: str) -> tuple[Any, dict[str, str]]:
        path_known = False
        for route_method, regex, target in self.routes:
            found = regex.match(path)
            if found:
                path_known = True
                if route_method == method:
                    return target, {k: unquote(v) for k, v in found.groupdict().items()}
        if path_known:
            raise ApiError(
                405, "VX405", "Method Not Allowed", f"{method} is not supported on {path}."
            )
        raise ApiError(404, "NF002", "Resource Not Found", f"No such endpoint: {path}")


class Runtime:
    """Everything one emulator instance holds: state, config, faults, limits and logs."""

    def __init__(
        self,
        seed: str | Path | dict[str, Any] | None,
        state_file: str | Path | None,
        latency_ms: int,
        rate_limit: int | None,
        token_lifetime: int,
        group_delete: str = "keep",
    ) -> None:
        self.seed = load_seed(seed)
        self.store = Store()
        self.hub = LogStreamHub()
        self.persister = Persister(self.store, Path(state_file)) if state_file else None
        self.app = App(self.store, self.hub, token_lifetime, self.changed, group_delete)
        self.faults = Faults()
        self.ratelimiter = RateLimiter(rate_limit)
        self.requests = RequestLog()
        self.latency_ms = latency_ms
        self._initial = (latency_ms, rate_limit)
        self.api = Router([(r.method, r.pattern, r) for r in API_ROUTES])
        self.admin = Router(admin.ROUTES)
        with self.store.lock:
            if self.persister is None or not self.persister.load():
                apply_seed(self.store, self.seed)

    def changed(self) -> None:
        if self.persister is not None:
            self.persister.mark_dirty()

    def reset(self) -> None:
        """Back to the seed: state, faults, request log, latency and rate limit."""
        self.hub.close_all()
        with self.store.lock:
            apply_seed(self.store, self.seed)
        self.faults.clear()
        self.requests.clear()
        self.latency_ms, limit = self._initial
        with self.ratelimiter.lock:
            self.ratelimiter.limit = limit
            self.ratelimiter.windows.clear()
        self.changed()
