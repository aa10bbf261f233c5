"""Finding code files on disk: `Path.resolve` once per directory, not once per file.

`Path.resolve()` walks every component of a path with an `lstat` and then `stat`s the result;
for a fleet whose product files name thousands of code files in a few `src/` directories that
walk, repeated per file, was most of the code checks' time. `CodeLocator.locate` answers what
`resolve()`, `is_relative_to(root)`, `exists()` and `is_file()` would, from the real path of
the file's directory (found once) and one `lstat` of the file. Whenever that shortcut could
differ from the full walk (the file is a symlink, is named `..`, cannot be `lstat`ed, or its
directory cannot be resolved), the answer comes from those very calls instead, so problems
(and their wording) stay exactly as they were.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple


class Located(NamedTuple):
    """Where a code file is, as `Path.resolve()` and the checks after it see it."""

    resolved: Path
    inside: bool  # resolved.is_relative_to(root)
    exists: bool  # False as well when outside the root (never looked at then)
    regular: bool


@dataclass
class CodeLocator:
    """Locates code files under one manifest root (resolved); one per load."""

    root: Path
    _dirs: dict[Path, tuple[Path, bool]] = field(default_factory=dict)  # dir -> real, inside

    def locate(self, path: Path) -> Located:
        """Resolve `path` (absolute) and look at what is there. Raises `OSError` and
        `RuntimeError` (a symlink loop) as `Path.resolve`, `exists` and `is_file` do."""
        name = path.name
        if name in ("", ".", ".."):
            return self._walk(path)
        directory = self._directory(path.parent)
        if directory is None:
            return self._walk(path)
        real, inside = directory
        resolved = real / name
        try:
            info = os.lstat(resolved)
        except OSError:
            return self._walk(path)
        if stat.S_ISLNK(info.st_mode):
            return self._walk(path)
        inside = inside or resolved == self.root
        return Located(resolved, inside, inside, inside and stat.S_ISREG(info.st_mode))

    def _directory(self, directory: Path) -> tuple[Path, bool] | None:
        """The real path of `directory` and whether it lies in the root (None: resolving
        failed, the full walk will say why)."""
        known = self._dirs.get(directory)
        if known is None:
            try:
                real = directory.resolve()
            except (OSError, RuntimeError):
                return None
            known = self._dirs[directory] = (real, real.is_relative_to(self.root))
        return known

    def _walk(self, path: Path) -> Located:
        """The answer of the full calls (what the checks did before this class)."""
        resolved = path.resolve()
        inside = resolved.is_relative_to(self.root)
        exists, regular = (resolved.exists(), resolved.is_file()) if inside else (False, False)
        return Located(resolved, inside, exists, regular)


def read_at_most(path: Path, limit: int) -> bytes:
    """The first `limit` bytes of the file at `path` (all of it when smaller).

    Same bytes as `path.open("rb").read(limit)`, but the read asks for the size `fstat`
    reports (plus one, to see growth) instead of `limit`, which made every read of a small
    file allocate the whole `limit`."""
    with path.open("rb") as handle:
        size = os.fstat(handle.fileno()).st_size
        raw = handle.read(min(limit, size + 1))
        if len(raw) > size and len(raw) < limit:  # the file grew since fstat: read on
            raw += handle.read(limit - len(raw))
    return raw
