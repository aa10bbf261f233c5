"""Injected faults (status, drop, after), latency, rate limiting and the request log."""

from __future__ import annotations

import time
from typing import Any

import pytest
import requests

from impops.emulator import EmulatorServer


def _creates(emu: EmulatorServer) -> list[dict[str, Any]]:
    log: Any = emu.admin("GET", "requests")
    return [r for r in log["requests"] if (r["method"], r["path"]) == ("POST", "/v5/products")]


def test_fault_status_then_recovery(emulator: EmulatorServer, api: Any) -> None:
    emulator.admin(
        "POST", "faults", {"method": "POST", "path": "/v5/products*", "status": 503, "count": 2}
    )
    body = {"data": {"type": "product", "attributes": {"name": "A"}}}
    for _ in range(2):
        answer = api.call("POST", "/products", body)
        assert answer.status_code == 503
        assert api.error(answer)["status"] == "503"
    assert api.call("GET", "/products").status_code == 200  # other methods unaffected
    assert api.call("POST", "/products", body).status_code == 201
    assert api.ok("GET", "/products")["data"][0]["attributes"]["name"] == "A"
    assert [r["status"] for r in _creates(emulator)] == [503, 503, 201]


def test_injected_429_carries_retry_after(emulator: EmulatorServer, api: Any) -> None:
    """Issue 9: an injected 429 says when to retry (default 1 s, or the fault's retry_after)."""
    emulator.admin("POST", "faults", {"method": "GET", "path": "/v5/products", "status": 429})
    emulator.admin(
        "POST",
        "faults",
        {"method": "GET", "path": "/v5/products", "status": 429, "retry_after": 7},
    )
    first = api.call("GET", "/products")
    assert first.status_code == 429
    assert first.headers["Retry-After"] == "1"
    assert api.error(first)["status"] == "429"
    second = api.call("GET", "/products")
    assert (second.status_code, second.headers["Retry-After"]) == (429, "7")
    assert api.call("GET", "/products").status_code == 200
    emulator.admin("POST", "faults", {"path": "/v5/products", "status": 503})
    assert "Retry-After" not in api.call("GET", "/products").headers
    with pytest.raises(RuntimeError, match="retry_after"):
        emulator.admin("POST", "faults", {"status": 429, "retry_after": -1})


def test_fault_drop_before_does_not_perform(emulator: EmulatorServer, api: Any) -> None:
    emulator.admin("POST", "faults", {"method": "POST", "path": "/v5/products", "drop": True})
    body = {"data": {"type": "product", "attributes": {"name": "A"}}}
    with pytest.raises(requests.ConnectionError):
        api.call("POST", "/products", body)
    assert api.ok("GET", "/products")["data"] == []
    assert _creates(emulator)[0]["fault"] == "drop before"


def test_fault_after_performs_then_fails(emulator: EmulatorServer, api: Any) -> None:
    body: dict[str, Any] = {"data": {"type": "product", "attributes": {"name": "A"}}}
    emulator.admin(
        "POST", "faults", {"method": "POST", "path": "/v5/products", "drop": True, "after": True}
    )
    with pytest.raises(requests.ConnectionError):
        api.call("POST", "/products", body)
    assert len(api.ok("GET", "/products")["data"]) == 1  # the create landed
    emulator.admin(
        "POST", "faults", {"method": "*", "path": "/v5/products", "status": 502, "after": True}
    )
    body["data"]["attributes"]["name"] = "B"
    assert api.call("POST", "/products", body).status_code == 502
    assert len(api.ok("GET", "/products")["data"]) == 2
    assert [c.get("fault") for c in _creates(emulator)] == ["drop after", "status after"]


def test_fault_admin_list_and_clear(emulator: EmulatorServer, api: Any) -> None:
    emulator.admin("POST", "faults", {"path": "/v5/*", "status": 500, "count": 5})
    faults: Any = emulator.admin("GET", "faults")
    assert faults["faults"][0]["count"] == 5
    emulator.admin("DELETE", "faults")
    assert api.get("/products").status_code == 200
    with pytest.raises(RuntimeError):
        emulator.admin("POST", "faults", {"status": 99})


def test_latency(emulator: EmulatorServer, api: Any) -> None:
    emulator.admin("POST", "latency", {"ms": 200})
    started = time.monotonic()
    api.get("/products")
    assert time.monotonic() - started >= 0.2
    emulator.admin("POST", "latency", {"ms": 0})


def test_rate_limit_headers_and_429(make_api: Any) -> None:
    with EmulatorServer(rate_limit=3) as emu:
        api = make_api(emu)  # the login itself counts against the client IP, not the token
        answers = [api.get("/products") for _ in range(6)]
        limited = [a for a in answers if a.status_code == 429]
        assert limited, [a.status_code for a in answers]
        ok = answers[0]
        assert ok.headers["X-RateLimit-Limit"] == "3"
        assert int(ok.headers["X-RateLimit-Remaining"]) <= 2
        assert int(ok.headers["X-RateLimit-Reset"]) >= 1
        assert int(limited[0].headers["Retry-After"]) >= 1
        assert api.error(limited[0])["status"] == "429"
        time.sleep(1.1)
        assert api.get("/products").status_code == 200
        emu.admin("POST", "ratelimit", {"limit": None})
        assert all(api.get("/products").status_code == 200 for _ in range(10))
        assert "X-RateLimit-Limit" not in api.get("/products").headers


def test_rate_limit_off_by_default_and_settable(emulator: EmulatorServer, api: Any) -> None:
    assert "X-RateLimit-Limit" not in api.get("/products").headers
    emulator.admin("POST", "ratelimit", {"limit": 100})
    assert api.get("/products").headers["X-RateLimit-Limit"] == "100"


def test_requests_log_and_reset(emulator: EmulatorServer, api: Any) -> None:
    api.product("A")
    log: Any = emulator.admin("GET", "requests")
    assert {"method": "POST", "path": "/v5/products", "query": "", "status": 201} in log["requests"]
    emulator.admin("DELETE", "requests")
    assert emulator.admin("GET", "requests") == {"requests": []}
    emulator.admin("POST", "reset")
    assert api.get("/products").status_code == 401  # tokens are gone with the reset
    assert make_fresh_login_works(emulator)


def make_fresh_login_works(emulator: EmulatorServer) -> bool:
    answer = requests.post(
        f"{emulator.v5_url}/auth/token", json={"key": "0123456789abcdef"}, timeout=10
    )
    return answer.status_code == 200
