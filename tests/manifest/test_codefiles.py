"""Code files are found with one `Path.resolve` per directory, with the full walk's answers.

`CodeLocator.locate` must say what `resolve()`, `is_relative_to`, `exists()` and `is_file()`
say (or raise what they raise) for every kind of path a manifest can name; and a load must not
resolve or read per code file what it can do once.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from benchmarks.fleet.workload import Fleet, write_project
from impops.manifest import codefiles, load_project, validate
from impops.manifest.codefiles import CodeLocator, read_at_most


def _answer(locator: CodeLocator, path: Path, *, full: bool) -> Any:
    try:
        return locator._walk(path) if full else locator.locate(path)
    except (OSError, RuntimeError) as exc:
        return type(exc), str(exc)


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "root"
    (root / "p" / "src").mkdir(parents=True)
    (root / "p" / "src" / "a.nut").write_text("a")
    (root / "p" / "shared").mkdir()
    (root / "p" / "shared" / "s.nut").write_text("s")
    (root / "p" / "src" / "dir.nut").mkdir()
    (tmp_path / "outside.nut").write_text("o")
    (tmp_path / "outdir").mkdir()
    (tmp_path / "outdir" / "x.nut").write_text("x")
    links = {
        "p/src/link.nut": "a.nut",
        "p/src/out.nut": "../../../outside.nut",
        "p/src/dangling.nut": "nope.nut",
        "p/src/loop.nut": "loop.nut",
        "p/linkdir": "src",
        "p/outlink": "../../outdir",
        "p/loopdir": "loopdir",
        "p/up": "..",
    }
    for name, target in links.items():
        os.symlink(target, root / name)
    return root


CASES = [
    "src/a.nut",
    "src/missing.nut",
    "src/dir.nut",
    "src",
    "src/a.nut/x.nut",  # a file as a directory
    "src/../shared/s.nut",
    "src/..",
    "./src/a.nut",
    "src/link.nut",
    "src/out.nut",
    "src/dangling.nut",
    "src/loop.nut",
    "src/loop.nut/x",
    "linkdir/a.nut",
    "linkdir/link.nut",
    "outlink/x.nut",
    "outlink/missing.nut",
    "loopdir/a.nut",
    "up/p/src/a.nut",
    "up",
    "..",
    "../..",
    "../../outside.nut",
    "../../root",  # the root itself: inside, not a regular file
    "nodir/a.nut",
]


@pytest.mark.parametrize("rel", CASES)
def test_locate_answers_as_the_full_walk(tree: Path, rel: str) -> None:
    locator = CodeLocator(tree.resolve())
    path = tree / "p" / rel
    expected = _answer(locator, path, full=True)
    assert _answer(locator, path, full=False) == expected
    assert _answer(locator, path, full=False) == expected  # cached directories alike


def test_reads_at_most_the_limit(tmp_path: Path) -> None:
    path = tmp_path / "f"
    path.write_bytes(b"x" * 100)
    assert read_at_most(path, 1000) == b"x" * 100
    assert read_at_most(path, 101) == b"x" * 100
    assert read_at_most(path, 100) == b"x" * 100
    assert read_at_most(path, 10) == b"x" * 10
    path.write_bytes(b"")
    assert read_at_most(path, 10) == b""


def test_a_load_resolves_per_directory_and_reads_each_file_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fleet = Fleet(3, 40, 10)  # 3 products, 240 code files in 3 directories
    write_project(tmp_path, fleet)
    resolved: list[Path] = []
    read: list[Path] = []
    real_resolve, real_read = Path.resolve, codefiles.read_at_most

    def counting_resolve(self: Path, strict: bool = False) -> Path:
        resolved.append(self)
        return real_resolve(self, strict)

    def counting_read(path: Path, limit: int) -> bytes:
        read.append(path)
        return real_read(path, limit)

    monkeypatch.setattr(Path, "resolve", counting_resolve)
    monkeypatch.setattr(validate, "read_at_most", counting_read)
    project = load_project(tmp_path, env={})
    code_files = 2 * fleet.total_groups
    assert len(project.code) == code_files
    assert sorted(read) == sorted(project.code)  # each file read once
    # The root, the project file, each product file, each src directory: not per code file.
    assert len(resolved) <= 2 + 2 * fleet.products
    resolved.clear()
    for manifest in project.products:
        for group in manifest.device_groups.values():
            assert group.code is not None
            assert group.code.agent is not None
            assert project.code_text(manifest.product, group.code.agent).startswith("//")
    assert resolved == []  # the text of a code file is found without resolving again
