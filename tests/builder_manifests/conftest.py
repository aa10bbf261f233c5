"""Fixtures for manifests with Builder sources: the example project (plus a GitHub include
served by the fake in tests/builder), the fake GitHub, and the CLI pointed at the emulator."""

from __future__ import annotations

import shutil
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "builder"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from builder_manifest_helpers import API_KEY, EXAMPLE, LOGIN_KEY, RING_V1, Result  # noqa: E402
from fake_github import FakeGitHub  # noqa: E402

from impops import redact  # noqa: E402
from impops.cli import main  # noqa: E402
from impops.providers.impcentral.api.client import ImpCentralClient  # noqa: E402
from impops.providers.impcentral.settings import Settings  # noqa: E402


@pytest.fixture
def github() -> Iterator[FakeGitHub]:
    """A fake GitHub with `acme/lib` whose `main` branch holds `ring.nut`."""
    server = FakeGitHub().start()
    server.repo("acme/lib").commit({"ring.nut": RING_V1}, branch="main")
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of examples/builder-project whose device code also includes from GitHub and
    whose group takes a secret Builder variable from the environment."""
    root = tmp_path / "project"
    shutil.copytree(EXAMPLE, root)
    device = root / "src" / "device.nut"
    device.write_text(
        device.read_text().replace(
            '@include "lib/sensor.nut"\n',
            '@include "lib/sensor.nut"\n@include "github:acme/lib/ring.nut@main"\n',
        )
    )
    product = root / "thermostat.yaml"
    product.write_text(
        product.read_text().replace(
            "          REPORT_PERIOD: 60\n",
            "          REPORT_PERIOD: 60\n"
            "          RING_SIZE: 8\n"
            '          API_KEY: "${API_KEY}"\n',
        )
    )
    return root


@pytest.fixture
def env(
    emulator: Any, github: FakeGitHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> dict[str, str]:
    values = {
        "IMPOPS_ENDPOINT": emulator.v5_url,
        "IMPOPS_LOGIN_KEY": LOGIN_KEY,
        "IMPOPS_RATE_LIMIT": "0",
        "IMPOPS_GITHUB_API_URL": github.base_url,
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        "API_KEY": API_KEY,
        "NO_COLOR": "1",
    }
    for key, value in values.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("IMPOPS_FINGERPRINT_KEY", raising=False)
    monkeypatch.delenv("GITHUB_TOKEN", raising=False)
    redact.reset_for_tests()
    return values


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
