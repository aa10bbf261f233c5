"""Renames keep identity: `previous_names:` renames in place over HTTP, and converges after a
fault in the middle."""

from __future__ import annotations

from pathlib import Path

from adopt_helpers import Cli, devices, group_of

from impops.emulator import EmulatorServer
from impops.providers.impcentral.api.client import ImpCentralClient

PROJECT = "version: 1\nproducts: ['*/product.yaml']\n"


def write(root: Path, product: str, groups: str, previous: str = "") -> Path:
    (root / "p").mkdir(parents=True, exist_ok=True)
    (root / "impops.yaml").write_text(PROJECT)
    (root / "p" / "app.nut").write_text("server.log(1);\n")
    text = f"product: {product}\n{previous}device_groups:\n{groups}"
    (root / "p" / "product.yaml").write_text(text)
    return root


def group(name: str, device_ids: list[str], previous: str = "", hook: str = "a") -> str:
    return (
        f"  {name}:\n    type: development\n{previous}"
        "    code: {agent: app.nut}\n"
        f"    devices: [{', '.join(device_ids)}]\n"
        f"    webhooks:\n      - {{event: deployment, url: 'https://hooks.example.com/{hook}'}}\n"
    )


def groups_by_name(client: ImpCentralClient) -> dict[str, str]:
    return {str(g["attributes"]["name"]): str(g["id"]) for g in client.list_device_groups()}


def test_group_rename_keeps_id_devices_code_and_webhooks(
    cli: Cli, client: ImpCentralClient, tmp_path: Path
) -> None:
    ids = devices(client)[:2]
    root = write(tmp_path, "shop", group("lab", ids))
    assert cli("apply", str(root), "--auto-approve").code == 0
    before = groups_by_name(client)["lab"]
    agent_ids = {d: client.get_device(d)["attributes"]["agent_id"] for d in ids}
    deployments = {str(d["id"]) for d in client.list_deployments()}
    write(tmp_path, "shop", group("bench", ids, "    previous_names: [lab]\n"))
    plan = cli("plan", str(root), "--detailed-exitcode")
    assert plan.code == 2, plan.text
    assert "rename lab → bench" in plan.out
    assert "Plan: 0 to add, 1 to change, 0 to destroy." in plan.out
    assert cli("apply", str(root), "--auto-approve").code == 0
    now = groups_by_name(client)
    assert now.get("bench") == before
    assert "lab" not in now
    assert all(group_of(client, d) == before for d in ids)
    assert {d: client.get_device(d)["attributes"]["agent_id"] for d in ids} == agent_ids
    assert {str(d["id"]) for d in client.list_deployments()} == deployments
    assert len(client.list_webhooks({"devicegroup.id": before})) == 1
    assert cli("plan", str(root), "--detailed-exitcode").code == 0


def test_product_rename_keeps_its_id(cli: Cli, client: ImpCentralClient, tmp_path: Path) -> None:
    ids = devices(client)[:1]
    root = write(tmp_path, "shop", group("lab", ids))
    assert cli("apply", str(root), "--auto-approve").code == 0
    pid = str(client.list_products()[0]["id"])
    write(tmp_path, "store", group("lab", ids), "previous_names: [shop]\n")
    plan = cli("plan", str(root), "--detailed-exitcode")
    assert plan.code == 2, plan.text
    assert "rename shop → store" in plan.out
    assert "to add" in plan.out
    assert "Plan: 0 to add" in plan.out
    assert cli("apply", str(root), "--auto-approve").code == 0
    products = {str(p["attributes"]["name"]): str(p["id"]) for p in client.list_products()}
    assert products == {"store": pid}
    assert cli("plan", str(root), "--detailed-exitcode").code == 0


def test_rename_without_previous_names_is_flagged(
    cli: Cli, client: ImpCentralClient, tmp_path: Path
) -> None:
    ids = devices(client)[:1]
    root = write(tmp_path, "shop", group("lab", ids))
    assert cli("apply", str(root), "--auto-approve").code == 0
    write(tmp_path, "shop", group("bench", []))
    plan = cli("plan", str(root))
    assert "looks like a rename of `lab`" in plan.out
    assert "previous_names: [lab]" in plan.out


def test_fault_in_the_middle_of_a_rename_converges(
    cli: Cli, client: ImpCentralClient, emulator: EmulatorServer, tmp_path: Path
) -> None:
    ids = devices(client)[:2]
    root = write(tmp_path, "shop", group("lab", ids))
    assert cli("apply", str(root), "--auto-approve").code == 0
    before = groups_by_name(client)["lab"]
    # The rename lands; the new webhook it comes with fails.
    write(tmp_path, "shop", group("bench", ids, "    previous_names: [lab]\n", hook="b"))
    emulator.admin("POST", "faults", {"method": "POST", "path": "/v5/webhooks*", "status": 400})
    first = cli("apply", str(root), "--auto-approve")
    assert first.code == 1, first.text
    emulator.admin("DELETE", "faults")
    second = cli("apply", str(root), "--auto-approve")
    assert second.code == 0, second.text
    assert groups_by_name(client) == {"bench": before}
    assert all(group_of(client, d) == before for d in ids)
    hooks = client.list_webhooks({"devicegroup.id": before})
    assert sorted(h["attributes"]["url"] for h in hooks) == [
        "https://hooks.example.com/a",
        "https://hooks.example.com/b",
    ]
    assert cli("plan", str(root), "--detailed-exitcode").code == 0
