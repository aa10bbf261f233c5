"""Loading grows linearly with the fleet: counted operations, never timings.

Twice the groups must cost about twice the path comparisons, resolves and file reads. A list
scan per file (each Builder source looked up in the list of files read) made the comparisons
grow with the square of the fleet: 5,000 Builder groups took 8 s more than they needed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path, PurePath
from typing import Any

import pytest

from benchmarks.fleet.workload import Fleet, write_project
from impops.manifest import load_project


@contextmanager
def _counting(monkeypatch: pytest.MonkeyPatch) -> Iterator[Counter[str]]:
    counts: Counter[str] = Counter()
    real_eq, real_resolve, real_open = PurePath.__eq__, Path.resolve, Path.open

    def eq(self: PurePath, other: object) -> Any:
        counts["path =="] += 1
        return real_eq(self, other)

    def resolve(self: Path, strict: bool = False) -> Path:
        counts["resolve"] += 1
        return real_resolve(self, strict)

    def open_(self: Path, *args: Any, **kwargs: Any) -> Any:
        counts["open"] += 1
        return real_open(self, *args, **kwargs)

    with monkeypatch.context() as patch:
        patch.setattr(PurePath, "__eq__", eq)
        patch.setattr(Path, "resolve", resolve)
        patch.setattr(Path, "open", open_)
        yield counts


def _load_counts(root: Path, groups: int, monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    write_project(root, Fleet(2, groups, 10))
    project_file = root / "impops.yaml"
    text = project_file.read_text()
    project_file.write_text(text.replace("defaults:\n", "defaults:\n  code:\n    builder: true\n"))
    with _counting(monkeypatch) as counts:
        project = load_project(root, env={})
    assert len(project.built) == 2 * 2 * groups  # Builder ran on every side
    return counts


def test_twice_the_groups_cost_twice_the_work(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    small = _load_counts(tmp_path / "small", 30, monkeypatch)
    large = _load_counts(tmp_path / "large", 60, monkeypatch)
    for operation in ("path ==", "resolve", "open"):
        assert large[operation] <= 2.2 * small[operation] + 10, (operation, small, large)
