"""Data paths and where they sit in a YAML file: `PathKey`, `dotted`, `PositionMap`, `LoadedYaml`.

Shared by both ways a file is loaded (`manifest/plain.py` straight from libyaml's events,
`manifest/yaml.py` through composed nodes), so that both produce the very same result.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from impops.errors import SourcePosition

PathKey = tuple[str | int, ...]
LineColumn = tuple[int, int]  # 1-based


def dotted(path: PathKey) -> str:
    """`("device_groups", "dev", "webhooks", 0, "url")` -> `device_groups.dev.webhooks[0].url`."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else part
    return out


@dataclass
class PositionMap:
    """Positions of the keys and values of one YAML file, by data path.

    The tables hold bare (line, column) pairs: a big file has one per key and value, and
    pairs of ints are not tracked by the garbage collector (`SourcePosition`s, made on
    demand by the methods, would be: a fleet's loads spent a third of their time in
    collections that walked them)."""

    file: str
    keys: dict[PathKey, LineColumn] = field(default_factory=dict)
    values: dict[PathKey, LineColumn] = field(default_factory=dict)

    def value(self, path: PathKey) -> SourcePosition:
        """Where the value at `path` starts (or the nearest enclosing value we know)."""
        for prefix in _prefixes(path):
            if prefix in self.values:
                return SourcePosition(self.file, *self.values[prefix])
        return SourcePosition(self.file, 1, 1)

    def path_at(self, position: SourcePosition) -> PathKey:
        """The innermost key or value starting at or before `position` (for problems found
        in the raw text, such as a forbidden character)."""
        target = (position.line, position.column)
        best: PathKey = ()
        best_at = (0, 0)
        for table in (self.values, self.keys):
            for path, at in table.items():
                if best_at <= at <= target:
                    best, best_at = path, at
        return best

    def key(self, path: PathKey) -> SourcePosition:
        """Where the key of `path` sits (list items: the item; else falls back to the value)."""
        if path in self.keys:
            return SourcePosition(self.file, *self.keys[path])
        return self.value(path)


def _prefixes(path: PathKey) -> Iterator[PathKey]:
    for end in range(len(path), -1, -1):
        yield path[:end]


@dataclass
class LoadedYaml:
    """The plain data of one file, its positions, and the paths tagged `!secret`."""

    data: Any
    positions: PositionMap
    secret_paths: set[PathKey] = field(default_factory=set)
    broken: set[PathKey] = field(default_factory=set)  # values already reported unreadable
