"""The public entry points: build a file or a text, get code, sources, warnings and a line map.

A build runs exactly as ``pleasebuild [-l] -DNAME value ... <input>`` run from ``root`` would:
the input is wrapped as ``@include "<input>"`` in a top-level file called ``main``.
"""

from __future__ import annotations

import sys
from collections.abc import Collection, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from impops.builder.jsvalue import normalize
from impops.builder.machine import Machine, RemoteReader
from impops.builder.problems import BuilderFailure, BuildError, BuildProblem
from impops.builder.sources import LocalFiles, SourceRef

_RECURSION_LIMIT = 12_000  # 256 nested includes/blocks need a few thousand frames


@dataclass(frozen=True)
class BuildResult:
    """Built code and where it came from.

    ``line_map`` has one ``(source name, source line)`` per line of ``code`` (the origin of
    the text the line starts with; ``#line`` markers map to the line they announce).
    """

    code: str
    sources: tuple[SourceRef, ...]
    warnings: tuple[BuildProblem, ...]
    line_map: tuple[tuple[str, int], ...]


def build_file(
    path: Path,
    *,
    variables: Mapping[str, object] | None = None,
    line_control: bool = False,
    github: RemoteReader | None = None,
    root: Path | None = None,
    environment: Mapping[str, str] | None = None,
    secrets: Collection[str] = (),
    suppress_duplicate_warning: bool = False,
    max_loop_iterations: int = 10_000,
) -> BuildResult:
    """Preprocess the file at ``path``.

    ``root`` plays pleasebuild's working directory (the last place relative includes are
    looked up, and the base of source names); it defaults to the file's directory.
    ``variables`` are ``-D`` definitions (any JSON-like values, unlike the CLI's strings);
    ``environment`` is the lowest-priority variable source (pleasebuild uses the process
    environment; impops uses only what it is given). Values of the variables named in
    ``secrets`` are replaced by ``***`` in every problem message. Raises :class:`BuildError`.
    """
    absolute = Path(path).absolute()
    base = (root or absolute.parent).absolute()
    try:
        include = str(absolute.relative_to(base))
    except ValueError:
        include = str(absolute)
    files = LocalFiles(base, str(absolute.parent))
    return _build(
        files,
        include,
        variables,
        line_control,
        github,
        environment,
        secrets,
        suppress_duplicate_warning,
        max_loop_iterations,
    )


def build_text(
    text: str,
    *,
    name: str,
    variables: Mapping[str, object] | None = None,
    line_control: bool = False,
    github: RemoteReader | None = None,
    root: Path | None = None,
    environment: Mapping[str, str] | None = None,
    secrets: Collection[str] = (),
    suppress_duplicate_warning: bool = False,
    max_loop_iterations: int = 10_000,
) -> BuildResult:
    """Preprocess ``text`` as if it were the file ``name`` in ``root`` (default: cwd).

    Includes resolve relative to ``root``; the other arguments are as for :func:`build_file`.
    """
    base = (root or Path.cwd()).absolute()
    absolute = (base / name).absolute()
    files = LocalFiles(base, str(absolute.parent), {str(absolute): text})
    include = name if not Path(name).is_absolute() else str(absolute)
    return _build(
        files,
        include,
        variables,
        line_control,
        github,
        environment,
        secrets,
        suppress_duplicate_warning,
        max_loop_iterations,
    )


def _build(
    files: LocalFiles,
    include: str,
    variables: Mapping[str, object] | None,
    line_control: bool,
    github: RemoteReader | None,
    environment: Mapping[str, str] | None,
    secrets: Collection[str],
    suppress_duplicate_warning: bool,
    max_loop_iterations: int,
) -> BuildResult:
    variables = dict(variables or {})
    secret_values = [str(variables[n]) for n in secrets if n in variables]
    secret_values += [environment[n] for n in secrets if environment and n in environment]
    machine = Machine(
        files,
        remote=github,
        environment=environment,
        line_control=line_control,
        suppress_duplicate_warning=suppress_duplicate_warning,
        max_loop_iterations=max_loop_iterations,
    )
    context = {str(k): normalize(v) for k, v in variables.items()}

    def warnings() -> tuple[BuildProblem, ...]:
        return tuple(w.masked(secret_values) for w in machine.warnings)

    program = '@include "' + include.replace('"', "'") + '"'
    try:
        with _deep_recursion():
            buffer = machine.run(program, context, include)
    except BuilderFailure as failure:
        raise BuildError([failure.problem().masked(secret_values)], warnings()) from None
    except RecursionError:
        problem = BuildProblem(include, 0, 0, "Sources are nested too deeply", "")
        raise BuildError([problem], warnings()) from None
    return BuildResult(
        code=buffer.text(),
        sources=tuple(machine.sources.values()),
        warnings=warnings(),
        line_map=tuple(buffer.line_map()),
    )


@contextmanager
def _deep_recursion() -> Iterator[None]:
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(max(old, _RECURSION_LIMIT))
    try:
        yield
    finally:
        sys.setrecursionlimit(old)
