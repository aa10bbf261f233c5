"""A restart owed by a failed apply is recorded on its deployment and sent by the re-run."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from e2e_helpers import Result, request_log

from impops.providers.impcentral.api.client import ImpCentralClient
from impops.providers.impcentral.restarts import is_pending_tag

Cli = Callable[..., Result]


def _pending(client: ImpCentralClient) -> list[str]:
    return [
        d["id"]
        for d in client.list_deployments()
        if any(is_pending_tag(t) for t in d["attributes"].get("tags") or [])
    ]


def _restarts(emulator: Any) -> int:
    return sum(1 for e in request_log(emulator) if e["path"].endswith("restart"))


def test_restarts_survive_a_failed_apply(
    cli: Cli, manifests: Path, emulator: Any, client: ImpCentralClient
) -> None:
    emulator.admin(
        "POST",
        "faults",
        {"method": "POST", "path": "/v5/devicegroups/*restart", "status": 400, "count": 1},
    )
    first = cli("apply", str(manifests), "--auto-approve")
    assert first.code == 1, first.text
    assert "recorded on the deployment" in first.out
    owed = _pending(client)
    assert owed, "the deployments whose restart was not sent carry the pending tag"
    plan = cli("plan", str(manifests), "--detailed-exitcode")
    assert plan.code == 2, plan.text
    assert "~ restart/" in plan.out
    assert "restart was never sent" in plan.out
    sent_before = _restarts(emulator)
    second = cli("apply", str(manifests), "--auto-approve")
    assert second.code == 0, second.text
    assert _restarts(emulator) - sent_before == len(owed)
    assert _pending(client) == []
    assert cli("plan", str(manifests), "--detailed-exitcode").code == 0


def test_a_clean_apply_leaves_no_pending_tag(
    cli: Cli, manifests: Path, client: ImpCentralClient
) -> None:
    assert cli("apply", str(manifests), "--auto-approve").code == 0
    assert _pending(client) == []
    assert cli("plan", str(manifests), "--detailed-exitcode").code == 0


def test_metadata_updates_keep_an_owed_restart(
    cli: Cli, manifests: Path, emulator: Any, client: ImpCentralClient
) -> None:
    emulator.admin(
        "POST",
        "faults",
        {"method": "POST", "path": "/v5/devicegroups/*restart", "status": 400, "count": 50},
    )
    assert cli("apply", str(manifests), "--auto-approve").code == 1
    owed = set(_pending(client))
    # A description change is a metadata update of the same deployment, not a new one.
    product = manifests / "weather-station" / "product.yaml"
    product.write_text(
        product.read_text().replace(
            "Weather station application (development)", "Weather station app (dev)"
        )
    )
    assert cli("apply", str(manifests), "--auto-approve").code == 1  # restarts still refused
    assert owed <= set(_pending(client))
    emulator.admin("DELETE", "faults")
    assert cli("apply", str(manifests), "--auto-approve").code == 0
    assert _pending(client) == []
