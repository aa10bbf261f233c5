"""Mnubo fixtures: the emulator's two zones as IMPOPS_MNUBO_* settings, a wired example copy."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from impops import redact
from impops.cli import main

REPO = Path(__file__).resolve().parents[3]
EXAMPLES = REPO / "examples" / "manifests"
DEVICE = "df7356268deeb9c2"  # a device of the emulator's default seed


def mnubo_env(emulator: Any) -> dict[str, str]:
    env: dict[str, str] = emulator.mnubo_env()
    return env


@pytest.fixture
def env(emulator: Any, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    values = {
        "IMPOPS_ENDPOINT": emulator.v5_url,
        "IMPOPS_LOGIN_KEY": "0123456789abcdef",
        "IMPOPS_RATE_LIMIT": "0",
        **mnubo_env(emulator),
    }
    for key, value in values.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("NO_COLOR", "1")
    redact.reset_for_tests()
    return values


@pytest.fixture
def manifests(tmp_path: Path) -> Path:
    """The examples (which use the Mnubo model), with one device in the development group."""
    target = tmp_path / "manifests"
    shutil.copytree(EXAMPLES, target)
    assert "mnubo: mnubo.yaml" in (target / "impops.yaml").read_text()  # the examples use it
    product = target / "weather-station" / "product.yaml"
    text = product.read_text().replace(
        "      - event: deployment\n        url: ${WEATHER_DEPLOY_HOOK_URL}\n",
        "      - event: deployment\n        url: ${WEATHER_DEPLOY_HOOK_URL}\n"
        f"    devices: [{DEVICE}]\n",
        1,
    )
    product.write_text(text)
    return target


class Result:
    def __init__(self, code: int, out: str, err: str) -> None:
        self.code, self.out, self.err = code, out, err

    @property
    def text(self) -> str:
        return self.out + self.err


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], env: dict[str, str]) -> Callable[..., Result]:
    def run(*args: str) -> Result:
        capsys.readouterr()
        code = main(list(args))
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return run
