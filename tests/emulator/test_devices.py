"""Devices: addressing by id/MAC/agent id, assignment rules, unbond key, restarts, logs."""

from __future__ import annotations

import re
from typing import Any

from impops.emulator import EmulatorServer
from impops.emulator.impcentral.seed import DEFAULT_UNBOND_KEY

IMP001 = "df7356268deeb9c2"  # the seed's imp001, which also has three log lines


def test_default_seed_devices(api: Any) -> None:
    devices = api.devices()
    assert len(devices) == 8
    types = {d["attributes"]["imp_type"] for d in devices}
    assert types == {"imp001", "imp003", "imp004m", "imp005", "imp006"}
    for dev in devices:
        assert re.fullmatch(r"[0-9a-f]{16}", dev["id"])
        assert re.fullmatch(r"0c:2a:69(:[0-9a-f]{2}){3}", dev["attributes"]["mac_address"])
        assert dev["attributes"]["agent_id"] == ""
        assert set(dev["relationships"]) == {"owner"}  # absent relationships are omitted


def test_default_seed_is_deterministic() -> None:
    def first_ids() -> list[str]:
        with EmulatorServer() as emu:
            state: Any = emu.admin("GET", "state")
            return sorted(state["collections"]["devices"])

    assert first_ids() == first_ids()


def test_address_by_id_mac_and_agent_id(api: Any) -> None:
    dev = api.devices()[1]
    mac = dev["attributes"]["mac_address"]
    assert api.ok("GET", f"/devices/{mac}")["data"]["id"] == dev["id"]
    assert api.ok("GET", f"/devices/{mac.replace(':', '%3A')}")["data"]["id"] == dev["id"]
    group = api.group(api.product()["id"])
    assert api.assign(group["id"], mac).status_code == 204
    got = api.ok("GET", f"/devices/{dev['id']}")["data"]
    agent = got["attributes"]["agent_id"]
    assert re.fullmatch(r"[A-Za-z0-9_-]{12}", agent)
    assert got["relationships"]["devicegroup"] == {"type": group["type"], "id": group["id"]}
    assert got["relationships"]["product"]["id"] == group["relationships"]["product"]["id"]
    assert api.ok("GET", f"/devices/{agent}")["data"]["id"] == dev["id"]
    # PATCH with data.id being the agent id (what the Node client sends).
    body = {"data": {"type": "device", "id": agent, "attributes": {"name": "kitchen"}}}
    assert api.ok("PATCH", f"/devices/{agent}", body)["data"]["attributes"]["name"] == "kitchen"
    api.ok("POST", f"/devices/{mac}/restart", status=204)
    api.ok("POST", f"/devices/{agent}/conditional_restart", status=204)
    assert api.get(f"/devices/{agent}/logs").status_code == 200
    # Unassigned again: agent_id shows "", but the device keeps its agent id for life.
    api.ok(
        "DELETE",
        f"/devicegroups/{group['id']}/relationships/devices",
        {"data": [{"type": "device", "id": dev["id"]}]},
        status=204,
    )
    unassigned = api.ok("GET", f"/devices/{agent}")["data"]
    assert unassigned["id"] == dev["id"]
    assert unassigned["attributes"]["agent_id"] == ""
    assert "devicegroup" not in unassigned["relationships"]
    assert api.assign(group["id"], agent).status_code == 204  # re-added by that agent id
    again = api.ok("GET", f"/devices/{dev['id']}")["data"]["attributes"]["agent_id"]
    assert again == agent


def test_bulk_assign_partial_failure(api: Any) -> None:
    group = api.group(api.product()["id"])
    ids = [d["id"] for d in api.devices()[:2]]
    answer = api.assign(group["id"], ids[0], "0000000000000000", ids[1])
    assert answer.status_code == 400
    errors = answer.json()["errors"]
    assert [e["status"] for e in errors] == ["404"]
    assert all(e["title"] and e["detail"] for e in errors)
    listed = api.ok("GET", f"/devices?filter[devicegroup.id]={group['id']}")["data"]
    assert sorted(d["id"] for d in listed) == sorted(ids)  # not atomic: the others succeeded
    # Removing a device that is not in the group: 400 with a 404 element.
    bad = api.call(
        "DELETE",
        f"/devicegroups/{group['id']}/relationships/devices",
        {"data": [{"type": "device", "id": api.devices()[5]["id"]}]},
    )
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["status"] == "404"
    # Delete guard: devices assigned.
    refused = api.call("DELETE", f"/devicegroups/{group['id']}")
    assert refused.status_code == 409
    assert refused.json()["errors"][0]["code"].startswith("CX")


def test_production_assignment_rules_and_unbond_key(emulator: EmulatorServer, api: Any) -> None:
    pid = api.product()["id"]
    prod = api.group(pid, "production", "prod")
    pre = api.group(pid, "pre_production", "pre")
    dev_id = api.devices()[3]["id"]
    # Decision: nobody assigns by hand into (pre-)production: blessing does.
    refused = api.assign(prod["id"], dev_id)
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["title"] == "Invalid Assignment"
    emulator.admin("POST", f"devices/{dev_id}/assign", {"devicegroup": pre["id"]})  # "blessing"
    # Moving between (pre-)production groups of the same product is allowed.
    assert api.assign(prod["id"], dev_id).status_code == 204
    # Leaving a production group needs the unbond key.
    body = {"data": [{"type": "device", "id": dev_id}]}
    path = f"/devicegroups/{prod['id']}/relationships/devices"
    assert api.call("DELETE", path, body).status_code == 403
    wrong = api.call("DELETE", path, body, headers={"X-Electricimp-Key": "nope"})
    assert wrong.status_code == 403
    ok = api.call("DELETE", path, body, headers={"X-Electricimp-Key": DEFAULT_UNBOND_KEY})
    assert ok.status_code == 204


def test_imp001_not_allowed_in_factory_groups(api: Any) -> None:
    pid = api.product()["id"]
    prod = api.group(pid, "production", "p")
    dut = api.group(pid, "dut", "d")
    fixture = api.group(
        pid,
        "factoryfixture",
        "f",
        relationships={
            "production_target": {"type": prod["type"], "id": prod["id"]},
            "dut_target": {"type": dut["type"], "id": dut["id"]},
        },
    )
    answer = api.assign(fixture["id"], IMP001)
    assert answer.status_code == 400
    assert answer.json()["errors"][0]["status"] == "409"
    other = next(d["id"] for d in api.devices() if d["attributes"]["imp_type"] != "imp001")
    assert api.assign(fixture["id"], other).status_code == 204


def test_restarts(api: Any) -> None:
    dev_id = api.devices()[0]["id"]
    refused = api.call("POST", f"/devices/{dev_id}/restart")
    assert refused.status_code == 409  # unassigned devices cannot be restarted
    assert api.error(refused)["detail"]
    group = api.group(api.product()["id"])
    api.assign(group["id"], dev_id)
    api.deploy(group, "server.log(1);")
    api.ok("POST", f"/devices/{dev_id}/restart", status=204)
    api.ok("POST", f"/devicegroups/{group['id']}/restart", status=204)
    api.ok("POST", f"/devicegroups/{group['id']}/conditional_restart", status=204)
    logs = api.ok("GET", f"/devices/{dev_id}/logs")["data"]
    assert logs[0]["msg"] == "SHUTDOWN_NEWSQUIRREL sent"  # already on the min supported


def test_restart_runs_deployed_log_lines(api: Any) -> None:
    dev_id = api.devices()[1]["id"]
    group = api.group(api.product()["id"])
    api.assign(group["id"], dev_id)
    api.deploy(
        group,
        'server.log("Hello from the \\"device\\""); local x = 1; server.error("bad");',
        agent_code='server.log("Hello from the agent");',
    )
    api.ok("POST", f"/devices/{dev_id}/restart", status=204)
    logs = api.ok("GET", f"/devices/{dev_id}/logs?page[size]=4")["data"]
    assert [(e["type"], e["msg"]) for e in reversed(logs)] == [
        ("status", "Agent restarted: reload."),
        ("agent.log", "Hello from the agent"),
        ("server.log", 'Hello from the "device"'),
        ("server.error", "bad"),
    ]


def test_logs_newest_first_and_paginated(emulator: EmulatorServer, api: Any) -> None:
    emulator.admin(
        "POST",
        f"devices/{IMP001}/logs",
        {"logs": [{"msg": f"line {i}", "ts": f"2026-02-01T00:00:0{i}.000Z"} for i in range(5)]},
    )
    page = api.ok("GET", f"/devices/{IMP001}/logs?page[size]=3")
    assert [e["msg"] for e in page["data"]] == ["line 4", "line 3", "line 2"]
    assert set(page["data"][0]) == {"ts", "type", "msg"}
    assert "next" in page["links"]
    last = api.ok("GET", f"/devices/{IMP001}/logs?page[size]=3&page[number]=3")
    assert [e["msg"][:12] for e in last["data"]] == ["Connected by", "Device conne"]
    assert "next" not in last["links"]


def test_device_filters_and_delete(emulator: EmulatorServer, api: Any) -> None:
    pid = api.product()["id"]
    group = api.group(pid)
    ids = [d["id"] for d in api.devices()]
    api.assign(group["id"], ids[1], ids[2])
    unassigned = api.ok("GET", "/devices?filter[devicegroup.owner.id]=null&page[size]=100")
    assert len(unassigned["data"]) == 6
    by_product = api.ok("GET", f"/devices?filter%5Bproduct.id%5D={pid}")["data"]
    assert sorted(d["id"] for d in by_product) == sorted(ids[1:3])
    by_type = api.ok("GET", "/devices?filter[devicegroup.type]=development_devicegroup")["data"]
    assert len(by_type) == 2
    api.ok("DELETE", f"/devices/{ids[7]}", status=204)
    assert len(api.devices()) == 7
    added: Any = emulator.admin("POST", "devices", {"devices": [{"imp_type": "imp006"}]})
    assert added["data"][0]["attributes"]["imp_type"] == "imp006"
    assert len(api.devices()) == 8


def test_production_devices_stay_put(emulator: EmulatorServer, api: Any) -> None:
    pid = api.product()["id"]
    prod = api.group(pid, "production", "prod")
    dev = api.group(pid, "development", "dev")
    empty = api.group(pid, "development", "empty")
    api.ok("POST", f"/devicegroups/{empty['id']}/restart", status=204)  # empty group: fine
    dev_id = api.devices()[4]["id"]
    emulator.admin("POST", f"devices/{dev_id}/assign", {"devicegroup": prod["id"]})
    moved = api.assign(dev["id"], dev_id)  # leaving production by hand is refused
    assert moved.status_code == 400
    assert moved.json()["errors"][0]["status"] == "409"
    refused = api.call("DELETE", f"/devices/{dev_id}")
    assert refused.status_code == 409
    assert api.error(refused)["detail"] == "Production devices cannot be deleted."
