"""Unified diffs of agent and device code for the human renderers (never in plan JSON)."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from impops.engine.change import Change
from impops.engine.resource import Resource
from impops.render.values import short_sha

MAX_DIFF_LINES = 400  # longer diffs are folded to their head plus a count


@dataclass(frozen=True)
class CodeDiff:
    """One file's diff: `lines` without trailing newlines; +/- counts for folded views."""

    address: str
    file: str
    before_sha: str
    after_sha: str
    lines: tuple[str, ...]
    added: int
    removed: int

    @property
    def title(self) -> str:
        return f"{self.file} ({short_sha(self.before_sha)} → {short_sha(self.after_sha)})"

    def folded(self, limit: int = MAX_DIFF_LINES) -> list[str]:
        """The diff, cut to `limit` lines with a note saying how much was folded."""
        if len(self.lines) <= limit:
            return list(self.lines)
        rest = len(self.lines) - limit
        return [*self.lines[:limit], f"... ({rest} more diff lines folded)"]


def code_diffs(change: Change) -> list[CodeDiff]:
    """Diffs of each code file whose digest differs between before and after.

    A group's first deployment has nothing to compare with: an all-`+` diff of whole files
    would bury the plan (the files are in the pull request's own diff), so the renderers show
    only its digest and line count.
    """
    after, before = change.after, change.before
    if after is None or before is None:
        return []
    old_files = before.code_files()
    result = []
    for name, (new_sha, new_text) in after.code_files().items():
        old_sha, old_text = old_files.get(name, ("", ""))
        if new_sha == old_sha:
            continue
        lines = [
            line.rstrip("\n")
            for line in difflib.unified_diff(
                old_text.splitlines(keepends=True),
                new_text.splitlines(keepends=True),
                fromfile=f"{name} (live {short_sha(old_sha)})",
                tofile=f"{name} (manifest {short_sha(new_sha)})",
            )
        ]
        lines = _with_origins(lines, after, name)
        body = lines[2:]
        added = sum(1 for line in body if line.startswith("+"))
        removed = sum(1 for line in body if line.startswith("-"))
        result.append(
            CodeDiff(change.address, name, old_sha, new_sha, tuple(lines), added, removed)
        )
    return result


_HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,\d+)? @@")


def _with_origins(lines: list[str], after: Resource, name: str) -> list[str]:
    """Hunk headers followed by the source of the hunk's first changed line, when the
    resource knows it (preprocessed code): `@@ -1,3 +1,4 @@ from lib/utils.nut:12`."""
    out = list(lines)
    for index, line in enumerate(lines):
        match = _HUNK.match(line)
        if match is None:
            continue
        new_line = int(match.group(1)) or 1
        for following in lines[index + 1 :]:
            if following.startswith(("+", "-")) or following.startswith("@@"):
                break
            new_line += 1  # a context line
        origin = after.code_origin(name, new_line)
        if origin is not None:
            out[index] = f"{line} from {origin}"
    return out
