"""The CI-facing flags: drift --out/--target, apply --checksum, the job summary."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from e2e_helpers import Result

from impops.providers.impcentral.api.client import ImpCentralClient

Cli = Callable[..., Result]


def test_drift_out_and_target(
    cli: Cli, manifests: Path, client: ImpCentralClient, tmp_path: Path
) -> None:
    assert cli("apply", str(manifests), "--auto-approve").code == 0
    for g in client.list_device_groups():
        client.update_device_group(g["id"], g["type"], {"description": "edited by hand"})
    out = tmp_path / "drift.json"
    everything = cli("drift", str(manifests), "--out", str(out))
    assert everything.code == 2
    data = json.loads(out.read_text())
    assert data["drift"] is True
    addresses = {i["address"] for i in data["items"]}
    assert any(a.startswith("devicegroup/asset-tracker/") for a in addresses)
    only = cli(
        "drift", str(manifests), "--target", "devicegroup/weather-station/*", "--format", "json"
    )
    assert only.code == 2
    items = json.loads(only.out)["items"]
    assert items
    assert all(i["address"].startswith("devicegroup/weather-station/") for i in items)
    none = cli("drift", str(manifests), "--target", "webhook/*", "--exclude", "webhook/*")
    assert none.code == 0


def test_apply_checksum_binds_the_reviewed_plan(cli: Cli, manifests: Path, tmp_path: Path) -> None:
    plan_file = tmp_path / "plan.json"
    assert cli("plan", str(manifests), "--out", str(plan_file)).code == 0
    checksum = json.loads(plan_file.read_text())["checksum"]
    wrong = cli("apply", str(manifests), "--auto-approve", "--checksum", "sha256:" + "0" * 64)
    assert wrong.code == 4
    assert "nothing was written" in wrong.err
    right = cli("apply", str(manifests), "--auto-approve", "--checksum", checksum)
    assert right.code == 0, right.text


def test_markdown_plan_goes_to_the_job_summary(
    cli: Cli, manifests: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    result = cli("plan", str(manifests), "--format", "markdown")
    assert result.code == 0
    assert "to add" in summary.read_text()
    assert summary.read_text().strip() in result.out
