"""`impops` pins glibc's mmap threshold at start (impops/allocator.py), unless told otherwise.

Each case runs in a fresh interpreter: the setting is per process and made once.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

PROBE = "from impops.allocator import pin_mmap_threshold as p; print(p(), p())"


def _probe(**env: str) -> str:
    clean = {k: v for k, v in os.environ.items() if k != "MALLOC_MMAP_THRESHOLD_"}
    done = subprocess.run(
        [sys.executable, "-c", PROBE], env={**clean, **env}, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt is Linux-only")
def test_the_threshold_is_pinned_once_on_glibc() -> None:
    assert _probe() == "True True"


def test_the_users_own_glibc_tunable_wins() -> None:
    assert _probe(MALLOC_MMAP_THRESHOLD_="65536") == "False False"
