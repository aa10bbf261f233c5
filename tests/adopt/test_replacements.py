"""Replacing a group carries its devices, code and webhooks over (or blocks), over HTTP."""

from __future__ import annotations

from pathlib import Path

from adopt_helpers import Cli, devices, group_of, make_group
from test_renames import groups_by_name

from impops.emulator import EmulatorServer
from impops.providers.impcentral.api.client import ImpCentralClient

PRODUCT = "version: 1\nproducts: ['*/product.yaml']\n"


def write(root: Path, group: str) -> Path:
    (root / "p").mkdir(parents=True, exist_ok=True)
    (root / "impops.yaml").write_text(PRODUCT)
    (root / "p" / "product.yaml").write_text(f"product: shop\ndevice_groups:\n  {group}\n")
    return root


def production_with_devices(client: ImpCentralClient, emulator: EmulatorServer) -> list[str]:
    """A production group (region eu) holding two blessed devices, code and a webhook that
    the manifests do not declare."""
    pid = str(client.create_product("shop")["id"])
    prod = make_group(client, pid, "production", "customers", region="eu")
    gid = str(prod["id"])
    client.create_deployment(
        gid, "production_devicegroup", {"agent_code": "// live", "device_code": "// dev"}
    )
    client.create_webhook(
        gid,
        "production_devicegroup",
        {"event": "blessing", "url": "https://h.example.com/b", "content_type": "application/json"},
    )
    ids = devices(client)[:2]
    for device_id in ids:
        emulator.admin("POST", f"devices/{device_id}/assign", {"devicegroup": gid})
    return ids


def check_carried(client: ImpCentralClient, ids: list[str]) -> None:
    groups = groups_by_name(client)
    assert list(groups) == ["customers"]
    gid = groups["customers"]
    assert client.get_device_group(gid)["attributes"]["region"] == "us"
    assert all(group_of(client, d) == gid for d in ids)
    deps = client.list_deployments({"devicegroup.id": gid})
    assert [d["attributes"]["agent_code"] for d in deps] == ["// live"]
    hooks = client.list_webhooks({"devicegroup.id": gid})
    assert [h["attributes"]["url"] for h in hooks] == ["https://h.example.com/b"]


def test_region_change_carries_everything_over(
    cli: Cli, client: ImpCentralClient, emulator: EmulatorServer, tmp_path: Path
) -> None:
    ids = production_with_devices(client, emulator)
    root = write(tmp_path, "customers: {type: production, region: us}")
    plan = cli("plan", str(root), "--force")
    assert "create-before-destroy" in plan.out, plan.out
    assert all(d in plan.out for d in ids)
    applied = cli("apply", str(root), "--auto-approve", "--force")
    assert applied.code == 0, applied.text
    check_carried(client, ids)
    assert cli("plan", str(root), "--detailed-exitcode").code == 0


def test_fault_in_the_middle_of_a_replacement_converges(
    cli: Cli, client: ImpCentralClient, emulator: EmulatorServer, tmp_path: Path
) -> None:
    ids = production_with_devices(client, emulator)
    root = write(tmp_path, "customers: {type: production, region: us}")
    emulator.admin("POST", "faults", {"method": "POST", "path": "/v5/deployments*", "status": 400})
    first = cli("apply", str(root), "--auto-approve", "--force")
    assert first.code == 1, first.text
    emulator.admin("DELETE", "faults")
    assert all(group_of(client, d) is not None for d in ids)  # nothing unassigned
    plan = cli("plan", str(root))
    assert "the old half of an unfinished replacement" in plan.out, plan.out
    second = cli("apply", str(root), "--auto-approve", "--force")
    assert second.code == 0, second.text
    check_carried(client, ids)
    assert cli("plan", str(root), "--detailed-exitcode").code == 0


def test_impossible_move_blocks_and_names_the_devices(
    cli: Cli, client: ImpCentralClient, emulator: EmulatorServer, tmp_path: Path
) -> None:
    ids = production_with_devices(client, emulator)
    root = write(tmp_path, "customers: {type: development}")
    plan = cli("plan", str(root), "--force")
    assert plan.code == 3, plan.text
    assert "impCentral cannot move the 2 device(s)" in plan.out
    assert all(d in plan.out for d in ids)
    assert cli("apply", str(root), "--auto-approve", "--force").code == 3
    assert all(group_of(client, d) is not None for d in ids)
