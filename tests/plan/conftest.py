"""Plan tests are pure: no network, a fixed fingerprint key, a clean secret registry."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from impops import redact

# `planfleet` (the ImpCentralState builders) sits next to this file; importlib mode needs the path.
sys.path.insert(0, str(Path(__file__).parent))

from planfleet import FINGERPRINT_KEY  # noqa: E402


@pytest.fixture(autouse=True)
def _fingerprint_key(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("IMPOPS_FINGERPRINT_KEY", FINGERPRINT_KEY)
    redact.reset_for_tests()
    yield
    redact.reset_for_tests()
