"""`impops` pins glibc's mmap threshold at start (impops.tuning.py), unless told otherwise.

Each case runs in a fresh interpreter: the setting is per process and made once.
"""

from __future__ import annotations

import argparse
import gc
import os
import subprocess
import sys

import pytest

from impops import cli, tuning

PROBE = "from impops.tuning import pin_mmap_threshold as p; print(p(), p())"


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


def test_a_command_runs_with_rare_collections_and_the_collector_is_restored(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    before = gc.get_threshold()
    frozen_before = gc.get_freeze_count()
    seen: list[tuple[tuple[int, ...], int]] = []

    def command(args: argparse.Namespace) -> int:
        gc.collect()  # objects created in the block are collectable as usual
        seen.append((gc.get_threshold(), gc.get_freeze_count()))
        return 0

    parser = argparse.ArgumentParser()
    parser.add_argument("--debug", action="store_true")
    parser.add_argument("--verbose", action="store_true")
    parser.set_defaults(func=command)
    monkeypatch.setattr(cli, "build_parser", lambda: parser)
    assert cli.main([]) == 0
    ((thresholds, frozen),) = seen
    assert thresholds == (tuning.GC_THRESHOLD, *before[1:])
    assert frozen > frozen_before  # what existed before the command is out of every pass
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == frozen_before
