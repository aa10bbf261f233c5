"""Concurrent `impops apply` processes cannot double a deployment: the product lock.

Each case starts N real `impops apply` processes at once on the same change, against the
emulator with latency (so their plans overlap), and counts deployments afterwards.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from e2e_helpers import Result

from impops.providers.impcentral.api.client import ImpCentralClient
from impops.providers.impcentral.lock import LOCK_GROUP

Cli = Callable[..., Result]


def _deployments_per_group(client: ImpCentralClient) -> dict[str, int]:
    counts: dict[str, int] = {}
    for dep in client.list_deployments():
        gid = (dep.get("relationships") or {}).get("devicegroup", {}).get("id", "")
        counts[gid] = counts.get(gid, 0) + 1
    return counts


def _spawn(manifests: Path, env: dict[str, str], *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "impops",
            "apply",
            str(manifests),
            "--auto-approve",
            "--force",
            *extra,
        ],
        env={**os.environ, **env, "NO_COLOR": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


@pytest.mark.parametrize(("processes", "rounds"), [(2, 2), (4, 1)])
def test_concurrent_applies_never_double_a_deployment(
    processes: int,
    rounds: int,
    cli: Cli,
    manifests: Path,
    env: dict[str, str],
    emulator: Any,
    client: ImpCentralClient,
) -> None:
    assert cli("apply", str(manifests), "--auto-approve").code == 0
    emulator.admin("POST", "latency", {"ms": 20})
    agent = manifests / "weather-station" / "src" / "app.agent.nut"
    for round_no in range(rounds):
        before = _deployments_per_group(client)
        agent.write_text(agent.read_text() + f"\n// round {round_no}\n")
        procs = [_spawn(manifests, env, "--lock-timeout", "60") for _ in range(processes)]
        outputs = []
        for proc in procs:
            out, _ = proc.communicate(timeout=240)
            outputs.append((proc.returncode, out))
        assert all(code == 0 for code, _ in outputs), outputs
        after = _deployments_per_group(client)
        changed = {gid for gid in after if after[gid] != before.get(gid, 0)}
        assert changed, "the code change must deploy somewhere"
        for gid in changed:
            assert after[gid] == before.get(gid, 0) + 1, (round_no, gid, before, after)
        # Exactly one process deployed; the others found nothing left once they had the lock.
        applied = [out for _, out in outputs if "Apply complete!" in out or "added" in out]
        quiet = [out for _, out in outputs if "No changes left" in out]
        assert len(quiet) >= processes - 1, outputs
        assert applied
    assert cli("plan", str(manifests), "--detailed-exitcode").code == 0
    names = [g["attributes"]["name"] for g in client.list_device_groups()]
    assert LOCK_GROUP not in names  # every lock was released


def test_a_held_lock_exits_5_naming_the_holder(
    cli: Cli, manifests: Path, env: dict[str, str], client: ImpCentralClient
) -> None:
    assert cli("apply", str(manifests), "--auto-approve").code == 0
    agent = manifests / "weather-station" / "src" / "app.agent.nut"
    agent.write_text(agent.read_text() + "\n// v2\n")
    product = next(
        p for p in client.list_products() if p["attributes"]["name"] == "weather-station"
    )
    description = (
        '{"expires": "2999-01-01T00:00:00Z", "holder": "ci@runner-7 pid 42", '
        '"impops_lock": 1, "owner": "someone-else", "since": "2026-12-01T10:00:00Z"}'
    )
    client.create_device_group(
        product["id"], "development_devicegroup", {"name": LOCK_GROUP, "description": description}
    )
    before = len(client.list_deployments())
    held = cli("apply", str(manifests), "--auto-approve", "--force")
    assert held.code == 5, held.text
    assert "ci@runner-7 pid 42" in held.err
    assert "2026-12-01T10:00:00Z" in held.err
    assert "impops unlock" in held.err
    assert len(client.list_deployments()) == before  # nothing written
    # The lock is invisible to plan and drift.
    assert LOCK_GROUP not in cli("plan", str(manifests)).out
    assert LOCK_GROUP not in cli("drift", str(manifests)).out
    # unlock keeps a fresh lock without --force, removes it with --force.
    kept = cli("unlock", str(manifests))
    assert kept.code == 0
    assert "kept" in kept.out
    assert "ci@runner-7" in kept.out
    assert cli("unlock", str(manifests), "--force").code == 0
    assert LOCK_GROUP not in [g["attributes"]["name"] for g in client.list_device_groups()]
    assert cli("apply", str(manifests), "--auto-approve", "--force").code == 0


def test_an_expired_lock_is_taken_over(
    cli: Cli, manifests: Path, env: dict[str, str], client: ImpCentralClient
) -> None:
    assert cli("apply", str(manifests), "--auto-approve").code == 0
    agent = manifests / "weather-station" / "src" / "app.agent.nut"
    agent.write_text(agent.read_text() + "\n// v2\n")
    product = next(
        p for p in client.list_products() if p["attributes"]["name"] == "weather-station"
    )
    description = (
        '{"expires": "2020-01-01T00:00:00Z", "holder": "gone@host pid 1", '
        '"impops_lock": 1, "owner": "dead", "since": "2020-01-01T00:00:00Z"}'
    )
    client.create_device_group(
        product["id"], "development_devicegroup", {"name": LOCK_GROUP, "description": description}
    )
    applied = cli("apply", str(manifests), "--auto-approve", "--force", "--lock-timeout", "10")
    assert applied.code == 0, applied.text
    assert LOCK_GROUP not in [g["attributes"]["name"] for g in client.list_device_groups()]


def test_the_lock_group_name_is_reserved(cli: Cli, manifests: Path) -> None:
    from impops.manifest.validate import RESERVED_GROUP_NAME

    assert RESERVED_GROUP_NAME == LOCK_GROUP
    product = manifests / "asset-tracker" / "product.yaml"
    product.write_text(
        product.read_text().replace(
            "device_groups:\n", "device_groups:\n  impops-lock:\n    type: development\n", 1
        )
    )
    result = cli("validate", str(manifests))
    assert result.code == 1
    assert "asset-tracker/product.yaml:" in result.text
    assert "reserved for impops' apply lock" in result.text


def test_only_the_products_a_plan_changes_are_locked(
    cli: Cli, manifests: Path, env: dict[str, str], client: ImpCentralClient
) -> None:
    """Another apply holding weather-station does not stop a change to asset-tracker."""
    assert cli("apply", str(manifests), "--auto-approve").code == 0
    weather = next(
        p for p in client.list_products() if p["attributes"]["name"] == "weather-station"
    )
    description = (
        '{"expires": "2999-01-01T00:00:00Z", "holder": "ci@runner-9 pid 7", '
        '"impops_lock": 1, "owner": "other-job", "since": "2026-12-01T10:00:00Z"}'
    )
    held = client.create_device_group(
        weather["id"], "development_devicegroup", {"name": LOCK_GROUP, "description": description}
    )
    product = manifests / "asset-tracker" / "product.yaml"
    product.write_text(product.read_text().replace("Prototype trackers", "Bench trackers", 1))
    other = cli("apply", str(manifests), "--auto-approve")
    assert other.code == 0, other.text  # asset-tracker only: weather-station's lock is not needed
    assert "Bench trackers" in str(client.list_device_groups())
    groups = client.list_device_groups({"product.id": weather["id"]})
    assert held["id"] in [g["id"] for g in groups]  # the other job's lock is untouched
    agent = manifests / "weather-station" / "src" / "app.agent.nut"
    agent.write_text(agent.read_text() + "\n// v2\n")
    blocked = cli("apply", str(manifests), "--auto-approve", "--force")
    assert blocked.code == 5, blocked.text
    assert "ci@runner-9 pid 7" in blocked.err


@pytest.mark.parametrize("ttl", ["soon", "0", "-5"])
def test_a_bad_lock_ttl_is_a_clear_error(
    ttl: str, cli: Cli, manifests: Path, env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert cli("apply", str(manifests), "--auto-approve").code == 0
    agent = manifests / "weather-station" / "src" / "app.agent.nut"
    agent.write_text(agent.read_text() + "\n// v2\n")
    monkeypatch.setenv("IMPOPS_LOCK_TTL", ttl)
    result = cli("apply", str(manifests), "--auto-approve", "--force")
    assert result.code == 1
    assert f"IMPOPS_LOCK_TTL must be a positive number of seconds, not {ttl!r}" in result.err
    assert "Traceback" not in result.text


@pytest.mark.parametrize("value", ["soon", "-1"])
def test_a_bad_lock_timeout_is_a_usage_error(
    value: str, manifests: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from impops.cli import main

    with pytest.raises(SystemExit) as exit_info:
        main(["apply", str(manifests), "--lock-timeout", value])
    assert exit_info.value.code == 1
    err = capsys.readouterr().err
    assert "--lock-timeout" in err
    assert "Traceback" not in err
