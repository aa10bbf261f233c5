"""Partial failure then re-run without duplicates; two concurrent applies deploy once."""

from __future__ import annotations

import argparse
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from e2e_helpers import Result, by_name

from impops.commands import common
from impops.engine.apply import ApplyReport, StepStatus, apply_plan
from impops.providers.impcentral.api.client import ImpCentralClient

Cli = Callable[..., Result]


def _count_webhooks(client: ImpCentralClient) -> dict[tuple[str, str, str], int]:
    counts: dict[tuple[str, str, str], int] = {}
    for w in client.list_webhooks():
        a = w["attributes"]
        key = (w["relationships"]["devicegroup"]["id"], a["event"], a["url"])
        counts[key] = counts.get(key, 0) + 1
    return counts


def test_partial_failure_then_rerun(
    cli: Cli, manifests: Path, emulator: Any, client: ImpCentralClient
) -> None:
    emulator.admin(
        "POST",
        "faults",
        {"method": "POST", "path": "/v5/webhooks*", "status": 400, "count": 1},
    )
    first = cli("apply", str(manifests), "--auto-approve")
    assert first.code == 1, first.text
    assert "Apply stopped before finishing." in first.out
    assert "Completed (" in first.out
    assert "Failed (1):" in first.out
    assert "Not attempted (" in first.out
    assert "impCentral POST" in first.out  # the API error, in the report
    # The re-run plans only what is left and finishes.
    second = cli("apply", str(manifests), "--auto-approve")
    assert second.code == 0, second.text
    assert cli("plan", str(manifests), "--detailed-exitcode").code == 0
    # No duplicates of anything.
    assert all(n == 1 for n in by_name(client.list_products()).values())
    groups = client.list_device_groups()
    names = [(g["relationships"]["product"]["id"], g["attributes"]["name"]) for g in groups]
    assert len(names) == len(set(names))
    assert all(n == 1 for n in _count_webhooks(client).values())
    per_group: dict[str, int] = {}
    for dep in client.list_deployments():
        gid = dep["relationships"]["devicegroup"]["id"]
        per_group[gid] = per_group.get(gid, 0) + 1
    assert all(n == 1 for n in per_group.values()), per_group


def test_two_concurrent_applies_deploy_once(
    cli: Cli, manifests: Path, env: dict[str, str], client: ImpCentralClient
) -> None:
    assert cli("apply", str(manifests), "--auto-approve").code == 0
    before = {g["id"]: _deployments_of(client, g["id"]) for g in client.list_device_groups()}
    # New code for every group that uses the weather-station application.
    agent = manifests / "weather-station" / "src" / "app.agent.nut"
    agent.write_text(agent.read_text() + "\n// v2\n")

    barrier = threading.Barrier(2)
    reports: list[ApplyReport] = []
    errors: list[BaseException] = []

    def worker() -> None:
        args = argparse.Namespace(
            dir=str(manifests), parallelism=4, prune=False, force=False, target=[], exclude=[]
        )
        try:
            with common.open_run(args, env=env) as run:
                live = run.read_live()
                plan = common.make_plan(run, live, args)
                barrier.wait(timeout=30)  # both planned against the same live state
                reports.append(apply_plan(plan, run.writers(live)))
        except BaseException as exc:  # noqa: BLE001 - surfaced by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    assert len(reports) == 2
    after = {g["id"]: _deployments_of(client, g["id"]) for g in client.list_device_groups()}
    changed = [gid for gid in before if after[gid] != before[gid]]
    assert changed, "the code change must deploy somewhere"
    for gid in changed:
        assert after[gid] == before[gid] + 1, (gid, before[gid], after[gid])
    # One apply did the work; the other skipped each deployment as moved since planning.
    skipped = [s for r in reports for s in r.of(StepStatus.SKIPPED)]
    assert len(skipped) == len(changed)
    assert all("moved since planning" in s.detail for s in skipped)
    assert cli("plan", str(manifests), "--detailed-exitcode").code == 0


def _deployments_of(client: ImpCentralClient, group_id: str) -> int:
    return len(client.list_deployments({"devicegroup.id": group_id}))


def test_lost_responses_do_not_duplicate(
    cli: Cli, manifests: Path, emulator: Any, client: ImpCentralClient
) -> None:
    """Creates that landed but whose answer was lost (dropped connection) are not repeated."""
    for path in ("/v5/products", "/v5/devicegroups", "/v5/deployments", "/v5/webhooks"):
        emulator.admin(
            "POST", "faults", {"method": "POST", "path": path, "drop": True, "after": True}
        )
    applied = cli("apply", str(manifests), "--auto-approve")
    assert applied.code == 0, applied.text
    assert cli("plan", str(manifests), "--detailed-exitcode").code == 0
    assert all(n == 1 for n in by_name(client.list_products()).values())
    assert len(client.list_device_groups()) == 9
    assert len(client.list_deployments()) == 9
    assert all(n == 1 for n in _count_webhooks(client).values())
