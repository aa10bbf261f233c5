"""The impops exception tree and the exit code each error maps to.

Every error a user can cause or meet derives from `ImpopsError`; the CLI catches it at one
place, prints `error: <message>` (already redacted) and exits with `exit_code`. Anything else
is a bug and is reported as such (with the traceback only under `--debug`).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum


class ExitCode(IntEnum):
    """Process exit codes, identical on every command (see README, "Exit codes")."""

    OK = 0
    ERROR = 1
    CHANGES = 2  # plan/drift with --detailed-exitcode: there is a diff / drift
    BLOCKED = 3  # plan computed but blocked by a safety rule
    STALE = 4  # saved plan no longer matches live state
    LOCKED = 5  # another apply holds the lock (see impops.providers.impcentral.lock)


class ImpopsError(Exception):
    """Base class of every error impops reports to a user."""

    exit_code: ExitCode = ExitCode.ERROR


# --- manifests -------------------------------------------------------------------------------


@dataclass(frozen=True)
class SourcePosition:
    """Where something sits in a manifest: 1-based line and column."""

    file: str
    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


@dataclass(frozen=True)
class ManifestProblem:
    """One validation problem: where, which key, and what is wrong."""

    position: SourcePosition
    key: str
    message: str

    def __str__(self) -> str:
        if self.key:
            return f"{self.position}: {self.key}: {self.message}"
        return f"{self.position}: {self.message}"


class ManifestError(ImpopsError):
    """The manifests are invalid; carries every problem found in one run."""

    def __init__(self, problems: list[ManifestProblem]) -> None:
        self.problems = sorted(
            problems, key=lambda p: (p.position.file, p.position.line, p.position.column)
        )
        count = len(self.problems)
        lines = "\n".join(f"  {p}" for p in self.problems)
        super().__init__(f"{count} problem{'s' if count != 1 else ''} in the manifests:\n{lines}")


# --- configuration -----------------------------------------------------------------------------


class ConfigError(ImpopsError):
    """Bad settings: missing credentials, a refused endpoint, bad flags."""


# --- planning and applying --------------------------------------------------------------------


class PlanError(ImpopsError):
    """A plan could not be computed (e.g. a manifest names a device the account lacks)."""


class UnsafePlanError(ImpopsError):
    """The plan breaks a safety rule; it is shown, but nothing may be applied."""

    exit_code = ExitCode.BLOCKED


class StalePlanError(ImpopsError):
    """A saved plan no longer matches live state (or its checksum); nothing was written."""

    exit_code = ExitCode.STALE


class ApplyError(ImpopsError):
    """An apply stopped at a failed write; the report says what was done and what was not."""
