"""Fixtures of the adoption tests: the CLI and a client over HTTP against an emulator that keeps
the deployments of deleted groups (zombies), plus a varied account to export."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "e2e"))
sys.path.insert(0, str(Path(__file__).parent))

from e2e_helpers import LOGIN_KEY, UNBOND_KEY, Result  # noqa: E402

from impops import redact  # noqa: E402
from impops.cli import main  # noqa: E402
from impops.emulator import EmulatorServer  # noqa: E402
from impops.providers.impcentral.api.client import ImpCentralClient  # noqa: E402
from impops.providers.impcentral.settings import Settings  # noqa: E402


@pytest.fixture
def emulator() -> Iterator[EmulatorServer]:
    """An emulator on 127.0.0.1 that keeps the deployments of deleted groups."""
    server = EmulatorServer("127.0.0.1", 0, group_delete="keep").start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def env(emulator: EmulatorServer, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    values = {
        "IMPOPS_ENDPOINT": emulator.v5_url,
        "IMPOPS_LOGIN_KEY": LOGIN_KEY,
        "IMPOPS_UNBOND_KEY": UNBOND_KEY,
        "IMPOPS_RATE_LIMIT": "0",
    }
    for key, value in values.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("NO_COLOR", "1")
    redact.reset_for_tests()
    return values


@pytest.fixture
def mnubo_env(
    emulator: EmulatorServer, env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> dict[str, str]:
    """Mnubo credentials of both zones, on top of `env`."""
    for key, value in emulator.mnubo_env().items():
        monkeypatch.setenv(key, value)
        env[key] = value
    return env


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], env: dict[str, str]) -> Callable[..., Result]:
    def run(*args: str) -> Result:
        capsys.readouterr()
        code = main(list(args))
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return run


@pytest.fixture
def client(env: dict[str, str]) -> Iterator[ImpCentralClient]:
    with ImpCentralClient(Settings.from_env(env)) as c:
        yield c
