"""plan/apply end to end over HTTP: convergence, exit codes, confirmation, saved plans, prune."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from e2e_helpers import EXAMPLES, Result, by_name, request_log, writes

from impops.providers.impcentral.api.client import ImpCentralClient, strip_op_marker

Cli = Callable[..., Result]


def test_fresh_plan_shows_changes_and_exit_codes(cli: Cli, manifests: Path) -> None:
    plain = cli("plan", str(manifests))
    assert plain.code == 0, plain.text
    assert "to add" in plain.out
    detailed = cli("plan", str(manifests), "--detailed-exitcode")
    assert detailed.code == 2, detailed.text


def test_apply_then_plan_converges(cli: Cli, manifests: Path, client: ImpCentralClient) -> None:
    applied = cli("apply", str(manifests), "--auto-approve")
    assert applied.code == 0, applied.text
    assert "Apply complete! Resources:" in applied.out
    assert "[1/" in applied.out  # plain progress lines when not on a terminal
    again = cli("plan", str(manifests), "--detailed-exitcode")
    assert again.code == 0, again.text
    assert "No changes" in again.out
    # Deployments carry the impops tag and an origin naming the product file.
    for dep in client.list_deployments():
        attrs = dep["attributes"]
        assert "impops" in attrs["tags"]
        assert attrs["origin"].startswith("impops:")
    products = by_name(client.list_products())
    assert products == {"weather-station": 1, "asset-tracker": 1} or set(products) >= {
        "weather-station",
        "asset-tracker",
    }


def test_errors_exit_1(cli: Cli, manifests: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    missing = cli("plan", str(manifests / "nope"))
    assert missing.code == 1
    assert "error:" in missing.err
    (manifests / "impops.yaml").write_text("version: 1\nproducts: [\n", encoding="utf-8")
    broken = cli("plan", str(manifests))
    assert broken.code == 1
    assert "Traceback" not in broken.text


def test_bad_credentials_exit_1(cli: Cli, manifests: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IMPOPS_LOGIN_KEY", "ffffffffffffffff")
    result = cli("plan", str(manifests))
    assert result.code == 1
    assert "ffffffffffffffff" not in result.text
    assert "Traceback" not in result.text


def test_apply_without_tty_needs_auto_approve(cli: Cli, manifests: Path, emulator: Any) -> None:
    before = len(request_log(emulator))
    result = cli("apply", str(manifests))
    assert result.code == 1
    assert "--auto-approve" in result.err
    assert writes(request_log(emulator)[before:]) == []


def test_saved_plan_fresh_applies(cli: Cli, manifests: Path, tmp_path: Path) -> None:
    plan_file = tmp_path / "plan.json"
    planned = cli("plan", str(manifests), "--out", str(plan_file))
    assert planned.code == 0, planned.text
    data = json.loads(plan_file.read_text())
    assert data["checksum"].startswith("sha256:")
    applied = cli("apply", str(manifests), "--plan", str(plan_file))
    assert applied.code == 0, applied.text
    assert "Apply complete!" in applied.out


def test_saved_plan_stale_after_out_of_band_change(
    cli: Cli, manifests: Path, tmp_path: Path, client: ImpCentralClient, emulator: Any
) -> None:
    assert cli("apply", str(manifests), "--auto-approve").code == 0
    # A change to plan: new description for the product.
    product_file = manifests / "asset-tracker" / "product.yaml"
    text = product_file.read_text()
    product_file.write_text(text.replace("description:", "description: (v2)", 1))
    plan_file = tmp_path / "plan.json"
    assert cli("plan", str(manifests), "--out", str(plan_file)).code == 0
    # Someone edits a device group behind the plan's back.
    group = next(g for g in client.list_device_groups() if g["type"] == "development_devicegroup")
    client.update_device_group(group["id"], group["type"], {"description": "hand edit"})
    before = len(request_log(emulator))
    stale = cli("apply", str(manifests), "--plan", str(plan_file))
    assert stale.code == 4, stale.text
    assert "stale" in stale.err
    assert writes(request_log(emulator)[before:]) == []


def test_saved_plan_stale_after_manifest_change(
    cli: Cli, manifests: Path, tmp_path: Path, emulator: Any
) -> None:
    plan_file = tmp_path / "plan.json"
    assert cli("plan", str(manifests), "--out", str(plan_file)).code == 0
    product_file = manifests / "asset-tracker" / "product.yaml"
    product_file.write_text(product_file.read_text().replace("description:", "description: x", 1))
    before = len(request_log(emulator))
    stale = cli("apply", str(manifests), "--plan", str(plan_file))
    assert stale.code == 4, stale.text
    assert writes(request_log(emulator)[before:]) == []


def _drop_group(product_file: Path, group: str) -> None:
    """Remove one device group block from a product file (text edit keeps the rest intact)."""
    lines = product_file.read_text().splitlines(keepends=True)
    out: list[str] = []
    skipping = False
    for line in lines:
        if line.startswith(f"  {group}:"):
            skipping = True
            continue
        if skipping and line.startswith("  ") and not line.startswith("   ") and line.strip():
            skipping = False
        if skipping and (line.startswith("    ") or not line.strip()):
            continue
        skipping = False
        out.append(line)
    product_file.write_text("".join(out))


def test_prune_and_force(cli: Cli, manifests: Path, client: ImpCentralClient) -> None:
    assert cli("apply", str(manifests), "--auto-approve").code == 0
    _drop_group(manifests / "weather-station" / "product.yaml", "factory")
    # Without --prune the group is left alone: nothing to do.
    kept = cli("plan", str(manifests), "--detailed-exitcode")
    assert kept.code == 0, kept.text
    # With --prune, deleting a factory fixture group is protected: blocked (exit 3).
    blocked = cli("plan", str(manifests), "--prune")
    assert blocked.code == 3, blocked.text
    assert "devicegroup/weather-station/factory" in blocked.out
    refused = cli("apply", str(manifests), "--prune", "--auto-approve")
    assert refused.code == 3, refused.text
    names = by_name(client.list_device_groups())
    assert "factory" in names
    # --force acknowledges it.
    forced = cli("apply", str(manifests), "--prune", "--force", "--auto-approve")
    assert forced.code == 0, forced.text
    assert "1 destroyed" in forced.out
    assert "factory" not in by_name(client.list_device_groups())
    assert cli("plan", str(manifests), "--prune", "--detailed-exitcode").code == 0


def test_plan_formats(cli: Cli, manifests: Path) -> None:
    md = cli("plan", str(manifests), "--format", "markdown")
    assert md.code == 0
    assert "|" in md.out
    js = cli("plan", str(manifests), "--format", "json")
    assert js.code == 0
    data = json.loads(js.out)
    assert data["resource_changes"]


def test_target_limits_the_plan(cli: Cli, manifests: Path) -> None:
    result = cli("plan", str(manifests), "--format", "json", "--target", "product/*")
    assert result.code == 0, result.text
    addresses = [c["address"] for c in json.loads(result.out)["resource_changes"]]
    assert addresses
    assert all(a.startswith("product/") for a in addresses)


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new, 1))


def test_updates_devices_and_webhooks_end_to_end(
    cli: Cli, manifests: Path, client: ImpCentralClient
) -> None:
    assert cli("apply", str(manifests), "--auto-approve").code == 0
    deployments_before = len(client.list_deployments())
    hooks_before = {w["id"] for w in client.list_webhooks()}
    product = manifests / "weather-station" / "product.yaml"
    _edit(
        product,
        "    description: Bench units on the firmware team's desks\n",
        "    description: Bench units (v2)\n    devices: [df7356268deeb9c2, 0C-2A-69-5F-FE-F7]\n",
    )
    _edit(
        product,
        "      description: Weather station application (development)\n",
        "      description: Weather station application (development, v2)\n",
    )
    _edit(
        product,
        "        url: ${WEATHER_DEPLOY_HOOK_URL}\n",
        "        url: ${WEATHER_DEPLOY_HOOK_URL}\n"
        "        content_type: application/x-www-form-urlencoded\n",
    )
    applied = cli("apply", str(manifests), "--auto-approve")
    assert applied.code == 0, applied.text
    # 1 added: the Mnubo registry object of the newly assigned device (second pass).
    assert "1 added, 4 changed, 0 destroyed" in applied.out
    assert cli("plan", str(manifests), "--detailed-exitcode").code == 0
    # Metadata edits update in place: no new deployment, same webhook object.
    assert len(client.list_deployments()) == deployments_before
    assert {w["id"] for w in client.list_webhooks()} == hooks_before
    assigned = {d["id"] for d in client.list_devices() if "devicegroup" in d["relationships"]}
    assert assigned == {"df7356268deeb9c2", "2ae7d3e80741cd88"}
    # Back to no devices.
    _edit(product, "    devices: [df7356268deeb9c2, 0C-2A-69-5F-FE-F7]\n", "    devices: []\n")
    assert cli("apply", str(manifests), "--auto-approve").code == 0
    assert not [d for d in client.list_devices() if "devicegroup" in d["relationships"]]
    assert cli("plan", str(manifests), "--detailed-exitcode").code == 0


def test_code_change_deploys_and_restarts(
    cli: Cli, manifests: Path, client: ImpCentralClient
) -> None:
    assert cli("apply", str(manifests), "--auto-approve").code == 0
    agent = manifests / "asset-tracker" / "src" / "tracker.agent.nut"
    agent.write_text(agent.read_text() + "\n// v2\n")
    planned = cli("plan", str(manifests), "--detailed-exitcode")
    # New code that raises production's min supported deployment is protected.
    assert planned.code == 3, planned.text
    assert "deployment/asset-tracker/production" in planned.out
    assert cli("apply", str(manifests), "--auto-approve").code == 3
    applied = cli("apply", str(manifests), "--auto-approve", "--force")
    assert applied.code == 0, applied.text
    assert "2 added" in applied.out  # asset-tracker development and production
    assert "restart devicegroup/asset-tracker/development (conditional) ... done" in applied.out
    assert cli("plan", str(manifests), "--detailed-exitcode").code == 0


class _Tty:
    """A stand-in stdin that is a terminal and answers `answer`."""

    def __init__(self, answer: str) -> None:
        self.answer = answer

    def isatty(self) -> bool:
        return True

    def readline(self) -> str:
        return self.answer + "\n"


def test_prompt_on_a_terminal(
    cli: Cli, manifests: Path, monkeypatch: pytest.MonkeyPatch, emulator: Any
) -> None:
    monkeypatch.setattr("sys.stdin", _Tty("no"))
    before = len(request_log(emulator))
    cancelled = cli("apply", str(manifests))
    assert cancelled.code == 1
    assert "Do you want to perform these actions?" in cancelled.out
    assert "Apply cancelled." in cancelled.out
    assert writes(request_log(emulator)[before:]) == []
    monkeypatch.setattr("sys.stdin", _Tty("yes"))
    approved = cli("apply", str(manifests))
    assert approved.code == 0, approved.text
    assert "Apply complete!" in approved.out


def test_origin_names_the_git_commit(cli: Cli, client: ImpCentralClient) -> None:
    """The repository's own examples sit in git: new deployments name the commit."""
    sha = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=EXAMPLES, capture_output=True, text=True, check=False
    ).stdout.strip()
    if not sha:
        pytest.skip("not a git checkout")
    assert cli("apply", str(EXAMPLES), "--auto-approve").code == 0
    origins = {strip_op_marker(d["attributes"]["origin"]) for d in client.list_deployments()}
    assert origins == {
        f"impops:weather-station/product.yaml@{sha[:12]}",
        f"impops:asset-tracker/product.yaml@{sha[:12]}",
    }


def test_plan_reads_with_list_calls(cli: Cli, manifests: Path, emulator: Any) -> None:
    """Reading live state: every managed product, so one account-wide list per kind, no writes."""
    assert cli("apply", str(manifests), "--auto-approve").code == 0
    mark = len(request_log(emulator))
    assert cli("plan", str(manifests)).code == 0
    reads = [e for e in request_log(emulator)[mark:] if "/auth" not in e["path"]]
    assert writes(reads) == []
    paths = [e["path"] for e in reads]
    assert paths.count("/v5/products") == 1
    assert paths.count("/v5/devicegroups") == 1  # account-wide: both products are managed
    assert paths.count("/v5/devices") == 1  # assigned and unassigned devices alike
    assert paths.count("/v5/webhooks") == 1  # one account-wide list for 9 groups
    # 9 groups have a current deployment, more than AUTO_GET_MAX: one account-wide list.
    assert paths.count("/v5/deployments") == 1
    assert not any(p.startswith("/v5/deployments/") for p in paths)
    assert not any(p.startswith(("/v5/devicegroups/", "/v5/products/")) for p in paths)


def test_saved_plan_keeps_its_targets(
    cli: Cli, manifests: Path, tmp_path: Path, client: ImpCentralClient
) -> None:
    plan_file = tmp_path / "plan.json"
    assert cli("plan", str(manifests), "--target", "product/*", "--out", str(plan_file)).code == 0
    applied = cli("apply", str(manifests), "--plan", str(plan_file))
    assert applied.code == 0, applied.text
    assert "2 added" in applied.out
    assert set(by_name(client.list_products())) == {"weather-station", "asset-tracker"}
    assert client.list_device_groups() == []


def test_prune_group_with_devices_and_webhook(
    cli: Cli, manifests: Path, client: ImpCentralClient
) -> None:
    product = manifests / "weather-station" / "product.yaml"
    _edit(
        product,
        "    description: Bench units on the firmware team's desks\n",
        "    description: Bench units on the firmware team's desks\n"
        "    devices: [df7356268deeb9c2]\n",
    )
    assert cli("apply", str(manifests), "--auto-approve").code == 0
    _drop_group(product, "development")
    planned = cli("plan", str(manifests), "--prune", "--format", "json")
    assert planned.code == 0, planned.text
    actions = {
        c["address"]: c["change"]["actions"] for c in json.loads(planned.out)["resource_changes"]
    }
    assert actions["devicegroup/weather-station/development"] == ["delete"]
    applied = cli("apply", str(manifests), "--prune", "--auto-approve")
    assert applied.code == 0, applied.text
    assert "skipped" not in applied.out
    groups = {
        (g["attributes"]["name"], g["relationships"]["product"]["id"])
        for g in client.list_device_groups()
    }
    assert len(groups) == 8
    assert not [d for d in client.list_devices() if "devicegroup" in d["relationships"]]
    assert cli("plan", str(manifests), "--prune", "--detailed-exitcode").code == 0


def test_retiring_a_product_deletes_it_with_prune(
    cli: Cli, manifests: Path, client: ImpCentralClient
) -> None:
    assert cli("apply", str(manifests), "--auto-approve").code == 0
    shutil.rmtree(manifests / "asset-tracker")
    project = manifests / "impops.yaml"
    project.write_text(project.read_text() + "retired_products: [asset-tracker]\n")
    # Without pruning a retired product is only listed as left alone.
    assert cli("plan", str(manifests), "--detailed-exitcode").code == 0
    # With pruning its production group makes the plan protected: blocked until --force.
    assert cli("plan", str(manifests), "--prune").code == 3
    forced = cli("apply", str(manifests), "--prune", "--force", "--auto-approve")
    assert forced.code == 0, forced.text
    assert "asset-tracker" not in by_name(client.list_products())
    assert "weather-station" in by_name(client.list_products())
    assert cli("plan", str(manifests), "--prune", "--detailed-exitcode").code == 0
