"""Helpers for the end-to-end tests (conftest puts this folder on sys.path)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples" / "manifests"
LOGIN_KEY = "0123456789abcdef"
UNBOND_KEY = "impops-demo-unbond-key"


@dataclass
class Result:
    code: int
    out: str
    err: str

    @property
    def text(self) -> str:
        return self.out + self.err


def request_log(emulator: Any) -> list[dict[str, Any]]:
    """The emulator's request log, oldest first."""
    data = emulator.admin("GET", "requests")
    if isinstance(data, dict):
        data = data.get("requests", data.get("data", []))
    return list(data)


# POSTs that change nothing: token exchanges (impCentral, Mnubo OAuth2) and Mnubo's
# "which of these objects exist" query.
_NOT_WRITES = ("/auth", "/auth/token", "/oauth/token", "/api/v3/objects/exists")


def writes(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Requests that could change impCentral or Mnubo (reads and token exchanges excluded)."""
    return [
        e
        for e in entries
        if str(e.get("method", "")).upper() not in ("GET", "HEAD")
        and not str(e.get("path", "")).split("?")[0].rstrip("/").endswith(_NOT_WRITES)
    ]


def by_name(docs: list[dict[str, Any]]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for d in docs:
        name = str((d.get("attributes") or {}).get("name"))
        counts[name] = counts.get(name, 0) + 1
    return counts
