"""Builder errors and warnings: the public problem types and the interpreter's failures.

Every failure carries the source it happened in, a 1-based line and column, a bare message for
impops' own reports, and ``builder_text``: the message exactly as ``pleasebuild`` 4.2.1 prints
it (syntax errors name the basename, runtime errors the absolute path, ``@error`` nothing).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, replace

MASK = "***"


@dataclass(frozen=True)
class BuildProblem:
    """A Builder error, ``@error``, ``@warning`` or duplicate-include warning.

    ``file`` is the source name (a path relative to the build root, an absolute path, or a
    ``github:`` reference); ``line``/``column`` are 1-based (0 when unknown).
    """

    file: str
    line: int
    column: int
    message: str
    builder_text: str = ""

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}: {self.message}"

    def masked(self, secrets: Collection[str]) -> BuildProblem:
        """A copy with every secret value replaced by ``***``."""
        return replace(
            self,
            message=mask(self.message, secrets),
            builder_text=mask(self.builder_text, secrets),
        )


class BuildError(Exception):
    """Building failed; ``problems`` says where and why (never a traceback)."""

    def __init__(
        self, problems: list[BuildProblem], warnings: tuple[BuildProblem, ...] = ()
    ) -> None:
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems
        self.warnings = warnings  # warnings issued before the failure


def mask(text: str, secrets: Collection[str]) -> str:
    """Replace each non-empty secret in ``text`` with ``***``, longest first."""
    for secret in sorted((s for s in secrets if s), key=len, reverse=True):
        text = text.replace(secret, MASK)
    return text


class BuilderFailure(Exception):
    """An interpreter failure on its way to becoming a :class:`BuildProblem`.

    ``text`` is pleasebuild's message; ``source`` is filled in by the interpreter when the
    failure crosses the source it happened in.
    """

    def __init__(
        self, message: str, text: str, line: int = 0, column: int = 0, source: str = ""
    ) -> None:
        super().__init__(text)
        self.message = message
        self.text = text
        self.line = line
        self.column = column
        self.source = source

    def problem(self) -> BuildProblem:
        return BuildProblem(self.source, self.line, self.column, self.message, self.text)


class SyntaxFailure(BuilderFailure):
    """A directive syntax error; pleasebuild names the file by its basename."""

    def __init__(self, message: str, file: str, line: int, column: int = 0) -> None:
        super().__init__(message, f"{message} ({file}:{line})", line, column)


class ExpressionFailure(Exception):
    """An expression could not be evaluated; the interpreter adds the location."""

    def __init__(
        self, message: str, offset: int | None = None, inner: BuilderFailure | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.offset = offset  # character offset inside the expression, when known
        self.inner = inner  # a failure inside a macro or include() called by the expression


class SourceFailure(Exception):
    """An include could not be read; the interpreter adds the location."""
