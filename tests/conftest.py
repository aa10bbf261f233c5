"""Fixtures shared by every test directory: a fresh emulator per test, and a clean IMPOPS_* env."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from impops.emulator import EmulatorServer


@pytest.fixture(autouse=True)
def _clean_impops_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test sees the developer's or CI's IMPOPS_* settings unless it sets them itself."""
    for name in list(os.environ):
        if name.startswith("IMPOPS_"):
            monkeypatch.delenv(name)


@pytest.fixture
def emulator() -> Iterator[EmulatorServer]:
    """A started emulator on 127.0.0.1 (free port) with the default seed."""
    server = EmulatorServer("127.0.0.1", 0).start()
    try:
        yield server
    finally:
        server.stop()
