"""Helpers for the emulator's integration tests: an authenticated `requests` wrapper."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests

from impops.emulator import EmulatorServer
from impops.emulator.impcentral.seed import DEFAULT_LOGIN_KEY

VND = "application/vnd.api+json"


class Api:
    """Thin client over real HTTP: `api.get("/products")` etc., paths relative to /v5."""

    def __init__(self, emu: EmulatorServer) -> None:
        self.emu = emu
        self.http = requests.Session()
        self.token = self.login_key(DEFAULT_LOGIN_KEY)

    def login_key(self, key: str) -> str:
        answer = self.http.post(f"{self.emu.v5_url}/auth/token", json={"key": key}, timeout=10)
        assert answer.status_code == 200, answer.text
        token: str = answer.json()["access_token"]
        return token

    def call(self, method: str, path: str, body: Any = None, **kw: Any) -> requests.Response:
        headers = {"Authorization": f"Bearer {self.token}", "Content-Type": VND}
        headers.update(kw.pop("headers", {}))
        if body is not None:
            kw["json"] = body
        return self.http.request(
            method, f"{self.emu.v5_url}{path}", headers=headers, timeout=30, **kw
        )

    def get(self, path: str, **kw: Any) -> requests.Response:
        return self.call("GET", path, **kw)

    def ok(self, method: str, path: str, body: Any = None, status: int = 200, **kw: Any) -> Any:
        answer = self.call(method, path, body, **kw)
        assert answer.status_code == status, answer.text
        return answer.json() if answer.content else None

    def product(self, name: str = "P", description: str = "") -> dict[str, Any]:
        body = {
            "data": {"type": "product", "attributes": {"name": name, "description": description}}
        }
        data: dict[str, Any] = self.ok("POST", "/products", body, 201)["data"]
        return data

    def group(
        self, product_id: str, gtype: str = "development", name: str = "G", **extra: Any
    ) -> dict[str, Any]:
        rels: dict[str, Any] = {"product": {"type": "product", "id": product_id}}
        rels.update(extra.pop("relationships", {}))
        body = {
            "data": {
                "type": f"{gtype}_devicegroup",
                "attributes": {"name": name, **extra},
                "relationships": rels,
            }
        }
        data: dict[str, Any] = self.ok("POST", "/devicegroups", body, 201)["data"]
        return data

    def deploy(self, group: dict[str, Any], code: str = "", **attrs: Any) -> dict[str, Any]:
        body = {
            "data": {
                "type": "deployment",
                "attributes": {"device_code": code, "agent_code": "", **attrs},
                "relationships": {"devicegroup": {"type": group["type"], "id": group["id"]}},
            }
        }
        data: dict[str, Any] = self.ok("POST", "/deployments", body, 201)["data"]
        return data

    def devices(self) -> list[dict[str, Any]]:
        data: list[dict[str, Any]] = self.ok("GET", "/devices?page[size]=100")["data"]
        return data

    def assign(self, group_id: str, *device_ids: str, **kw: Any) -> requests.Response:
        body = {"data": [{"type": "device", "id": d} for d in device_ids]}
        return self.call("POST", f"/devicegroups/{group_id}/relationships/devices", body, **kw)

    @staticmethod
    def error(answer: requests.Response) -> dict[str, Any]:
        """The first JSON:API error object (asserting the shape every error must have)."""
        body = answer.json()
        first: dict[str, Any] = body["errors"][0]
        assert {"status", "code", "title", "detail"} <= set(first), body
        return first


@pytest.fixture
def api(emulator: EmulatorServer) -> Iterator[Api]:
    client = Api(emulator)
    yield client
    client.http.close()


@pytest.fixture
def make_api() -> type[Api]:
    """The Api class, for tests that start their own EmulatorServer."""
    return Api
