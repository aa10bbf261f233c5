"""Fixtures for the Builder tests: the reference ``pleasebuild`` 4.2.1 from npm.

The reference is installed with ``npm ci`` from the committed lock file in ``node/`` when
``node_modules/Builder`` is missing or not the pinned version (the same pattern as
tests/conformance). Without node/npm on PATH the tests that need it are skipped.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "support"))
from npm_locked import ensure_package  # noqa: E402

NODE_DIR = Path(__file__).resolve().parent / "node"
BUILDER_VERSION = "4.2.1"


@pytest.fixture(scope="session")
def pleasebuild() -> list[str]:
    """The command that runs pleasebuild 4.2.1: ``[node, <Builder>/src/cli.js]``."""
    node = ensure_package(NODE_DIR, "Builder", BUILDER_VERSION, "builder")
    return [node, str(NODE_DIR / "node_modules" / "Builder" / "src" / "cli.js")]
