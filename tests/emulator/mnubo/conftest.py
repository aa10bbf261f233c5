"""A small Mnubo client over real HTTP for the emulator's Mnubo tests (no smartobjects)."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from impops.emulator import EmulatorServer

CLIENTS = {"sandbox": ("sandbox-client", "sandbox-secret"),
           "production": ("production-client", "production-secret")}  # fmt: skip


class Zone:
    """`zone.call("POST", "/api/v3/objects", body)` with a fresh bearer token of that zone."""

    def __init__(self, emu: EmulatorServer, name: str, *, gzip_bodies: bool = False) -> None:
        self.emu = emu
        self.url = emu.mnubo_url(name)
        self.http = requests.Session()
        self.gzip_bodies = gzip_bodies
        self.token = self.fetch_token(*CLIENTS[name])

    def fetch_token(self, client: str, secret: str) -> str:
        answer = self.http.post(
            f"{self.url}/oauth/token?grant_type=client_credentials&scope=ALL",
            auth=(client, secret),
            timeout=10,
        )
        assert answer.status_code == 200, answer.text
        token: str = answer.json()["access_token"]
        return token

    def call(self, method: str, path: str, body: Any = None, **kw: Any) -> requests.Response:
        headers = {"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"}
        headers.update(kw.pop("headers", {}))
        if body is not None:
            data = json.dumps(body).encode()
            if self.gzip_bodies:
                data = gzip.compress(data)
                headers["Content-Encoding"] = "gzip"
            kw["data"] = data
        return self.http.request(method, self.url + path, headers=headers, timeout=30, **kw)

    def ok(self, method: str, path: str, body: Any = None, status: int = 200) -> Any:
        answer = self.call(method, path, body)
        assert answer.status_code == status, (answer.status_code, answer.text)
        return (
            answer.json() if answer.content and "json" in answer.headers["Content-Type"] else None
        )

    def text(self, method: str, path: str, body: Any = None, status: int = 400) -> str:
        """The text/plain error body of a call expected to fail with `status`."""
        answer = self.call(method, path, body)
        assert answer.status_code == status, (answer.status_code, answer.text)
        assert answer.headers["Content-Type"].startswith("text/plain"), answer.headers
        return answer.text

    def deploy(self, kind: str, key: str) -> None:
        code = self.ok("POST", f"/api/v3/model/{kind}/{key}/deploy")["code"]
        self.ok("POST", f"/api/v3/model/{kind}/{key}/deploy/{code}")


@pytest.fixture
def sandbox(emulator: EmulatorServer) -> Iterator[Zone]:
    zone = Zone(emulator, "sandbox", gzip_bodies=True)
    yield zone
    zone.http.close()


@pytest.fixture
def production(emulator: EmulatorServer) -> Iterator[Zone]:
    zone = Zone(emulator, "production")
    yield zone
    zone.http.close()


def small_model(sandbox: Zone) -> None:
    """Event type `reading` with timeseries `temperature`; object type `imp` with attribute
    `firmware`; owner attribute `age`."""
    sandbox.ok("POST", "/api/v3/model/eventTypes", [{"key": "reading", "origin": "scheduled"}], 201)
    sandbox.ok("POST", "/api/v3/model/objectTypes", [{"key": "imp", "description": "an imp"}], 201)
    sandbox.ok(
        "POST",
        "/api/v3/model/timeseries",
        [{"key": "temperature", "type": {"highLevelType": "TEMPERATURE"},
          "eventTypeKeys": ["reading"]}],
        201,
    )  # fmt: skip
    sandbox.ok(
        "POST",
        "/api/v3/model/objectAttributes",
        [{"key": "firmware", "type": {"highLevelType": "TEXT", "containerType": "none"},
          "objectTypeKeys": ["imp"]}],
        201,
    )  # fmt: skip
    sandbox.ok(
        "POST",
        "/api/v3/model/ownerAttributes",
        [{"key": "age", "type": {"highLevelType": "INT", "containerType": "none"}}],
        201,
    )


@pytest.fixture
def make_zone() -> type[Zone]:
    """The Zone class, for tests that start their own EmulatorServer."""
    return Zone


@pytest.fixture
def modelled(sandbox: Zone) -> Zone:
    """The sandbox with `small_model` created (nothing deployed)."""
    small_model(sandbox)
    return sandbox
