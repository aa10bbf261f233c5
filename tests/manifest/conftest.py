"""Shared fixtures for the manifest tests: fixture paths and a clean secret registry."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from impops import redact

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "fixtures" / "manifests"
EXAMPLES = REPO / "examples" / "manifests"


@pytest.fixture(autouse=True)
def _clean_redact() -> Iterator[None]:
    redact.reset_for_tests()
    yield
    redact.reset_for_tests()


def write_tree(root: Path, files: dict[str, str | bytes]) -> Path:
    """Create `files` (relative path -> content) under `root`; returns `root`."""
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return root
