"""Command-line entry point: builds the parser from `impops.commands` and maps errors to exits.

Each subcommand lives in its own module under `impops.commands` and exposes
`register(subparsers)`, which adds its parser and sets `func` (a callable taking the parsed
`argparse.Namespace` and returning an exit code). This module is the one place that turns an
`ImpopsError` into `error: ...` on stderr and its documented exit code; every message passes
through `redact.scrub` first so that no secret reaches the terminal or a CI log.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from typing import NoReturn

from impops import __version__, redact
from impops.commands import COMMAND_MODULES
from impops.errors import ExitCode, ImpopsError


class _Parser(argparse.ArgumentParser):
    """argparse exits 2 on usage errors; impops reserves 2 for "changes present", so a typo in
    a CI script must not read as a diff. Usage errors exit 1 like every other error."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(int(ExitCode.ERROR), f"{self.prog}: error: {message}\n")


class _ScrubbingFormatter(logging.Formatter):
    """Log formatter that removes registered secret values from every record."""

    def format(self, record: logging.LogRecord) -> str:
        return redact.scrub(super().format(record))


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="impops",
        description="Declarative GitOps for Electric Imp impCentral: validate, plan, apply, drift.",
        epilog="Exit codes: 0 ok/no changes, 1 error, 2 changes or drift (with "
        "--detailed-exitcode; drift always), 3 blocked by a safety rule, 4 saved plan is stale.",
    )
    parser.add_argument("--version", action="version", version=f"impops {__version__}")
    parser.add_argument(
        "--debug", action="store_true", help="verbose logs and tracebacks (secrets still redacted)"
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress to stderr")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    subparsers.required = True
    for module in COMMAND_MODULES:
        module.register(subparsers)
    return parser


def _configure_logging(debug: bool, verbose: bool) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_ScrubbingFormatter("%(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.DEBUG if debug else logging.INFO if verbose else logging.WARNING)


def main(argv: Sequence[str] | None = None) -> int:
    """Run impops with `argv` (default: sys.argv[1:]) and return the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    _configure_logging(args.debug, args.verbose)
    try:
        return int(args.func(args))
    except ImpopsError as exc:
        if args.debug:
            logging.getLogger("impops").exception("failed")
        print(f"error: {redact.scrub(str(exc))}", file=sys.stderr)
        return int(exc.exit_code)
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return int(ExitCode.ERROR)
    except Exception as exc:  # noqa: BLE001 - the one place a bug becomes a clean message
        if args.debug:
            raise
        print(
            f"error: internal error ({type(exc).__name__}): {redact.scrub(str(exc))}\n"
            "       re-run with --debug for a traceback and please report it",
            file=sys.stderr,
        )
        return int(ExitCode.ERROR)
