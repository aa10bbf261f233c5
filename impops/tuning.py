"""Process-wide tuning for one impops command: the C allocator and the garbage collector.

`fewer_collections()`: a command allocates a few hundred thousand objects that live to its
end (manifest data, JSON documents, resources) and makes little cyclic garbage. At CPython's
default threshold (700) a 1,000-group plan ran ~330 collections, three of them full passes over
everything: ~0.2 s of CPU holding the GIL while the live reader's threads waited, and about a
quarter of `validate`'s time on 5,000 groups. For the command the young-generation threshold is
`GC_THRESHOLD` and what existed before it (modules, classes) is frozen out of every pass.
Collections still run, so memory stays bounded; both are restored after (tests run many
commands in one process).

`pin_mmap_threshold()`: keep transient large buffers from staying resident. A live read of a
large fleet parses many list pages of up to ~1 MB each (100 deployments with
their code), on several threads at once. glibc serves blocks above `M_MMAP_THRESHOLD` (128 KiB)
with `mmap`, returned to the system when freed, but its default *dynamic* threshold rises to
the size of each such block freed, after which page-sized buffers come from per-thread heaps
that stay resident long after the page was parsed. Pinning the threshold at its default keeps
every large buffer an `mmap`: on the fleet benchmark (1,000 groups, 10 deployments of history
each) that lowered a plan's peak resident memory from about 116 MB to about 101 MB, at no
measurable cost in time (`benchmarks/bench_fleet.py`, benchmarks/README.md).

Only where the C library is glibc; elsewhere, or if the call is refused, nothing changes.
`MALLOC_MMAP_THRESHOLD_` in the environment (glibc's own tunable) wins over this.
"""

from __future__ import annotations

import ctypes
import gc
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager

# Objects allocated between young-generation collections during a command (CPython: 700).
GC_THRESHOLD = 20_000

M_MMAP_THRESHOLD = -3  # glibc <malloc.h>
THRESHOLD = 128 * 1024  # glibc's default; pinning it disables the dynamic adjustment

_done = False


def pin_mmap_threshold() -> bool:
    """Pin glibc's mmap threshold once per process; whether it was pinned."""
    global _done
    if _done:
        return True
    if not sys.platform.startswith("linux") or "MALLOC_MMAP_THRESHOLD_" in os.environ:
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt  # the process's own C library
    except (OSError, AttributeError):
        return False  # not glibc (musl has no mallopt)
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    _done = bool(mallopt(M_MMAP_THRESHOLD, THRESHOLD))
    return _done


@contextmanager
def fewer_collections() -> Iterator[None]:
    """Run the cyclic garbage collector rarely for the block, never over what existed before."""
    thresholds = gc.get_threshold()
    gc.freeze()  # what exists before the run (modules, classes) is never garbage
    gc.set_threshold(GC_THRESHOLD, *thresholds[1:])
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()
