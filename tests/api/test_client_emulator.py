"""The client against the emulator over real HTTP: auth flows, every operation, pagination,
error mapping. Fault injection and idempotency live in test_faults.py."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from impops.providers.impcentral.api import (
    AuthenticationError,
    ConflictError,
    ImpCentralClient,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)

from .helpers import PASSWORD, USERNAME, MakeClient, calls, log_since, request_log

DEV = "development_devicegroup"


def rel(resource: dict[str, Any], name: str) -> str | None:
    value = (resource.get("relationships") or {}).get(name)
    return value.get("id") if isinstance(value, dict) else None


def unassigned_devices(client: ImpCentralClient) -> list[str]:
    return [d["id"] for d in client.list_devices({"devicegroup.owner.id": "null"})]


# --- authentication ---------------------------------------------------------------------------


def test_login_key(client: ImpCentralClient) -> None:
    me = client.me()
    assert me["type"] == "account"
    assert me["attributes"]["username"] == USERNAME
    assert client.account_id() == me["id"]


def test_password_login(make_client: MakeClient) -> None:
    client = make_client(login_key=None, username=USERNAME, password=PASSWORD)
    assert client.me()["attributes"]["username"] == USERNAME


def test_wrong_login_key(make_client: MakeClient) -> None:
    client = make_client(login_key="ffffffffffffffff")
    with pytest.raises(AuthenticationError) as info:
        client.me()
    assert info.value.path == "/auth/token"
    assert "ffffffffffffffff" not in str(info.value)


def test_wrong_password(make_client: MakeClient, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    client = make_client(login_key=None, username=USERNAME, password="wrong-password-123")
    with pytest.raises(AuthenticationError) as info:
        client.me()
    assert "wrong-password-123" not in str(info.value) + caplog.text


def test_sends_the_documented_headers(emulator: Any, client: ImpCentralClient) -> None:
    # the emulator does not echo headers; at least the calls succeed with our content types
    client.me()
    entry = request_log(emulator)[-1]
    assert (entry["method"], entry["path"], entry["status"]) == ("GET", "/v5/accounts/me", 200)


def test_expired_tokens_are_renewed_once(emulator: Any, client: ImpCentralClient) -> None:
    client.me()
    emulator.admin("POST", "tokens/expire", {})
    offset = len(request_log(emulator))
    assert client.list_products() is not None
    log = log_since(emulator, offset)
    statuses = [(e["method"], e["path"], e["status"]) for e in log]
    assert statuses[0] == ("GET", "/v5/products", 401)
    assert ("POST", "/v5/auth/token", 200) in statuses
    assert statuses[-1] == ("GET", "/v5/products", 200)


def test_expired_password_session_falls_back_to_login(
    emulator: Any, make_client: MakeClient
) -> None:
    client = make_client(login_key=None, username=USERNAME, password=PASSWORD)
    client.me()
    emulator.admin("POST", "tokens/expire", {})
    assert client.me()["attributes"]["username"] == USERNAME


def test_concurrent_calls_after_expiry_share_one_renewal(
    emulator: Any, client: ImpCentralClient
) -> None:
    client.me()
    emulator.admin("POST", "tokens/expire", {})
    offset = len(request_log(emulator))
    with ThreadPoolExecutor(max_workers=16) as pool:
        results = list(pool.map(lambda _: client.me()["id"], range(64)))
    assert len(set(results)) == 1
    renewals = calls(log_since(emulator, offset), "POST", "/v5/auth/token")
    assert 1 <= len(renewals) <= 2  # one per rejected token at most, never one per thread


# --- resources -------------------------------------------------------------------------------


def test_full_scenario(client: ImpCentralClient) -> None:
    product = client.create_product("scenario", "the first product")
    pid = product["id"]
    assert product["type"] == "product"
    assert client.get_product(pid)["attributes"]["name"] == "scenario"
    updated = client.update_product(pid, {"description": "changed"})
    assert updated["attributes"]["description"] == "changed"
    assert [p["id"] for p in client.list_products({"owner.id": client.account_id()})] == [pid]

    group = client.create_device_group(pid, DEV, {"name": "dev", "env_vars": {"A": "1"}})
    gid = group["id"]
    assert group["type"] == DEV
    assert rel(group, "product") == pid
    assert client.list_device_groups({"product.id": pid})[0]["id"] == gid
    group = client.update_device_group(gid, DEV, {"description": "dev group"})
    assert group["attributes"]["description"] == "dev group"

    first = client.create_deployment(
        gid, DEV, {"device_code": "server.log(1);", "agent_code": "", "origin": "tests"}
    )
    assert first["attributes"]["origin"].startswith("tests op:")
    second = client.create_deployment(
        gid, DEV, {"device_code": "server.log(2);", "agent_code": "", "tags": ["v2"]}
    )
    assert rel(client.get_device_group(gid), "current_deployment") == second["id"]
    client.set_min_supported_deployment(gid, second["id"])
    assert rel(client.get_device_group(gid), "min_supported_deployment") == second["id"]
    deployment = client.get_deployment(second["id"])
    assert deployment["attributes"]["device_code"] == "server.log(2);"
    deployment = client.update_deployment(second["id"], {"description": "d", "tags": ["a"]})
    assert deployment["attributes"]["tags"] == ["a"]
    assert {d["id"] for d in client.list_deployments({"devicegroup.id": gid})} == {
        first["id"],
        second["id"],
    }
    client.delete_deployment(first["id"])

    hook = client.create_webhook(
        gid,
        DEV,
        {
            "url": "https://hooks.example.com/deploy",
            "event": "deployment",
            "content_type": "application/json",
        },
    )
    assert client.get_webhook(hook["id"])["attributes"]["event"] == "deployment"
    hook = client.update_webhook(hook["id"], {"content_type": "application/x-www-form-urlencoded"})
    assert hook["attributes"]["content_type"] == "application/x-www-form-urlencoded"
    assert [h["id"] for h in client.list_webhooks({"devicegroup.id": gid})] == [hook["id"]]

    devices = unassigned_devices(client)[:3]
    client.assign_devices(gid, devices)
    assert {d["id"] for d in client.list_devices({"devicegroup.id": gid})} == set(devices)
    device = client.get_device(devices[0])
    assert rel(device, "devicegroup") == gid
    client.restart_device(devices[0])
    client.restart_device(devices[0], conditional=True)
    client.restart_group_devices(gid)
    client.restart_group_devices(gid, conditional=True)
    client.unassign_devices(gid, devices)
    assert client.list_devices({"devicegroup.id": gid}) == []

    client.delete_webhook(hook["id"])
    client.delete_device_group(gid)
    client.delete_product(pid)
    with pytest.raises(NotFoundError):
        client.get_product(pid)


def test_production_and_fixture_groups(client: ImpCentralClient) -> None:
    pid = client.create_product("factory")["id"]
    prod = client.create_device_group(
        pid,
        "production_devicegroup",
        {"name": "prod", "load_code_after_blessing": False},
    )
    assert prod["attributes"]["load_code_after_blessing"] is False
    dut = client.create_device_group(pid, "dut_devicegroup", {"name": "dut"})
    fixture = client.create_device_group(
        pid,
        "factoryfixture_devicegroup",
        {"name": "fixture"},
        production_target={"type": "production_devicegroup", "id": prod["id"]},
        dut_target={"type": "dut_devicegroup", "id": dut["id"]},
    )
    assert rel(fixture, "production_target") == prod["id"]
    assert rel(fixture, "dut_target") == dut["id"]
    hook = client.create_webhook(
        prod["id"],
        "production_devicegroup",
        {"url": "https://h.example.com/b", "event": "blessing", "content_type": "application/json"},
    )
    assert hook["attributes"]["event"] == "blessing"


def test_pagination_across_pages(emulator: Any, client: ImpCentralClient) -> None:
    pid = client.create_product("many")["id"]
    names = {f"g{i:03d}" for i in range(230)}
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda n: client.create_device_group(pid, DEV, {"name": n}), names))
    offset = len(request_log(emulator))
    groups = client.list_device_groups({"product.id": pid})
    assert {g["attributes"]["name"] for g in groups} == names
    assert len(groups) == len({g["id"] for g in groups}) == 230
    pages = calls(log_since(emulator, offset), "GET", "/v5/devicegroups")
    assert len(pages) == 3  # 100 + 100 + 30


def test_small_page_size_option(emulator: Any, make_client: MakeClient) -> None:
    client = make_client(page_size=3)
    offset = len(request_log(emulator))
    devices = client.list_devices()
    assert len(devices) == 8
    assert len(calls(log_since(emulator, offset), "GET", "/v5/devices")) == 3


# --- errors ----------------------------------------------------------------------------------


def test_not_found(client: ImpCentralClient) -> None:
    with pytest.raises(NotFoundError) as info:
        client.get_device_group("00000000-0000-0000-0000-000000000000")
    err = info.value
    assert (err.status, err.method) == (404, "GET")
    assert err.path == "/devicegroups/00000000-0000-0000-0000-000000000000"
    assert str(err).startswith(f"impCentral GET {err.path}: 404 ")


def test_conflict_duplicate_name(client: ImpCentralClient) -> None:
    client.create_product("dup")
    with pytest.raises(ConflictError) as info:
        client.create_product("dup")
    assert info.value.status == 409
    assert "unique" in str(info.value)


def test_server_side_validation(client: ImpCentralClient) -> None:
    gid = client.create_device_group(client.create_product("v")["id"], DEV, {"name": "g"})["id"]
    with pytest.raises(ValidationError) as info:
        client.create_webhook(
            gid,
            DEV,
            {"url": "invalidurl", "event": "deployment", "content_type": "application/json"},
        )
    assert info.value.status in (400, 422)
    assert info.value.errors


def test_permission_denied(client: ImpCentralClient) -> None:
    pid = client.create_product("perm")["id"]
    prod = client.create_device_group(pid, "production_devicegroup", {"name": "p"})
    # moving devices into a production group by hand is not allowed
    with pytest.raises((PermissionDeniedError, ValidationError, ConflictError)):
        client.assign_devices(prod["id"], unassigned_devices(client)[:1])


def test_multi_device_not_found(client: ImpCentralClient) -> None:
    gid = client.create_device_group(client.create_product("m")["id"], DEV, {"name": "g"})["id"]
    with pytest.raises(ValidationError) as info:
        client.unassign_devices(gid, ["0000000000000000", "1111111111111111"])
    assert info.value.all_not_found()
    assert len(info.value.errors) == 2


def test_conflict_delete_product_with_groups(client: ImpCentralClient) -> None:
    pid = client.create_product("dependent")["id"]
    client.create_device_group(pid, DEV, {"name": "g"})
    with pytest.raises(ConflictError):
        client.delete_product(pid)
