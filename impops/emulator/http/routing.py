"""Pattern routing shared by the mounts and the admin API: `/products/{id}` style patterns."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote

# Builds the mount's own error for an unknown path (404) or a known path with another method
# (405): each API answers those in its own shape.
MissingRoute = Callable[[int, str, str], Exception]


def compile_pattern(pattern: str) -> re.Pattern[str]:
    """`{name}` matches one path segment; a trailing slash is optional."""
    regex = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(pattern))
    return re.compile(f"^{regex}/?$")


class Router:
    """Pattern routes; `on_missing(404|405, method, path)` for paths that match no route."""

    def __init__(self, routes: list[tuple[str, str, Any]], on_missing: MissingRoute) -> None:
        self.routes = [
            (method, compile_pattern(pattern), target) for method, pattern, target in routes
        ]
        self.on_missing = on_missing

    def match(self, method: str, path: str) -> tuple[Any, dict[str, str]]:
        path_known = False
        for route_method, regex, target in self.routes:
            found = regex.match(path)
            if found:
                path_known = True
                if route_method == method:
                    return target, {k: unquote(v) for k, v in found.groupdict().items()}
        raise self.on_missing(405 if path_known else 404, method, path)
