"""Plan, apply and drift of Builder-built code against the emulator over HTTP, and `impops
build`: the deployed bytes are `build_file`'s output, plans name source files and lines."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from builder_manifest_helpers import API_KEY, Cli
from fake_github import FakeGitHub

from impops.builder import GitHubResolver, build_file
from impops.providers.impcentral.api.client import ImpCentralClient

VARIABLES: dict[str, object] = {
    "PLATFORM": "imp005",
    "REPORT_PERIOD": 60,
    "RING_SIZE": 8,
    "API_KEY": API_KEY,
}


def _built(project: Path, side: str) -> str:
    """The reference: the side built directly with the Builder API (root: the manifest dir)."""
    path = project / "src" / f"{side}.nut"
    return build_file(path, variables=VARIABLES, github=GitHubResolver(), root=project).code


def _deployment_change(plan: dict[str, Any]) -> dict[str, Any]:
    changes = [c for c in plan["resource_changes"] if c["address"] == "deployment/thermostat/dev"]
    assert len(changes) == 1, plan["resource_changes"]
    return changes[0]


def test_build_prints_exactly_the_built_side(cli: Cli, project: Path) -> None:
    for side in ("agent", "device"):
        result = cli("build", str(project), "--group", "thermostat/dev", "--side", side)
        assert result.code == 0, result.text
        assert result.out == _built(project, side)
        assert result.err == ""
    device = cli("build", str(project), "--group", "thermostat/dev", "--side", "device").out
    assert "class Ring { size = 8; }" in device
    assert "@include" not in device


def test_build_out_writes_every_group(cli: Cli, project: Path, tmp_path: Path) -> None:
    out = tmp_path / "built"
    result = cli("build", str(project), "--out", str(out))
    assert result.code == 0, result.text
    assert result.out == ""
    for side in ("agent", "device"):
        written = (out / "thermostat" / "dev" / f"{side}.nut").read_bytes()
        assert written == _built(project, side).encode()


def test_build_usage_errors(cli: Cli, project: Path) -> None:
    unknown = cli("build", str(project), "--group", "thermostat/nope", "--side", "agent")
    assert unknown.code == 1
    assert "thermostat/dev" in unknown.err  # names the groups that exist
    neither = cli("build", str(project))
    assert neither.code == 1
    assert "--out" in neither.err


def test_plan_json_records_sources_and_commit(
    cli: Cli, project: Path, github: FakeGitHub, tmp_path: Path
) -> None:
    plan_file = tmp_path / "plan.json"
    result = cli("plan", str(project), "--out", str(plan_file))
    assert result.code == 0, result.text
    after = _deployment_change(json.loads(plan_file.read_text()))["change"]["after"]
    sources = {(s["side"], s["name"]): s for s in after["sources"]}
    commit = github.repo("acme/lib").refs["main"]
    assert sources[("device", "github:acme/lib/ring.nut@main")]["commit"] == commit
    assert ("device", "src/lib/sensor.nut") in sources
    assert ("agent", "src/lib/util.nut") in sources
    assert sources[("device", "src/device.nut")]["commit"] is None
    assert "agent_origins" not in after
    assert "agent_code" not in after
    assert API_KEY not in plan_file.read_text()


def test_apply_deploys_built_bytes_then_no_drift(
    cli: Cli, project: Path, client: ImpCentralClient
) -> None:
    applied = cli("apply", str(project), "--auto-approve")
    assert applied.code == 0, applied.text
    deployments = [
        d for d in client.list_deployments() if "impops" in d["attributes"].get("tags", [])
    ]
    assert len(deployments) == 1
    attributes = deployments[0]["attributes"]
    assert attributes["device_code"] == _built(project, "device")
    assert attributes["agent_code"] == _built(project, "agent")
    again = cli("plan", str(project), "--detailed-exitcode")
    assert again.code == 0, again.text
    drift = cli("drift", str(project))
    assert drift.code == 0, drift.text


def test_changed_include_shows_hunk_origin(cli: Cli, project: Path) -> None:
    assert cli("apply", str(project), "--auto-approve").code == 0
    sensor = project / "src" / "lib" / "sensor.nut"
    sensor.write_text(sensor.read_text().replace("% 40", "% 50"))  # line 3 of sensor.nut
    result = cli("plan", str(project), "--detailed-exitcode")
    assert result.code == 2, result.text
    headers = [line for line in result.out.splitlines() if "@@ " in line]
    assert any(line.rstrip().endswith("from src/lib/sensor.nut:3") for line in headers), result.out


def test_moving_branch_is_a_code_change(
    cli: Cli, project: Path, github: FakeGitHub, tmp_path: Path
) -> None:
    assert cli("apply", str(project), "--auto-approve").code == 0
    repo = github.repo("acme/lib")
    moved = repo.commit({"ring.nut": "// ring buffer v2\n"}, branch="main")
    plan_file = tmp_path / "plan.json"
    result = cli("plan", str(project), "--out", str(plan_file))
    assert result.code == 0, result.text
    change = _deployment_change(json.loads(plan_file.read_text()))
    assert change["change"]["actions"] != ["no-op"]
    ring = [s for s in change["change"]["after"]["sources"] if s["name"].startswith("github:")]
    assert ring[0]["commit"] == moved
    assert "from github:acme/lib/ring.nut@main:1" in result.out


def test_builder_false_deploys_the_file_as_is(cli: Cli, project: Path) -> None:
    product = project / "thermostat.yaml"
    text = product.read_text()
    start = text.index("      builder:\n")
    product.write_text(text[:start] + "      builder: false\n")
    result = cli("build", str(project), "--group", "thermostat/dev", "--side", "device")
    assert result.code == 0, result.text
    assert result.out == (project / "src" / "device.nut").read_text()
