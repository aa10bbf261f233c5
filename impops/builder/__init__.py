"""A pure-Python port of Electric Imp's Builder preprocessor (npm ``Builder@4.2.1``).

impops preprocesses Squirrel sources itself, without Node, producing the bytes ``pleasebuild``
would. The public API is small:

``build_file(path, *, variables=None, line_control=False, github=None, root=None,
environment=None, secrets=(), suppress_duplicate_warning=False, max_loop_iterations=10_000)``
    Build a file as ``pleasebuild [-l] -DNAME value ... <path>`` run from ``root`` (default:
    the file's directory) would. Returns a :class:`BuildResult`; raises :class:`BuildError`.

``build_text(text, *, name, root=None, ...)``
    The same for in-memory text, treated as the file ``root/name``.

:class:`BuildResult`
    ``code`` (the built text), ``sources`` (:class:`SourceRef` per source read: name,
    SHA-256 and, for GitHub includes, the commit), ``warnings`` (``@warning`` and duplicate
    include warnings as :class:`BuildProblem`) and ``line_map`` (one ``(source, line)`` per
    output line, so a diff hunk can name the source line it came from).

:class:`BuildProblem`
    ``file``, ``line``, ``column``, ``message`` and ``builder_text`` (pleasebuild's exact
    message). :class:`BuildError` carries ``problems``; messages never contain the values of
    the variables named in ``secrets``.

:class:`GitHubResolver`
    Resolves ``github:owner/repo/path[@ref]`` includes through a configurable API base URL,
    pins each ref to a commit (``resolver.pins``), and caches contents on disk.

See ``docs/builder.md`` for the language, include resolution and the differences from
pleasebuild.
"""

from impops.builder.api import BuildResult, build_file, build_text
from impops.builder.github import GitHubResolver
from impops.builder.problems import BuildError, BuildProblem
from impops.builder.sources import SourceRef

__all__ = [
    "BuildError",
    "BuildProblem",
    "BuildResult",
    "GitHubResolver",
    "SourceRef",
    "build_file",
    "build_text",
]
