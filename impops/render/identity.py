"""Which plan a comment is about: the key in the plan header and in the sticky-comment marker.

One function for both, so that the header a reviewer reads and the marker `impops comment`
searches for agree, and so that the same pull request gets the same key on every runner: the
manifest directory relative to the repository root (never a runner's absolute checkout path),
plus any `--target` filters.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path


def _git_toplevel(directory: Path) -> Path | None:
    try:
        done = subprocess.run(
            ["git", "-C", str(directory), "rev-parse", "--show-toplevel"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    top = done.stdout.strip()
    return Path(top) if done.returncode == 0 and top else None


def repo_relative(root: str | Path, env: Mapping[str, str] | None = None) -> str:
    """`root` relative to the checkout: `GITHUB_WORKSPACE`/`CI_PROJECT_DIR`, else the git
    toplevel, else the working directory; the directory's name when it lies outside them all.
    A relative `root` is taken as already relative to the checkout."""
    path = Path(root)
    if not path.is_absolute():
        return path.as_posix()
    source = os.environ if env is None else env
    resolved = path.resolve()
    bases = [source.get("GITHUB_WORKSPACE"), source.get("CI_PROJECT_DIR")]
    candidates = [Path(b) for b in bases if b]
    top = _git_toplevel(resolved if resolved.is_dir() else resolved.parent)
    if top is not None:
        candidates.append(top)
    candidates.append(Path.cwd())
    for base in candidates:
        try:
            return resolved.relative_to(base.resolve()).as_posix() or "."
        except ValueError:
            continue
    return path.name or "manifests"


def plan_key(
    manifest_root: str, targets: Sequence[str] = (), env: Mapping[str, str] | None = None
) -> str:
    """The key of a plan: repository-relative manifest directory, then `[target,...]`."""
    key = repo_relative(manifest_root, env) if manifest_root else "manifests"
    if targets:
        key += "[" + ",".join(targets) + "]"
    return key
