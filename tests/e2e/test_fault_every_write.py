"""Every write of an apply of the example fleet, failed in every way, then a re-run: it must
converge with nothing doubled and no restart lost. And a kill -9 in the middle of every write.

The emulator's ids are deterministic, so a reference run tells the n-th write's method and
path; a fault is aimed at it with `skip` (the earlier requests with the same method and path).
`IMPOPS_FAULT_SAMPLE=N` runs every N-th write only (for quick local runs); CI runs them all.
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from impops import redact
from impops.cli import main
from impops.emulator import EmulatorServer
from impops.providers.impcentral.api.client import ImpCentralClient
from impops.providers.impcentral.restarts import is_pending_tag
from impops.providers.impcentral.settings import Settings

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "manifests"
LOGIN_KEY = "0123456789abcdef"
NOT_WRITES = ("/auth", "/auth/token", "/oauth/token", "/api/v3/objects/exists")
FAULTS: dict[str, dict[str, Any]] = {
    "429": {"status": 429, "retry_after": 0},
    "500": {"status": 500},
    "503": {"status": 503},
    "drop-before": {"drop": True},
    "drop-after": {"drop": True, "after": True},
    "token-expired": {"status": 401},
}
SAMPLE = max(1, int(os.environ.get("IMPOPS_FAULT_SAMPLE", "1")))


def _env(emu: EmulatorServer) -> dict[str, str]:
    env = {
        "IMPOPS_ENDPOINT": emu.v5_url,
        "IMPOPS_LOGIN_KEY": LOGIN_KEY,
        "IMPOPS_RATE_LIMIT": "0",
        "NO_COLOR": "1",
        **emu.mnubo_env(),
    }
    return env


def _writes(emu: EmulatorServer) -> list[tuple[str, str]]:
    log = emu.admin("GET", "requests")
    entries = log.get("requests", log) if isinstance(log, dict) else log
    return [
        (e["method"], e["path"])
        for e in entries
        if e["method"] not in ("GET", "HEAD") and not e["path"].rstrip("/").endswith(NOT_WRITES)
    ]


def _impops(*args: str) -> int:
    redact.reset_for_tests()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        return main(list(args))


@contextlib.contextmanager
def _fleet(tmp: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[EmulatorServer, Path]]:
    target = tmp / "manifests"
    if not target.exists():
        shutil.copytree(EXAMPLES, target)
    with EmulatorServer(port=0) as emu:
        for key, value in _env(emu).items():
            monkeypatch.setenv(key, value)
        yield emu, target


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[str, str]]:
    """The writes of one clean apply, in order."""
    tmp = tmp_path_factory.mktemp("reference")
    mp = pytest.MonkeyPatch()
    try:
        with _fleet(tmp, mp) as (emu, manifests):
            assert _impops("apply", str(manifests), "--auto-approve") == 0
            writes = _writes(emu)
    finally:
        mp.undo()
    assert len(writes) > 40  # products, groups, deployments, webhooks, Mnubo model, restarts
    return writes


def _aimed(writes: list[tuple[str, str]], index: int, fault: dict[str, Any]) -> dict[str, Any]:
    method, path = writes[index]
    skip = sum(1 for w in writes[:index] if w == (method, path))
    return {"method": method, "path": path, "skip": skip, "count": 1, **fault}


def _problems(emu: EmulatorServer, manifests: Path) -> list[str]:
    """What is wrong after the re-run: duplicates, restarts owed, a plan not empty."""
    found = []
    if _impops("plan", str(manifests), "--detailed-exitcode") != 0:
        found.append("the plan after the re-run is not empty")
    client = ImpCentralClient(Settings.from_env(None))
    try:
        products = [p["attributes"]["name"] for p in client.list_products()]
        groups = client.list_device_groups()
        deployments = client.list_deployments()
        webhooks = client.list_webhooks()
    finally:
        client.close()
    if len(products) != len(set(products)):
        found.append(f"duplicate products: {sorted(products)}")
    names = [(g["relationships"]["product"]["id"], g["attributes"]["name"]) for g in groups]
    if len(names) != len(set(names)):
        found.append("duplicate device groups")
    per_group: dict[str, int] = {}
    for d in deployments:
        gid = (d.get("relationships") or {}).get("devicegroup", {}).get("id", "")
        per_group[gid] = per_group.get(gid, 0) + 1
    doubled = {g: n for g, n in per_group.items() if n > 1}
    if doubled:
        found.append(f"groups with more than one deployment: {doubled}")
    hooks = [
        (w["relationships"]["devicegroup"]["id"], w["attributes"]["event"], w["attributes"]["url"])
        for w in webhooks
    ]
    if len(hooks) != len(set(hooks)):
        found.append("duplicate webhooks")
    owed = [d["id"] for d in deployments if any(map(is_pending_tag, d["attributes"]["tags"]))]
    if owed:
        found.append(f"restarts never sent for deployments {owed}")
    return found


@pytest.mark.timeout(1200)  # 6 faults x every write (~70) of the example fleet
def test_every_write_failed_every_way_converges(
    reference: list[tuple[str, str]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    failures = []
    cases = 0
    for index in range(0, len(reference), SAMPLE):
        for name, fault in FAULTS.items():
            cases += 1
            case = tmp_path / f"w{index}-{name}"
            with _fleet(case, monkeypatch) as (emu, manifests):
                emu.admin("POST", "faults", _aimed(reference, index, fault))
                _impops("apply", str(manifests), "--auto-approve")
                emu.admin("DELETE", "faults")
                rerun = _impops("apply", str(manifests), "--auto-approve")
                problems = [] if rerun == 0 else [f"the re-run exited {rerun}"]
                problems += _problems(emu, manifests)
            if problems:
                failures.append(f"write {index} {reference[index]} / {name}: {problems}")
    assert cases >= len(reference) // SAMPLE * len(FAULTS)
    assert not failures, "\n".join(failures)


@pytest.mark.timeout(1200)
def test_a_kill_in_every_write_converges(
    reference: list[tuple[str, str]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    failures = []
    for index in range(0, len(reference), SAMPLE):
        after = index % 2 == 1  # alternately killed before and after the write was performed
        case = tmp_path / f"kill{index}"
        with _fleet(case, monkeypatch) as (emu, manifests):
            fault = {"status": 503, "delay_ms": 300, "after": after}
            emu.admin("POST", "faults", _aimed(reference, index, fault))
            proc = subprocess.Popen(
                [sys.executable, "-m", "impops", "apply", str(manifests), "--auto-approve"],
                env=dict(os.environ),
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            deadline = time.monotonic() + 30
            while emu.admin("GET", "faults")["faults"] and time.monotonic() < deadline:
                time.sleep(0.01)  # the write is now held in flight
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=10)
            time.sleep(0.4)  # the held request finishes server-side
            # The killed apply's lock is fresh: what its operator does next is force it free.
            assert _impops("unlock", str(manifests), "--force") == 0
            rerun = _impops("apply", str(manifests), "--auto-approve")
            problems = [] if rerun == 0 else [f"the re-run exited {rerun}"]
            problems += _problems(emu, manifests)
        if problems:
            failures.append(f"kill in write {index} {reference[index]} (after={after}): {problems}")
    assert not failures, "\n".join(failures)
