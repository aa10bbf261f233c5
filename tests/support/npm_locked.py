"""Install a pinned npm package from a committed lock file, once, for tests that need it.

Used by the conformance test (Electric Imp's official Node client) and the Builder
differential test (pleasebuild). `npm ci` runs only when the package is missing or not the
pinned version; parallel sessions are serialised with a lock file outside the repository.
Without node or npm on PATH the calling test is skipped, saying why.
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

NPM_CI_TIMEOUT_S = 300


def node_and_npm() -> tuple[str, str]:
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        path = os.environ.get("PATH", "")
        pytest.skip(f"node/npm not found: node={node!r}, npm={npm!r} on PATH={path!r}")
    return node, npm


def installed_version(package_dir: Path) -> str | None:
    try:
        manifest = json.loads((package_dir / "package.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    version = manifest.get("version") if isinstance(manifest, dict) else None
    return version if isinstance(version, str) else None


def npm_ci(npm: str, node_dir: Path) -> None:
    """Install the locked dependencies of `node_dir` (fails the test with npm's output)."""
    try:
        proc = subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund"],
            cwd=node_dir,
            capture_output=True,
            text=True,
            timeout=NPM_CI_TIMEOUT_S,
            check=False,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"`npm ci` in {node_dir} took longer than {NPM_CI_TIMEOUT_S} s")
    if proc.returncode != 0:
        pytest.fail(
            f"`npm ci --no-audit --no-fund` in {node_dir} failed ({proc.returncode}):\n"
            f"{proc.stdout[-2000:]}\n{proc.stderr[-4000:]}"
        )


def ensure_package(node_dir: Path, package: str, version: str, lock_name: str) -> str:
    """`node_dir/node_modules/<package>` at `version`, installed if needed; returns node."""
    node, npm = node_and_npm()
    installed = node_dir / "node_modules" / package
    lock_path = Path(tempfile.gettempdir()) / f"impops-{lock_name}-npm-ci.lock"
    with lock_path.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if installed_version(installed) != version:  # missing, or not the pinned one
                npm_ci(npm, node_dir)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    found = installed_version(installed)
    assert found == version, f"{package} {found} installed, not {version}"
    return node
