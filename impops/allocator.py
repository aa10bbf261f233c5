"""Keep transient large buffers from staying resident: glibc's mmap threshold, fixed.

A live read of a large fleet parses many list pages of up to ~1 MB each (100 deployments with
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
import os
import sys

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
