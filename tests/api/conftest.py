"""Helpers for the client's integration tests against the emulator (real HTTP, 127.0.0.1).

`emulator` (tests/conftest.py) is a fresh, started `EmulatorServer` per test with the default
seed: login key 0123456789abcdef, user operator / impops-demo, 8 unassigned devices.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from impops.providers.impcentral.api import ImpCentralClient
from impops.providers.impcentral.settings import Settings

from .helpers import LOGIN_KEY, MakeClient


@pytest.fixture
def make_client(emulator: Any) -> Iterator[MakeClient]:
    """Build clients on the emulator; fast backoff so fault tests stay quick."""
    clients: list[ImpCentralClient] = []

    def make(
        *,
        login_key: str | None = LOGIN_KEY,
        username: str | None = None,
        password: str | None = None,
        otp: str | None = None,
        rate_limit: float = 0,
        timeout: float = 10,
        server: Any = None,
        **options: Any,
    ) -> ImpCentralClient:
        settings = Settings(
            endpoint=(server or emulator).v5_url,
            login_key=login_key,
            username=username,
            password=password,
            otp=otp,
            rate_limit=rate_limit,
            timeout=timeout,
        )
        options.setdefault("backoff_base", 0.02)
        options.setdefault("backoff_cap", 0.2)
        client = ImpCentralClient(settings, **options)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


@pytest.fixture
def client(make_client: MakeClient) -> ImpCentralClient:
    return make_client()
