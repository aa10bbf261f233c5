"""The demo's "try it yourself" steps work as printed, against a served emulator."""

from __future__ import annotations

import contextlib
import io
import re
import shutil
from pathlib import Path

import pytest

from impops import redact
from impops.cli import main
from impops.demo import _next_steps
from impops.emulator import EmulatorServer

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "manifests"


def test_the_printed_exports_are_enough_to_plan_apply_and_drift(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    manifests = tmp_path / "manifests"
    shutil.copytree(EXAMPLES, manifests)
    text = _next_steps(manifests)
    exports = dict(re.findall(r"^\s*export (IMPOPS_\w+)=(\S+)$", text, re.M))
    assert {"IMPOPS_ENDPOINT", "IMPOPS_LOGIN_KEY", "IMPOPS_MNUBO_SANDBOX_URL"} <= set(exports)
    with EmulatorServer(port=0) as emu:
        port = emu.base_url.rsplit(":", 1)[1]
        for name, value in exports.items():
            monkeypatch.setenv(name, value.replace("127.0.0.1:8080", f"127.0.0.1:{port}"))
        monkeypatch.setenv("IMPOPS_RATE_LIMIT", "0")

        def run(*args: str) -> int:
            redact.reset_for_tests()
            with contextlib.redirect_stdout(io.StringIO()):
                return main(list(args))

        assert run("plan", str(manifests)) == 0
        assert run("apply", str(manifests), "--auto-approve") == 0
        assert run("drift", str(manifests)) == 0
