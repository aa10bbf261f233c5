"""Reading included sources: local files (Builder's search order) and the source records.

A relative local include is looked up, in order, in the including file's directory, the input
file's directory and the build root (pleasebuild's working directory); absolute paths are used
as they are. Every source read is recorded as a :class:`SourceRef` with its SHA-256, so a plan
can tell when an included file changed.
"""

from __future__ import annotations

import hashlib
import posixpath
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from impops.builder.problems import SourceFailure


@dataclass(frozen=True)
class SourceRef:
    """One source a build read: ``name`` is a root-relative or absolute local path, or a
    ``github:owner/repo/path@ref`` reference; ``commit`` is the commit SHA it resolved to."""

    name: str
    sha256: str
    commit: str | None = None


@dataclass(frozen=True)
class LoadedSource:
    """The text of an included source and the context variables it defines."""

    content: str  # ends with "\n" unless empty, as Builder guarantees
    variables: dict[str, Any]  # __FILE__, __PATH__ and, for repositories, __REPO_*__
    ref: SourceRef


def js_join(*parts: str) -> str:
    """Node's ``path.join`` (POSIX): join the non-empty parts, then normalise."""
    joined = "/".join(p for p in parts if p)
    if not joined:
        return "."
    normal = posixpath.normpath(joined)
    if normal.startswith("//"):
        normal = "/" + normal.lstrip("/")
    if joined.endswith("/") and normal != "/":
        normal += "/"
    return normal


def js_dirname(path: str) -> str:
    """Node's ``path.dirname`` (POSIX): ``"."`` when there is no directory part."""
    stripped = path.rstrip("/") or ("/" if path.startswith("/") else "")
    if not stripped:
        return "."
    head = stripped.rsplit("/", 1)
    if len(head) == 1:
        return "."
    return head[0] or "/"


def js_basename(path: str) -> str:
    """Node's ``path.basename`` (POSIX)."""
    stripped = path.rstrip("/")
    return stripped.rsplit("/", 1)[-1] if stripped else ""


def with_final_newline(text: str) -> str:
    return text + "\n" if text and not text.endswith("\n") else text


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


_REMOTE = re.compile(r"^(?:https?:|bitbucket-server:|git-azure-repos:|git-local:)", re.I)


class LocalFiles:
    """Builder's FileReader, rooted at ``root`` instead of the process's working directory."""

    def __init__(self, root: Path, input_dir: str, overrides: dict[str, str] | None = None):
        self.root = root
        self.input_dir = input_dir
        self.overrides = overrides or {}  # absolute path -> text (build_text's input)

    @staticmethod
    def unsupported(include_path: str) -> bool:
        """Sources Builder reads remotely that impops does not fetch (only github: is)."""
        return (
            _REMOTE.match(include_path) is not None
            or re.search(r"\.git\b", include_path, re.I) is not None
        )

    def name_of(self, absolute: str) -> str:
        """The source name: relative to the root when inside it, else absolute."""
        root = str(self.root)
        if absolute.startswith(root.rstrip("/") + "/"):
            return absolute[len(root.rstrip("/")) + 1 :]
        return absolute

    def read(self, include_path: str, including_dir: str) -> LoadedSource:
        if include_path.startswith("/"):
            search = [""]
        else:
            search = list(dict.fromkeys([including_dir, self.input_dir, str(self.root)]))
        for directory in search:
            candidate = js_join(directory, include_path)
            absolute = (
                candidate if candidate.startswith("/") else js_join(str(self.root), candidate)
            )
            text = self._text(absolute, include_path)
            if text is not None:
                content = with_final_newline(text)
                variables = {
                    "__FILE__": js_basename(include_path),
                    "__PATH__": js_dirname(candidate),
                }
                ref = SourceRef(self.name_of(absolute), sha256_text(text))
                return LoadedSource(content, variables, ref)
        normal = posixpath.normpath(include_path) if include_path else "."
        raise SourceFailure(f'Local file "{normal}" not found')

    def _text(self, absolute: str, include_path: str) -> str | None:
        if absolute in self.overrides:
            return self.overrides[absolute]
        path = Path(absolute)
        if path.is_dir():
            raise SourceFailure(f'Local file "{include_path}" is a directory')
        if not path.is_file():
            return None
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise SourceFailure(
                f'Local file "{include_path}" cannot be read: {exc.strerror}'
            ) from None
        return data.decode("utf-8", "replace")
