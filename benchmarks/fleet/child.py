"""Run one impops command in this process and write its wall time and peak memory as JSON.

    python benchmarks/fleet/child.py RESULT.json plan DIR ...

A separate process per measurement, so peak memory (`ru_maxrss`, the whole process: the
interpreter and imports included) is that of the command alone, not of the benchmark or the
emulator. The time is that of `impops.cli.main` (imports excluded; they are reported apart).
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
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
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
