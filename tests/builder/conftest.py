"""Fixtures for the Builder tests: the reference ``pleasebuild`` 4.2.1 from npm.

The reference is installed with ``npm ci`` from the committed lock file in ``node/`` when
``node_modules/Builder`` is missing or not the pinned version (the same pattern as
tests/conformance). Without node/npm on PATH the tests that need it are skipped.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

NODE_DIR = Path(__file__).resolve().parent / "node"
BUILDER_VERSION = "4.2.1"
NPM_CI_TIMEOUT_S = 300


def _installed_version() -> str | None:
    try:
        manifest = json.loads(
            (NODE_DIR / "node_modules" / "Builder" / "package.json").read_text(encoding="utf-8")
        )
    except (OSError, ValueError):
        return None
    version = manifest.get("version") if isinstance(manifest, dict) else None
    return version if isinstance(version, str) else None


def _npm_ci(npm: str) -> None:
    try:
        proc = subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund"],
            cwd=NODE_DIR,
            capture_output=True,
            text=True,
            timeout=NPM_CI_TIMEOUT_S,
            check=False,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"`npm ci` in {NODE_DIR} took longer than {NPM_CI_TIMEOUT_S} s")
    if proc.returncode != 0:
        pytest.fail(
            f"`npm ci --no-audit --no-fund` in {NODE_DIR} failed ({proc.returncode}):\n"
            f"{proc.stdout[-2000:]}\n{proc.stderr[-4000:]}"
        )


@pytest.fixture(scope="session")
def pleasebuild() -> list[str]:
    """The command that runs pleasebuild 4.2.1: ``[node, <Builder>/src/cli.js]``."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        path = os.environ.get("PATH", "")
        pytest.skip(f"node/npm not found: node={node!r}, npm={npm!r} on PATH={path!r}")
    lock_path = Path(tempfile.gettempdir()) / "impops-builder-npm-ci.lock"
    with lock_path.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if _installed_version() != BUILDER_VERSION:
                _npm_ci(npm)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    version = _installed_version()
    assert version == BUILDER_VERSION, f"Builder {version} installed, not {BUILDER_VERSION}"
    return [node, str(NODE_DIR / "node_modules" / "Builder" / "src" / "cli.js")]
