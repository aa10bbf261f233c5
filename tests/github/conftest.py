"""Fixtures for the GitHub tests: a fake GitHub on 127.0.0.1, an Actions-like env, plan files."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from impops import redact

from .helpers import PR, REPO, TOKEN, FakeGitHub, change, drift_data, plan_data


@pytest.fixture
def gh() -> Iterator[FakeGitHub]:
    """A started fake GitHub with pull request #7."""
    with FakeGitHub(token=TOKEN, repo=REPO) as fake:
        fake.add_pull(PR)
        yield fake


@pytest.fixture
def env(gh: FakeGitHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """What GitHub Actions sets on a pull_request run, pointed at the fake."""
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"action": "synchronize", "pull_request": {"number": PR}}))
    values = {
        "GITHUB_TOKEN": TOKEN,
        "GITHUB_REPOSITORY": REPO,
        "GITHUB_EVENT_PATH": str(event),
        "GITHUB_API_URL": gh.url,
        "GITHUB_WORKSPACE": str(tmp_path),
        "GITHUB_SERVER_URL": "https://github.example",
        "GITHUB_RUN_ID": "4242",
    }
    for name in ("GITHUB_STEP_SUMMARY", "GH_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    for key, value in values.items():
        monkeypatch.setenv(key, value)
    redact.reset_for_tests()
    return values


@pytest.fixture
def write_plan(tmp_path: Path) -> Callable[..., Path]:
    """write_plan(changes, name=..., targets=...) -> path of a valid saved plan."""

    def write(
        changes: list[dict[str, Any]] | None = None,
        name: str = "plan.json",
        targets: list[str] | None = None,
    ) -> Path:
        if changes is None:
            changes = [
                change(
                    "devicegroup/acme/prod",
                    fields=[
                        {"path": "description", "before": "a", "after": "b", "sensitive": False}
                    ],
                )
            ]
        path = tmp_path / name
        data = plan_data(changes, str(tmp_path / "manifests"), targets)
        path.write_text(json.dumps(data, indent=2))
        return path

    return write


@pytest.fixture
def write_drift(tmp_path: Path) -> Callable[[list[str]], Path]:
    def write(addresses: list[str]) -> Path:
        path = tmp_path / "drift.json"
        path.write_text(json.dumps(drift_data(addresses)))
        return path

    return write
