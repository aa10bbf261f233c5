"""End-to-end fixtures: the CLI over real HTTP against the emulator, with a copy of the examples."""

from __future__ import annotations

import shutil
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from e2e_helpers import EXAMPLES, LOGIN_KEY, UNBOND_KEY, Result  # noqa: E402

from impops import redact  # noqa: E402
from impops.cli import main  # noqa: E402
from impops.providers.impcentral.api.client import ImpCentralClient  # noqa: E402
from impops.providers.impcentral.settings import Settings  # noqa: E402


@pytest.fixture
def manifests(tmp_path: Path) -> Path:
    """A private copy of examples/manifests (tests edit it freely)."""
    target = tmp_path / "manifests"
    shutil.copytree(EXAMPLES, target)
    return target


@pytest.fixture
def env(emulator: Any, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Point impops at the emulator for this test only."""
    values = {
        "IMPOPS_ENDPOINT": emulator.v5_url,
        "IMPOPS_LOGIN_KEY": LOGIN_KEY,
        "IMPOPS_UNBOND_KEY": UNBOND_KEY,
        "IMPOPS_RATE_LIMIT": "0",
        **emulator.mnubo_env(),
    }
    for key, value in values.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("IMPOPS_FINGERPRINT_KEY", raising=False)
    monkeypatch.setenv("NO_COLOR", "1")
    redact.reset_for_tests()
    return values


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], env: dict[str, str]) -> Callable[..., Result]:
    """Run `impops ARGS...` in-process and capture its output."""

    def run(*args: str) -> Result:
        capsys.readouterr()
        code = main(list(args))
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return run


@pytest.fixture
def client(env: dict[str, str]) -> Iterator[ImpCentralClient]:
    """A client on the emulator, for out-of-band changes and checks."""
    with ImpCentralClient(Settings.from_env(env)) as c:
        yield c
