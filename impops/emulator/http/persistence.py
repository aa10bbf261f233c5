"""`--state FILE` plumbing: debounced, atomic saving of the emulator's state, and loading it.

A mutating request marks the state dirty and a background thread writes a snapshot at most
every `SAVE_INTERVAL` seconds, atomically (temp file in the same directory, fsync,
`os.replace`), so the file is never torn. `stop()` flushes. What the snapshot contains is the
caller's business: `snapshot()` returns JSON-able data and `restore()` takes it back (the
runtime combines every mount's part into one file).
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

SAVE_INTERVAL = 0.2


def write_atomic(path: Path, text: str) -> None:
    """Write `text` to `path` so that readers see the old or the new file, never a mix."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


class Persister:
    """Debounced, atomic saving of a state snapshot to a JSON file from a background thread.

    `snapshot` and `restore` take whatever locks the state needs themselves.
    """

    def __init__(
        self,
        snapshot: Callable[[], dict[str, Any]],
        restore: Callable[[dict[str, Any]], None],
        path: Path,
    ) -> None:
        self.snapshot = snapshot
        self.restore = restore
        self.path = path
        self._dirty = threading.Event()
        self._stop = threading.Event()
        self._write_lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name="emulator-state", daemon=True)

    def load(self) -> bool:
        """Restore the state from the file if it exists; True when it did."""
        if not self.path.exists():
            return False
        self.restore(json.loads(self.path.read_text(encoding="utf-8")))
        return True

    def start(self) -> None:
        self._thread.start()

    def mark_dirty(self) -> None:
        self._dirty.set()

    def flush(self) -> None:
        with self._write_lock:
            self._dirty.clear()
            text = json.dumps(self.snapshot(), separators=(",", ":"))
            write_atomic(self.path, text)

    def stop(self) -> None:
        self._stop.set()
        self._dirty.set()
        if self._thread.is_alive():
            self._thread.join(timeout=10)
        self.flush()

    def _run(self) -> None:
        while not self._stop.is_set():
            self._dirty.wait()
            if self._stop.is_set():
                return
            time.sleep(SAVE_INTERVAL)  # debounce: one write for a burst of requests
            self.flush()
