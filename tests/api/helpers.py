"""Shared helpers of the client tests: default-seed credentials and request-log queries."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from impops.providers.impcentral.api import ImpCentralClient

LOGIN_KEY = "0123456789abcdef"
USERNAME = "operator"
PASSWORD = "impops-demo"

MakeClient = Callable[..., ImpCentralClient]


def request_log(emulator: Any) -> list[dict[str, Any]]:
    """The emulator's log of /v5 requests: dicts with method, path, status (and fault)."""
    result = emulator.admin("GET", "requests")
    if isinstance(result, dict):
        for key in ("requests", "data", "entries"):
            if isinstance(result.get(key), list):
                return list(result[key])
    assert isinstance(result, list), result
    return result


def log_since(emulator: Any, offset: int) -> list[dict[str, Any]]:
    """Request-log entries after the first `offset` ones."""
    return request_log(emulator)[offset:]


def calls(log: list[dict[str, Any]], method: str, path: str) -> list[dict[str, Any]]:
    """Entries for one method and exact path (`/v5/products`)."""
    return [e for e in log if e.get("method") == method and e.get("path") == path]
