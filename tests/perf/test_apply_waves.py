"""Apply waves: independent deploys run together and are re-checked from one group list."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from impops.cli import main
from impops.emulator import EmulatorServer
from impops.engine.change import Action, Change
from impops.engine.waves import split_waves
from impops.providers.impcentral import writer_code
from impops.providers.impcentral.model import Deployment, DeviceGroup, GroupType

LOGIN_KEY = "0123456789abcdef"


def _deploy(product: str, group: str) -> Change:
    after = Deployment(product=product, group=group, agent_code="a", device_code="d")
    return Change(Action.CREATE, None, after, "new")


def _group(product: str, group: str) -> Change:
    after = DeviceGroup(product=product, name=group, type=GroupType.DEVELOPMENT)
    return Change(Action.CREATE, None, after, "new")


class _Concurrent:
    concurrent_kinds = frozenset({"deployment"})


def test_waves_keep_plan_order_and_split_on_kind_and_group() -> None:
    changes = [_group("p", "a"), _group("p", "b"), _deploy("p", "a"), _deploy("p", "b")]
    changes += [_deploy("q", "a"), _group("p", "c"), _deploy("p", "c")]
    waves = split_waves(changes, {"impcentral": _Concurrent()})
    assert [[c.address for c in w] for w in waves] == [
        ["devicegroup/p/a"],  # groups are not a concurrent kind: one at a time
        ["devicegroup/p/b"],
        ["deployment/p/a", "deployment/p/b", "deployment/q/a"],
        ["devicegroup/p/c"],
        ["deployment/p/c"],
    ]
    assert [c for w in waves for c in w] == changes
    # without a writer that declares concurrency, every change is its own wave
    assert all(len(w) == 1 for w in split_waves(changes, {}))


def _project(root: Path, groups: int, revision: int) -> None:
    (root / "src").mkdir(parents=True, exist_ok=True)
    (root / "impops.yaml").write_text(
        'version: 1\nproducts: ["product.yaml"]\nsafety:\n  update_pcent_threshold: 1.0\n'
    )
    lines = ["product: waves", "device_groups:"]
    for g in range(groups):
        lines += [
            f"  g{g}:",
            "    type: development",
            f"    code: {{agent: src/g{g}.nut, device: src/g{g}.nut}}",
            "    deployment: {restart: none}",
        ]
        (root / "src" / f"g{g}.nut").write_text(f"// g{g} r{revision}\n")
    (root / "product.yaml").write_text("\n".join(lines) + "\n")


def _calls(emulator: EmulatorServer) -> Counter[str]:
    data: Any = emulator.admin("GET", "requests")
    found: Counter[str] = Counter()
    for e in data["requests"]:
        parts = [p for p in str(e["path"]).split("/") if p][1:]
        shown = "/".join(["{id}" if i == 1 else p for i, p in enumerate(parts)])
        found[f"{e['method']} /{shown}"] += 1
    return found


def _apply_twice(emulator: EmulatorServer, root: Path, monkeypatch: Any) -> Counter[str]:
    """Deploy 12 groups, change all their code, and count the calls of the second apply."""
    monkeypatch.setenv("IMPOPS_ENDPOINT", emulator.v5_url)
    monkeypatch.setenv("IMPOPS_LOGIN_KEY", LOGIN_KEY)
    monkeypatch.setenv("IMPOPS_RATE_LIMIT", "0")
    _project(root, 12, 0)
    assert main(["apply", "--auto-approve", str(root)]) == 0
    _project(root, 12, 1)
    emulator.admin("DELETE", "requests")
    assert main(["apply", "--auto-approve", str(root)]) == 0
    return _calls(emulator)


def test_a_wave_rechecks_from_the_read_under_the_lock(
    emulator: EmulatorServer, tmp_path: Path, monkeypatch: Any, capsys: Any
) -> None:
    calls = _apply_twice(emulator, tmp_path, monkeypatch)
    assert calls["POST /deployments"] == 12
    assert calls["GET /devicegroups/{id}"] == 0  # no GET per deploy
    # the plan's read and the read under the lock, which is also the wave's group view
    assert calls["GET /devicegroups"] == 2
    capsys.readouterr()
    assert main(["plan", "--detailed-exitcode", str(tmp_path)]) == 0  # nothing left to do


def test_an_older_read_is_refreshed_with_one_list(
    emulator: EmulatorServer, tmp_path: Path, monkeypatch: Any, capsys: Any
) -> None:
    monkeypatch.setattr(writer_code, "LIVE_VIEW_MAX_AGE", -1.0)  # every read is too old
    calls = _apply_twice(emulator, tmp_path, monkeypatch)
    assert calls["POST /deployments"] == 12
    assert calls["GET /devicegroups/{id}"] == 0  # no GET per deploy: one refreshed list
    assert calls["GET /devicegroups"] == 3  # the plan's read, the lock's read, the refresh
    capsys.readouterr()
    assert main(["plan", "--detailed-exitcode", str(tmp_path)]) == 0
