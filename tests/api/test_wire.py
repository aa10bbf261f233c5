"""Wire-level behaviour over real HTTP to a scripted local server (see scripted.py)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest

from impops import __version__
from impops.providers.impcentral.api import ConflictError, ImpCentralClient, TransportError
from impops.providers.impcentral.settings import Settings

from .scripted import Answer, Script, scripted_server

KEY = "5c71d7e3a9b24f60"


@pytest.fixture
def script() -> Iterator[Script]:
    with scripted_server() as s:
        yield s


def make(script: Script, **options: Any) -> ImpCentralClient:
    options.setdefault("backoff_base", 0.01)
    settings = Settings(endpoint=script.url, login_key=KEY, rate_limit=0, timeout=5)
    return ImpCentralClient(settings, **options)


DEVICE = {"type": "device", "id": "d1", "attributes": {}}


def product(pid: str) -> dict[str, Any]:
    return {"type": "product", "id": pid, "attributes": {"name": pid}}


def test_request_headers_and_bodies(script: Script) -> None:
    script.on("GET", "/v5/accounts/me", Answer(200, {"data": {"type": "account", "id": "a1"}}))
    with make(script) as client:
        client.me()
    auth, me = script.requests()
    assert (auth.method, auth.path) == ("POST", "/v5/auth/token")
    assert json.loads(auth.body) == {"key": KEY}
    assert "Authorization" not in auth.headers
    assert auth.headers["Content-Type"] == "application/json"
    assert me.headers["Authorization"] == "Bearer scripted-access-token-0001"
    assert me.headers["Content-Type"] == "application/vnd.api+json"
    assert me.headers["Accept"] == "application/vnd.api+json"
    assert me.headers["User-Agent"] == f"impops/{__version__}"


def test_list_query_and_foreign_next_link_rebased(script: Script) -> None:
    first = "/v5/products?filter%5Bowner.id%5D=a1&page%5Bsize%5D=100"
    second = "/v5/products?page%5Bnumber%5D=2&page%5Bsize%5D=100"
    script.on(
        "GET",
        first,
        Answer(
            200,
            {
                "data": [product("p1"), product("p2")],
                "links": {"next": f"https://elsewhere.example{second}"},
            },
        ),
    )
    # the server repeats p2 on the next page (impt saw this on the real API)
    script.on("GET", second, Answer(200, {"data": [product("p2"), product("p3")], "links": {}}))
    with make(script) as client:
        items = client.list_products({"owner.id": "a1"})
    assert [i["id"] for i in items] == ["p1", "p2", "p3"]
    assert [s.path for s in script.requests("GET")] == [first, second]


def test_retry_after_is_honoured(script: Script) -> None:
    limited = Answer(429, {"errors": [{"title": "Too Many Requests"}]}, {"Retry-After": "1"})
    script.on("GET", "/v5/devices/d1", limited, Answer(200, {"data": DEVICE}))
    with make(script) as client:
        started = time.monotonic()
        assert client.get_device("d1")["id"] == "d1"
        assert time.monotonic() - started >= 1.0


def test_remaining_zero_pauses_the_next_request(script: Script) -> None:
    exhausted = {"X-RateLimit-Limit": "40", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "1"}
    script.on("GET", "/v5/devices/d1", Answer(200, {"data": DEVICE}, exhausted))
    with make(script) as client:
        client.get_device("d1")
        started = time.monotonic()
        client.get_device("d1")
        assert time.monotonic() - started >= 0.9


def test_invalid_json_on_success_is_a_transport_error(script: Script) -> None:
    script.on("GET", "/v5/products/p1", Answer(200, raw=b"<html>oops</html>"))
    with make(script) as client, pytest.raises(TransportError, match="body is not JSON"):
        client.get_product("p1")


def test_patch_answered_with_204_reads_back(script: Script) -> None:
    script.on("PATCH", "/v5/products/p1", Answer(204))
    script.on("GET", "/v5/products/p1", Answer(200, {"data": product("p1")}))
    with make(script) as client:
        assert client.update_product("p1", {"description": "x"})["id"] == "p1"
    patch = script.requests("PATCH")[0]
    assert json.loads(patch.body) == {
        "data": {"type": "product", "id": "p1", "attributes": {"description": "x"}}
    }


def test_unassign_sends_unbond_key_from_settings(script: Script) -> None:
    path = "/v5/devicegroups/g1/relationships/devices"
    script.on("DELETE", path, Answer(204))
    settings = Settings(
        endpoint=script.url, login_key=KEY, unbond_key="unbond-0123456789", rate_limit=0
    )
    with ImpCentralClient(settings) as client:
        client.unassign_devices("g1", ["d1"])
        client.unassign_devices("g1", ["d2"], unbond_key="explicit-unbond-key")
    first, second = script.requests("DELETE")
    assert first.headers["X-Electricimp-Key"] == "unbond-0123456789"
    assert second.headers["X-Electricimp-Key"] == "explicit-unbond-key"
    assert json.loads(first.body) == {"data": [{"type": "device", "id": "d1"}]}


def test_create_bodies(script: Script) -> None:
    group = {"type": "pre_factoryfixture_devicegroup", "id": "g9", "attributes": {"name": "fx"}}
    script.on("POST", "/v5/devicegroups", Answer(201, {"data": group}))
    with make(script) as client:
        client.create_device_group(
            "p1",
            "pre_factoryfixture_devicegroup",
            {"name": "fx"},
            production_target={"type": "pre_production_devicegroup", "id": "g1"},
            dut_target={"type": "pre_dut_devicegroup", "id": "g2"},
        )
    body = json.loads(script.requests("POST")[-1].body)
    assert body == {
        "data": {
            "type": "pre_factoryfixture_devicegroup",
            "attributes": {"name": "fx"},
            "relationships": {
                "product": {"type": "product", "id": "p1"},
                "production_target": {"type": "pre_production_devicegroup", "id": "g1"},
                "dut_target": {"type": "pre_dut_devicegroup", "id": "g2"},
            },
        }
    }


PRODUCTS_OF_A1 = "/v5/products?filter%5Bowner.id%5D=a1&page%5Bsize%5D=100"


def test_create_timeout_is_ambiguous_and_looked_up(script: Script) -> None:
    script.on("GET", "/v5/accounts/me", Answer(200, {"data": {"type": "account", "id": "a1"}}))
    script.on("POST", "/v5/products", Answer(201, {"data": product("slow")}, delay=1.5))
    script.on("GET", PRODUCTS_OF_A1, Answer(200, {"data": [product("slow")], "links": {}}))
    settings = Settings(endpoint=script.url, login_key=KEY, rate_limit=0, timeout=0.5)
    with ImpCentralClient(settings, backoff_base=0.01) as client:
        assert client.create_product("slow")["id"] == "slow"
    assert len(script.requests("POST")) == 2  # the token exchange and ONE create


def test_conflict_after_ambiguous_attempt_returns_the_object(script: Script) -> None:
    script.on("GET", "/v5/accounts/me", Answer(200, {"data": {"type": "account", "id": "a1"}}))
    script.on(
        "POST",
        "/v5/products",
        Answer(502),
        Answer(409, {"errors": [{"title": "Duplicate Resource", "detail": "unique names"}]}),
    )
    script.on(
        "GET",
        PRODUCTS_OF_A1,
        Answer(200, {"data": [], "links": {}}),  # not visible yet at the first lookup
        Answer(200, {"data": [product("late")], "links": {}}),
    )
    with make(script) as client:
        assert client.create_product("late")["id"] == "late"


def test_conflict_without_ambiguity_is_raised(script: Script) -> None:
    conflict = Answer(409, {"errors": [{"title": "Duplicate Resource", "detail": "unique"}]})
    script.on("POST", "/v5/products", conflict)
    with make(script) as client, pytest.raises(ConflictError):
        client.create_product("dup")
    assert [s.path for s in script.requests("GET")] == []  # no lookup was needed
