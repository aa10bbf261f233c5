"""A real plan file from `impops plan --out` (against the emulator) posted to the fake GitHub."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from impops import redact
from impops.cli import main

from .helpers import PR, FakeGitHub

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "manifests"


def test_plan_out_then_comment(
    emulator: Any,
    gh: FakeGitHub,
    env: dict[str, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    manifests = tmp_path / "repo" / "fleet"
    shutil.copytree(EXAMPLES, manifests)
    monkeypatch.setenv("GITHUB_WORKSPACE", str(tmp_path / "repo"))
    monkeypatch.setenv("IMPOPS_ENDPOINT", emulator.v5_url)
    monkeypatch.setenv("IMPOPS_LOGIN_KEY", "0123456789abcdef")
    monkeypatch.setenv("IMPOPS_RATE_LIMIT", "0")
    for key, value in emulator.mnubo_env().items():
        monkeypatch.setenv(key, value)
    redact.reset_for_tests()
    plan = tmp_path / "plan.json"
    assert main(["plan", str(manifests), "--out", str(plan)]) == 0
    assert main(["comment", "--plan", str(plan)]) == 0, capsys.readouterr().err
    [comment] = gh.comments_on(PR)
    body = comment["body"]
    # the marker is the path inside the checkout, the same on every runner
    assert body.startswith("<!-- impops:plan:fleet -->\n## impops plan — `fleet`")
    data = json.loads(plan.read_text())
    assert f"{data['summary']['add']} to add" in body
    assert "devicegroup/weather-station/production" in body
    assert "(sensitive value)" in body  # env var secrets masked in the create details
    assert "impops apply fleet --plan plan.json" in body  # the exact command, with its directory
    assert str(tmp_path) not in body
