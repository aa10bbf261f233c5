"""Moves between managed groups are one reassignment, over HTTP; a failed move loses nothing."""

from __future__ import annotations

from pathlib import Path

from adopt_helpers import Cli, devices, group_of
from e2e_helpers import request_log, writes
from test_renames import groups_by_name

from impops.emulator import EmulatorServer
from impops.providers.impcentral.api.client import ImpCentralClient


def write(root: Path, a: list[str], b: list[str]) -> Path:
    (root / "p").mkdir(parents=True, exist_ok=True)
    (root / "impops.yaml").write_text("version: 1\nproducts: ['*/product.yaml']\n")
    (root / "p" / "product.yaml").write_text(
        "product: shop\ndevice_groups:\n"
        f"  alpha: {{type: development, devices: [{', '.join(a)}]}}\n"
        f"  beta: {{type: development, devices: [{', '.join(b)}]}}\n"
    )
    return root


def unassigns(emulator: EmulatorServer) -> list[object]:
    return [
        e
        for e in writes(request_log(emulator))
        if e.get("method") == "DELETE" and "relationships/devices" in str(e.get("path"))
    ]


def test_move_is_one_reassignment(
    cli: Cli, client: ImpCentralClient, emulator: EmulatorServer, tmp_path: Path
) -> None:
    d1, d2, d3 = devices(client)[:3]
    root = write(tmp_path, [d1, d2], [d3])
    assert cli("apply", str(root), "--auto-approve").code == 0
    write(tmp_path, [d1], [d2, d3])
    plan = cli("plan", str(root))
    assert f"move here from alpha: {d2}" in plan.out, plan.out
    assert f"move away (reassigned there, never unassigned): {d2} → beta" in plan.out
    emulator.admin("DELETE", "requests")
    assert cli("apply", str(root), "--auto-approve").code == 0
    assert unassigns(emulator) == []
    groups = groups_by_name(client)
    assert group_of(client, d2) == groups["beta"]
    assert group_of(client, d1) == groups["alpha"]
    assert cli("plan", str(root), "--detailed-exitcode").code == 0


def test_failed_move_leaves_the_device_where_it_was(
    cli: Cli, client: ImpCentralClient, emulator: EmulatorServer, tmp_path: Path
) -> None:
    d1, d2, d3 = devices(client)[:3]
    root = write(tmp_path, [d1, d2], [d3])
    assert cli("apply", str(root), "--auto-approve").code == 0
    groups = groups_by_name(client)
    write(tmp_path, [d1], [d2, d3])
    emulator.admin(
        "POST",
        "faults",
        {"method": "POST", "path": "/v5/devicegroups/*/relationships/devices", "status": 400},
    )
    first = cli("apply", str(root), "--auto-approve")
    assert first.code == 1, first.text
    assert group_of(client, d2) == groups["alpha"]  # never in no group
    emulator.admin("DELETE", "faults")
    assert cli("apply", str(root), "--auto-approve").code == 0
    assert group_of(client, d2) == groups["beta"]
    assert group_of(client, d1) == groups["alpha"]
    assert cli("plan", str(root), "--detailed-exitcode").code == 0
