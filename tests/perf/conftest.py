"""Fixtures of the request-count tests: a client on the emulator with 5 items a page."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from live_fleet import LOGIN_KEY  # noqa: E402

from impops.emulator import EmulatorServer  # noqa: E402
from impops.providers.impcentral.api.client import ImpCentralClient  # noqa: E402
from impops.providers.impcentral.settings import Settings  # noqa: E402


@pytest.fixture
def client(emulator: EmulatorServer) -> Iterator[ImpCentralClient]:
    settings = Settings(endpoint=emulator.v5_url, login_key=LOGIN_KEY, rate_limit=0)
    with ImpCentralClient(settings, page_size=5) as c:
        yield c
