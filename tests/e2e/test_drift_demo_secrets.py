"""Drift (read-only, attribution), the demo, and secret redaction across every output."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from e2e_helpers import EXAMPLES, Result, request_log, writes

from impops.providers.impcentral.api.client import ImpCentralClient

Cli = Callable[..., Result]


def _dev_group(client: ImpCentralClient) -> dict[str, Any]:
    """The weather-station development group."""
    product = next(
        p for p in client.list_products() if p["attributes"]["name"] == "weather-station"
    )
    return next(
        g
        for g in client.list_device_groups({"product.id": product["id"]})
        if g["attributes"]["name"] == "development"
    )


def test_no_drift_after_apply(cli: Cli, manifests: Path) -> None:
    assert cli("apply", str(manifests), "--auto-approve").code == 0
    result = cli("drift", str(manifests))
    assert result.code == 0, result.text
    assert "No drift" in result.out


def test_drift_reports_out_of_band_deploy_read_only(
    cli: Cli, manifests: Path, client: ImpCentralClient, emulator: Any
) -> None:
    assert cli("apply", str(manifests), "--auto-approve").code == 0
    group = _dev_group(client)
    dep = client.create_deployment(
        group["id"],
        group["type"],
        {"agent_code": "// hotfix\n", "device_code": "", "origin": "ide", "tags": ["hotfix"]},
    )
    dep = client.get_deployment(dep["id"])
    creator = dep["relationships"]["creator"]["id"]
    created_at = dep["attributes"]["created_at"]

    mark = len(request_log(emulator))
    for fmt in ("text", "markdown", "json"):
        result = cli("drift", str(manifests), "--format", fmt)
        assert result.code == 2, result.text
        assert dep["id"] in result.out
        assert creator in result.out
        assert created_at in result.out
    text = cli("drift", str(manifests)).out
    assert "Note: Objects have changed outside of impops" in text
    assert "outside impops" in text
    data = json.loads(cli("drift", str(manifests), "--format", "json").out)
    item = next(i for i in data["items"] if i["address"].startswith("deployment/"))
    assert item["outside_impops"] is True
    assert item["code_differs"] is True
    assert item["live_deployment"]["origin"].startswith("ide")
    # Read-only: nothing but reads (and token exchanges) reached the API.
    assert writes(request_log(emulator)[mark:]) == []


def test_drift_lists_group_edit_and_extra_webhook(
    cli: Cli, manifests: Path, client: ImpCentralClient
) -> None:
    assert cli("apply", str(manifests), "--auto-approve").code == 0
    group = _dev_group(client)
    client.update_device_group(group["id"], group["type"], {"description": "hand edit"})
    client.create_webhook(
        group["id"],
        group["type"],
        {
            "event": "deployment",
            "url": "https://rogue.example.com/x",
            "content_type": "application/json",
        },
    )
    result = cli("drift", str(manifests))
    assert result.code == 2
    assert "devicegroup/weather-station/development" in result.out
    assert "hand edit" in result.out
    assert "rogue.example.com" in result.out


def test_demo_runs(cli: Cli) -> None:
    result = cli("demo", "--manifests", str(EXAMPLES))
    assert result.code == 0, result.text
    for expected in (
        "Apply complete!",
        "No changes",
        "Note: Objects have changed outside of impops",
        "impops emulator serve",
    ):
        assert expected in result.out


SECRET = "s3cret-weather-api-key-0042"
HOOK_SECRET = "hook-token-9f8e7d6c5b4a"


def test_secrets_never_appear(
    cli: Cli, manifests: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WEATHER_API_KEY", SECRET)
    monkeypatch.setenv(
        "WEATHER_BLESSING_HOOK_URL", f"https://factory.example.com/api/blessing?token={HOOK_SECRET}"
    )
    outputs: list[str] = []
    plan_file = tmp_path / "plan.json"
    for fmt in ("text", "markdown", "json"):
        result = cli("plan", str(manifests), "--format", fmt, "--out", str(plan_file))
        assert result.code == 0, result.text
        outputs += [result.out, result.err, plan_file.read_text()]
    applied = cli("apply", str(manifests), "--auto-approve")
    assert applied.code == 0, applied.text
    outputs += [applied.out, applied.err]
    # A change of the secret shows as a change, still without the value.
    monkeypatch.setenv("WEATHER_API_KEY", SECRET + "-rotated")
    for fmt in ("text", "markdown", "json"):
        result = cli("plan", str(manifests), "--format", fmt)
        assert result.code == 0
        outputs += [result.out, result.err]
    drifted = cli("drift", str(manifests), "--format", "json")
    outputs += [drifted.out, drifted.err]
    for text in outputs:
        assert SECRET not in text
        assert HOOK_SECRET not in text


def test_drift_flags_identical_redeploy_outside_impops(
    cli: Cli, manifests: Path, client: ImpCentralClient
) -> None:
    assert cli("apply", str(manifests), "--auto-approve").code == 0
    group = _dev_group(client)
    current = client.get_deployment(group["relationships"]["current_deployment"]["id"])
    attrs = current["attributes"]
    dep = client.create_deployment(
        group["id"],
        group["type"],
        {
            "agent_code": attrs["agent_code"],
            "device_code": attrs["device_code"],
            "description": attrs["description"],
            "tags": [t for t in attrs["tags"] if t != "impops"],
        },
    )
    # Nothing for apply to do ...
    assert cli("plan", str(manifests), "--detailed-exitcode").code == 0
    # ... but drift says someone deployed outside impops.
    result = cli("drift", str(manifests))
    assert result.code == 2, result.text
    assert "! deployment/weather-station/development" in result.out
    assert dep["id"] in result.out
