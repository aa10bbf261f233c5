"""Measurements against the running emulator: a command in a child process, its requests.

Requests are counted from the emulator's request log (`/_emulator/requests`), cleared before
each measurement, so a figure is exactly what the server saw: calls by endpoint, writes, 429s.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CHILD = Path(__file__).resolve().with_name("child.py")


@dataclass
class Requests:
    """What the emulator logged during one measurement (auth calls counted apart)."""

    total: int = 0
    auth: int = 0
    writes: int = 0
    too_many: int = 0
    by_endpoint: Counter[str] = field(default_factory=Counter)

    @classmethod
    def of(cls, entries: list[dict[str, Any]]) -> Requests:
        found = cls()
        for e in entries:
            path = str(e.get("path", ""))
            if "/_emulator" in path:
                continue
            if int(e.get("status", 0)) == 429:
                found.too_many += 1
            if path.rstrip("/").endswith(("/auth", "/auth/token")):
                found.auth += 1
                continue
            found.total += 1
            method = str(e.get("method", "?"))
            if method != "GET":
                found.writes += 1
            found.by_endpoint[endpoint_of(method, path)] += 1
        return found

    def detail(self) -> str:
        return ", ".join(f"{k} {v}" for k, v in sorted(self.by_endpoint.items()))


def endpoint_of(method: str, path: str) -> str:
    """`GET /deployments/{id}` style: the resource and whether an id followed."""
    parts = [p for p in path.split("?")[0].split("/") if p]
    parts = parts[1:] if parts and parts[0] == "v5" else parts
    shown = "/" + "/".join(parts[:1]) if parts else "/"
    if len(parts) > 1:
        shown += "/{id}" + "".join(f"/{p}" for p in parts[2:])
    return f"{method} {shown}"


def clear_log(emu: Any) -> None:
    emu.admin("DELETE", "requests")


def read_log(emu: Any) -> Requests:
    data = emu.admin("GET", "requests")
    entries = data.get("requests", []) if isinstance(data, dict) else []
    return Requests.of(list(entries))


@dataclass
class Run:
    """One command's figures."""

    seconds: float
    peak_mb: float
    exit: int
    requests: Requests
    output: str = ""


def run_command(emu: Any, env: dict[str, str], argv: list[str]) -> Run:
    """Run `impops <argv>` in a child process and collect its figures and requests."""
    clear_log(emu)
    with tempfile.TemporaryDirectory() as tmp:
        result = Path(tmp) / "result.json"
        proc = subprocess.run(
            [sys.executable, str(CHILD), str(result), *argv],
            env={**os.environ, **env},
            capture_output=True,
            text=True,
            check=False,
        )
        if not result.exists():
            raise RuntimeError(f"impops {' '.join(argv)} crashed:\n{proc.stderr[-3000:]}")
        data = json.loads(result.read_text())
    return Run(
        data["seconds"],
        data["peak_mb"],
        data["exit"],
        read_log(emu),
        data["stdout_tail"] + proc.stderr[-2000:],
    )
