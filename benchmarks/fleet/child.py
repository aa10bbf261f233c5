"""Run one impops command in this process and write its wall time and peak memory as JSON.

    python benchmarks/fleet/child.py RESULT.json plan DIR ...

A separate process per measurement, so peak memory (the whole process: the interpreter and
imports included) is that of the command alone, not of the benchmark or the emulator. The time
is that of `impops.cli.main` (imports excluded; they are reported apart).

Peak memory is Linux's `VmHWM` (the high-water mark of this process's resident set), not
`ru_maxrss`: Linux carries `ru_maxrss` across `exec`, so a child started from the benchmark
process would report the benchmark's own peak (the in-process emulator holding the fleet's
whole deployment history) whenever that is the larger. `ru_maxrss` is the fallback where
`/proc` is missing.
"""

from __future__ import annotations

import contextlib
import io
import json
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))


def peak_rss_kb() -> int:
    """This process's peak resident set in KiB since its `exec` (see the module docstring)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def main() -> int:
    result_path, argv = sys.argv[1], sys.argv[2:]
    t0 = time.perf_counter()
    from impops.cli import main as impops_main

    imported = time.perf_counter() - t0
    out = io.StringIO()
    t1 = time.perf_counter()
    with contextlib.redirect_stdout(out):
        code = impops_main(argv)
    seconds = time.perf_counter() - t1
    peak_kb = peak_rss_kb()
    Path(result_path).write_text(
        json.dumps(
            {
                "exit": code,
                "seconds": seconds,
                "import_seconds": imported,
                "peak_mb": peak_kb / 1024,
                "stdout_tail": out.getvalue()[-2000:],
            }
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
