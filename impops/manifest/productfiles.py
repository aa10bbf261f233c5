"""The product files `impops.yaml` names: paths and globs, inside the manifest directory.

Every entry of `products:` is a path or a glob relative to `impops.yaml`; what it names must be
a file inside the manifest directory, symlinks included (a match that leads outside would
silently drop a product out of management, so it is a problem, not a skip).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from impops.errors import ManifestProblem
from impops.manifest.limits import path_text_problem
from impops.manifest.yaml import PathKey, PositionMap, dotted

PROJECT_FILE = "impops.yaml"
_GLOB_CHARS = frozenset("*?[")


def product_files(
    root: Path, entries: list[str | None], positions: PositionMap, problems: list[ManifestProblem]
) -> list[Path]:
    """Product file paths from `products:` entries (paths or globs), in order, de-duplicated."""
    found: dict[Path, None] = {}
    for index, entry in enumerate(entries):
        if entry is None:
            continue
        path: PathKey = ("products", index)

        def problem(message: str, path: PathKey = path) -> None:
            problems.append(ManifestProblem(positions.value(path), dotted(path), message))

        unfit = path_text_problem(entry)
        if unfit is not None:
            problem(unfit)
            continue
        if Path(entry).is_absolute() or ".." in Path(entry).parts:
            problem("product files are given relative to impops.yaml, inside its directory")
            continue
        if _GLOB_CHARS & set(entry):
            _expand_glob(root, entry, found, problem)
            continue
        try:
            candidate = (root / entry).resolve()
        except (OSError, RuntimeError) as exc:  # a symlink loop, a name the OS refuses
            problem(f"cannot resolve the path: {getattr(exc, 'strerror', None) or exc}")
            continue
        if not candidate.is_relative_to(root):
            problem(f"`{entry}` is a symlink to outside the manifest directory")
        elif not candidate.is_file():
            problem(f"product file not found: {entry}")
        else:
            found[candidate] = None
    return list(found)


def _expand_glob(
    root: Path, entry: str, found: dict[Path, None], problem: Callable[[str], None]
) -> None:
    """Add the files `entry` matches. A match that resolves outside the root (a symlink) is a
    problem: silently skipping it would drop a product out of management."""
    try:
        matches = sorted(p for p in root.glob(entry) if p.is_file() and p.name != PROJECT_FILE)
        resolved = [(match, match.resolve()) for match in matches]
    except (OSError, RuntimeError, ValueError) as exc:
        problem(f"cannot expand `{entry}`: {getattr(exc, 'strerror', None) or exc}")
        return
    if not matches:
        problem(f"no file matches `{entry}`")
    for match, target in resolved:
        if target.is_relative_to(root):
            found[target] = None
        else:
            shown = match.relative_to(root).as_posix()
            problem(
                f"`{shown}` (matched by `{entry}`) is a symlink to outside the manifest "
                "directory: it would drop out of management"
            )
