"""Conformance: the official Python client, PyPI ``smartobjects==1.5.4``, against the Mnubo
emulator over HTTP on 127.0.0.1.

The scenario (``smartobjects/scenario.py``) runs once per module with the client's own
interpreter and prints one JSON line per check; every check is then its own pytest result.
Findings are recorded in ``FINDINGS.md`` next to this file.

Set-up: the client cannot be installed next to impops, because it pins
``typing_extensions==3.7.4.3`` and pydantic 2 needs a newer one (reference mnubo §8). So the
test extra does not list it: the first run creates ``smartobjects/.venv`` (git-ignored) and
``pip install``s ``smartobjects==1.5.4`` from PyPI into it, under a file lock so that parallel
runs share one install. A fresh machine needs only network access to PyPI.
"""

from __future__ import annotations

import fcntl
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from impops.emulator import EmulatorServer

pytestmark = pytest.mark.conformance

HERE = Path(__file__).resolve().parent / "smartobjects"
VENV = HERE / ".venv"
CLIENT = "smartobjects==1.5.4"
INSTALL_TIMEOUT_S = 600
SCENARIO_TIMEOUT_S = 180

EXPECTED_CHECKS = (
    "auth.head_probe_and_token",
    "auth.with_static_token_refused_when_unknown",
    "model.export_empty",
    "model.create_types",
    "model.create_entities",
    "model.export_after_create",
    "model.flat_lists",
    "model.invalid_definitions_refused",
    "model.update_entities_and_types",
    "model.relations_add_remove",
    "model.deploy_two_step",
    "model.production_is_read_only",
    "objects.create_exists_update",
    "objects.create_update_batch_partial",
    "objects.delete",
    "events.send_with_results",
    "events.must_exist",
    "events.send_from_device",
    "owners.create_claim_unclaim",
    "ingestion.production_uses_production_model",
    "backoff.retries_injected_503",
    "model.delete_type",
    "model.reset",
)


def _python() -> Path:
    return VENV / "bin" / "python"


def _installed() -> bool:
    if not _python().exists():
        return False
    probe = "import smartobjects.__version__ as v; print(v.__version__)"
    proc = subprocess.run(
        [str(_python()), "-c", probe], capture_output=True, text=True, check=False, timeout=60
    )
    return proc.returncode == 0 and proc.stdout.strip() == CLIENT.split("==")[1]


def _install() -> None:
    steps = [
        [sys.executable, "-m", "venv", "--clear", str(VENV)],
        [str(_python()), "-m", "pip", "install", "--quiet", CLIENT],
    ]
    for cmd in steps:
        proc = subprocess.run(
            cmd, capture_output=True, text=True, check=False, timeout=INSTALL_TIMEOUT_S
        )
        if proc.returncode != 0:
            pytest.fail(
                f"installing the reference client failed: {' '.join(cmd)} "
                f"({proc.returncode})\n{proc.stdout[-2000:]}\n{proc.stderr[-4000:]}",
                pytrace=False,
            )


@pytest.fixture(scope="module")
def client_python() -> str:
    """The interpreter of a virtual environment holding smartobjects 1.5.4 (installed once)."""
    HERE.mkdir(exist_ok=True)
    with open(HERE / ".install.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not _installed():
            _install()
        assert _installed(), f"{CLIENT} is not importable from {VENV}"
    return str(_python())


@pytest.fixture(scope="module")
def scenario(client_python: str) -> dict[str, dict[str, Any]]:
    with EmulatorServer("127.0.0.1", 0) as emu:
        env = {
            k: v
            for k, v in os.environ.items()
            if k.lower() not in {"http_proxy", "https_proxy", "all_proxy"}
        }
        env.update(
            MNUBO_SANDBOX_URL=emu.mnubo_url("sandbox"),
            MNUBO_PRODUCTION_URL=emu.mnubo_url("production"),
            EMULATOR_ADMIN_URL=f"{emu.base_url}/_emulator",
            NO_PROXY="127.0.0.1,localhost",
            no_proxy="127.0.0.1,localhost",
        )
        proc = subprocess.run(
            [client_python, str(HERE / "scenario.py")],
            env=env,
            capture_output=True,
            text=True,
            timeout=SCENARIO_TIMEOUT_S,
            check=False,
        )
    checks: dict[str, dict[str, Any]] = {}
    for line in proc.stdout.splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if isinstance(record, dict) and "check" in record:
            checks[str(record["check"])] = record
    if proc.returncode != 0:
        checks["_exit"] = {"ok": False, "detail": f"exit {proc.returncode}: {proc.stderr[-3000:]}"}
    return checks


@pytest.mark.parametrize("name", EXPECTED_CHECKS)
def test_check(scenario: dict[str, dict[str, Any]], name: str) -> None:
    record = scenario.get(name)
    if record is None:
        exit_detail = scenario.get("_exit", {}).get("detail", "")
        pytest.fail(f"check {name!r} was not reported\n{exit_detail}", pytrace=False)
    if record.get("ok") is not True:
        pytest.fail(f"{name} failed:\n{record.get('detail')}", pytrace=False)


def test_reports_exactly_the_expected_checks(scenario: dict[str, dict[str, Any]]) -> None:
    assert set(scenario) == set(EXPECTED_CHECKS), sorted(set(scenario) ^ set(EXPECTED_CHECKS))
