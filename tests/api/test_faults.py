"""Fault injection: the client survives 429s, 503s, dropped connections and expired tokens,
and never duplicates a create after an ambiguous failure (proved with the request log)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from impops.providers.impcentral.api import (
    AuthenticationError,
    ConflictError,
    ImpCentralClient,
    NotFoundError,
    RateLimitedError,
    ServerError,
    TransportError,
)

from .helpers import LOGIN_KEY, PASSWORD, USERNAME, MakeClient, calls, log_since, request_log

DEV = "development_devicegroup"
HOOK = {"url": "https://h.example.com/x", "event": "deployment", "content_type": "application/json"}


def fault(emulator: Any, method: str, path: str, **spec: Any) -> None:
    emulator.admin("POST", "faults", {"method": method, "path": path, **spec})


def statuses(log: list[dict[str, Any]], method: str, path: str) -> list[int]:
    return [int(e["status"]) for e in calls(log, method, path)]


# --- idempotent requests are retried -----------------------------------------------------------


@pytest.mark.parametrize("status", [429, 502, 503, 504])
def test_get_survives_transient_statuses(
    emulator: Any, client: ImpCentralClient, status: int
) -> None:
    client.me()
    fault(emulator, "GET", "/v5/products", status=status, count=3)
    offset = len(request_log(emulator))
    assert client.list_products() == []
    assert statuses(log_since(emulator, offset), "GET", "/v5/products") == [status] * 3 + [200]


def test_get_survives_dropped_connections(emulator: Any, client: ImpCentralClient) -> None:
    client.me()
    fault(emulator, "GET", "/v5/devices", drop=True, count=2)
    assert len(client.list_devices()) == 8


def test_survives_server_rate_limit_with_retry_after(
    emulator: Any, make_client: MakeClient
) -> None:
    client = make_client(rate_limit=0, max_retries=8)  # no client-side limit: provoke 429s
    client.me()
    emulator.admin("POST", "ratelimit", {"limit": 5})
    try:
        offset = len(request_log(emulator))
        with ThreadPoolExecutor(max_workers=8) as pool:
            results = list(pool.map(lambda _: client.me()["id"], range(30)))
        log = log_since(emulator, offset)
    finally:
        emulator.admin("POST", "ratelimit", {"limit": None})
    assert len(results) == 30
    got = statuses(log, "GET", "/v5/accounts/me")
    assert got.count(200) == 30
    assert 429 in got


def test_client_limiter_keeps_under_the_server_limit(
    emulator: Any, make_client: MakeClient
) -> None:
    client = make_client(rate_limit=4, burst=1)
    client.me()
    emulator.admin("POST", "ratelimit", {"limit": 5})
    try:
        offset = len(request_log(emulator))
        for _ in range(8):
            client.me()
        log = log_since(emulator, offset)
    finally:
        emulator.admin("POST", "ratelimit", {"limit": None})
    assert 429 not in statuses(log, "GET", "/v5/accounts/me")


def test_non_retryable_500_is_a_server_error(emulator: Any, client: ImpCentralClient) -> None:
    client.me()
    fault(emulator, "GET", "/v5/products", status=500, count=1)
    with pytest.raises(ServerError) as info:
        client.list_products()
    assert info.value.status == 500
    assert info.value.attempts == 1


def test_retries_are_bounded(emulator: Any, make_client: MakeClient) -> None:
    client = make_client(max_retries=2)
    client.me()
    fault(emulator, "GET", "/v5/products", status=429, count=3)
    with pytest.raises(RateLimitedError) as info:
        client.list_products()
    assert info.value.attempts == 3
    fault(emulator, "GET", "/v5/webhooks", status=503, count=3)
    with pytest.raises(ServerError):
        client.list_webhooks()
    fault(emulator, "GET", "/v5/devices", drop=True, count=3)
    with pytest.raises(TransportError) as transport:
        client.list_devices()
    assert transport.value.status is None


def test_token_expiry_during_faults(emulator: Any, client: ImpCentralClient) -> None:
    client.me()
    emulator.admin("POST", "tokens/expire", {})
    fault(emulator, "POST", "/v5/auth/token", status=503, count=2)
    fault(emulator, "GET", "/v5/devices", drop=True, count=1)
    assert len(client.list_devices()) == 8


# --- creates are never duplicated -------------------------------------------------------------


def _product(client: ImpCentralClient, name: str) -> dict[str, Any]:
    return client.create_product(name)


Scenario = tuple[str, Callable[[ImpCentralClient, dict[str, str]], dict[str, Any]]]


def _setup(client: ImpCentralClient) -> dict[str, str]:
    pid = client.create_product("base")["id"]
    gid = client.create_device_group(pid, DEV, {"name": "base"})["id"]
    return {"pid": pid, "gid": gid}


CREATES: dict[str, Scenario] = {
    "product": ("/v5/products", lambda c, ids: c.create_product("once")),
    "devicegroup": (
        "/v5/devicegroups",
        lambda c, ids: c.create_device_group(ids["pid"], DEV, {"name": "once"}),
    ),
    "webhook": ("/v5/webhooks", lambda c, ids: c.create_webhook(ids["gid"], DEV, dict(HOOK))),
    "deployment": (
        "/v5/deployments",
        lambda c, ids: c.create_deployment(
            ids["gid"], DEV, {"device_code": "d", "agent_code": "a", "origin": "t"}
        ),
    ),
}


def _count(client: ImpCentralClient, kind: str, ids: dict[str, str]) -> int:
    if kind == "product":
        return sum(p["attributes"]["name"] == "once" for p in client.list_products())
    if kind == "devicegroup":
        groups = client.list_device_groups({"product.id": ids["pid"]})
        return sum(g["attributes"]["name"] == "once" for g in groups)
    if kind == "webhook":
        return len(client.list_webhooks({"devicegroup.id": ids["gid"]}))
    return len(client.list_deployments({"devicegroup.id": ids["gid"]}))


@pytest.mark.parametrize("kind", sorted(CREATES))
@pytest.mark.parametrize(
    "failure",
    [{"status": 503}, {"status": 502}, {"drop": True}],
    ids=["503", "502", "drop"],
)
def test_ambiguous_create_failure_is_not_duplicated(
    emulator: Any, client: ImpCentralClient, kind: str, failure: dict[str, Any]
) -> None:
    ids = _setup(client)
    path, create = CREATES[kind]
    fault(emulator, "POST", path, count=1, after=True, **failure)
    offset = len(request_log(emulator))
    created = create(client, ids)
    log = log_since(emulator, offset)
    assert _count(client, kind, ids) == 1
    posts = calls(log, "POST", path)
    assert len(posts) == 1, posts  # the lookup found it: no second POST
    listed = {
        "product": lambda: client.list_products(),
        "devicegroup": lambda: client.list_device_groups({"product.id": ids["pid"]}),
        "webhook": lambda: client.list_webhooks({"devicegroup.id": ids["gid"]}),
        "deployment": lambda: client.list_deployments({"devicegroup.id": ids["gid"]}),
    }[kind]()
    assert created["id"] in {r["id"] for r in listed}


@pytest.mark.parametrize("kind", sorted(CREATES))
def test_failed_create_is_retried_after_lookup(
    emulator: Any, client: ImpCentralClient, kind: str
) -> None:
    ids = _setup(client)
    path, create = CREATES[kind]
    fault(emulator, "POST", path, status=503, count=2)  # not performed: must be created later
    offset = len(request_log(emulator))
    create(client, ids)
    assert _count(client, kind, ids) == 1
    assert statuses(log_since(emulator, offset), "POST", path) == [503, 503, 201]


def test_create_retried_plainly_on_429(emulator: Any, client: ImpCentralClient) -> None:
    client.me()
    fault(emulator, "POST", "/v5/products", status=429, count=2)
    offset = len(request_log(emulator))
    client.create_product("limited")
    log = log_since(emulator, offset)
    assert statuses(log, "POST", "/v5/products") == [429, 429, 201]
    assert calls(log, "GET", "/v5/products") == []  # unambiguous: no lookup needed


def test_create_gives_up_after_max_retries(emulator: Any, make_client: MakeClient) -> None:
    client = make_client(max_retries=1)
    client.me()
    fault(emulator, "POST", "/v5/products", status=503, count=5)
    with pytest.raises(ServerError):
        client.create_product("never")
    assert _count(client, "product", {}) == 0


# --- idempotent writes whose first attempt landed ----------------------------------------------


def test_retried_unassign_after_landed_attempt(emulator: Any, client: ImpCentralClient) -> None:
    ids = _setup(client)
    devices = [d["id"] for d in client.list_devices({"devicegroup.owner.id": "null"})][:2]
    client.assign_devices(ids["gid"], devices)
    fault(emulator, "DELETE", "/v5/devicegroups/*/relationships/devices", drop=True, after=True)
    client.unassign_devices(ids["gid"], devices)
    assert client.list_devices({"devicegroup.id": ids["gid"]}) == []


def test_retried_assign_after_landed_attempt(emulator: Any, client: ImpCentralClient) -> None:
    ids = _setup(client)
    devices = [d["id"] for d in client.list_devices({"devicegroup.owner.id": "null"})][:2]
    fault(emulator, "POST", "/v5/devicegroups/*/relationships/devices", status=503, after=True)
    client.assign_devices(ids["gid"], devices)
    assert {d["id"] for d in client.list_devices({"devicegroup.id": ids["gid"]})} == set(devices)


def test_retried_delete_after_landed_attempt(emulator: Any, client: ImpCentralClient) -> None:
    pid = client.create_product("gone")["id"]
    fault(emulator, "DELETE", "/v5/products/*", drop=True, after=True)
    client.delete_product(pid)
    assert client.list_products() == []


def test_retried_update_after_landed_attempt(emulator: Any, client: ImpCentralClient) -> None:
    pid = client.create_product("patched")["id"]
    fault(emulator, "PATCH", "/v5/products/*", status=504, after=True)
    assert client.update_product(pid, {"description": "x"})["attributes"]["description"] == "x"


# --- secrets -------------------------------------------------------------------------------


def test_no_secret_in_logs_or_errors(
    emulator: Any, make_client: MakeClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    texts: list[str] = []
    secrets = [LOGIN_KEY, PASSWORD]
    clients = [make_client(), make_client(login_key=None, username=USERNAME, password=PASSWORD)]
    for n, client in enumerate(clients):
        client.me()
        secrets.append(client._tokens.token())
        emulator.admin("POST", "tokens/expire", {})
        fault(emulator, "GET", "/v5/products", status=503, count=1)
        fault(emulator, "POST", "/v5/products", status=503, after=True)
        client.create_product(f"secret-{n}")
        secrets.append(client._tokens.token())
        texts.append(repr(client.settings))
        with pytest.raises(NotFoundError) as missing:
            client.get_product("nope")
        with pytest.raises(ConflictError) as duplicate:
            client.create_product(f"secret-{n}")
        for err in (missing.value, duplicate.value):
            texts.extend([str(err), repr(err)])
    bad = make_client(login_key="abcdefabcdef0123")
    secrets.append("abcdefabcdef0123")
    with pytest.raises(AuthenticationError) as info:
        bad.me()
    texts.append(str(info.value))
    blob = "\n".join(texts) + caplog.text
    assert len(set(secrets)) == len(secrets)  # tokens were renewed
    for secret in secrets:
        assert secret not in blob
    assert "Bearer" not in caplog.text
