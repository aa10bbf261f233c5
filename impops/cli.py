"""Command-line entry point: builds the parser from `impops.commands` and maps errors to exits.

Each subcommand lives in its own module under `impops.commands` and exposes
`register(subparsers)`, which adds its parser and sets `func` (a callable taking the parsed
`argparse.Namespace` and returning an exit code). This module is the one place that turns an
`ImpopsError` into `error: ...` on stderr and its documented exit code; every message passes
through `redact.scrub` first so that no secret reaches the terminal or a CI log.

Usage errors say what was probably meant: a mistyped command, flag or choice gets a "did you
mean" (argparse on Python 3.11 has none), and the global flags (`--debug`, `-v`) are accepted
after the subcommand too, where CI scripts tend to put them.
"""

from __future__ import annotations

import argparse
import difflib
import logging
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

from impops import __version__, redact
from impops.commands import COMMAND_MODULES
from impops.errors import ExitCode, ImpopsError
from impops.tuning import fewer_collections, pin_mmap_threshold


def _did_you_mean(word: str, choices: Sequence[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean `{close[0]}`?)" if close else ""


class _Parser(argparse.ArgumentParser):
    """argparse exits 2 on usage errors; impops reserves 2 for "changes present", so a typo in
    a CI script must not read as a diff. Usage errors exit 1 like every other error.

    Subparsers are created with the parser's own class, so every level gets the same rules."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(int(ExitCode.ERROR), f"{self.prog}: error: {message}\n")

    def _check_value(self, action: argparse.Action, value: Any) -> None:
        # Commands and every `choices=` flag (formats, modes, types, events) go through here.
        if action.choices is not None and value not in action.choices:
            choices = [str(choice) for choice in action.choices]
            hint = _did_you_mean(str(value), choices)
            message = f"invalid choice: {value!r}{hint} (choose from {', '.join(choices)})"
            raise argparse.ArgumentError(action, message)

    def parse_args(  # type: ignore[override]
        self, args: Sequence[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> argparse.Namespace:
        parsed, extras = self.parse_known_args(args, namespace)
        if extras:  # reported by the chosen subcommand, so its usage line is shown
            _chosen_parser(self, parsed).error(self._unrecognized(parsed, extras))
        return parsed

    def _unrecognized(self, parsed: argparse.Namespace, extras: list[str]) -> str:
        """`unrecognized arguments: --formt (did you mean `--format`?)`, with the flags of the
        (sub)command that was actually chosen."""
        chosen = _chosen_parser(self, parsed)
        flags = [flag for action in chosen._actions for flag in action.option_strings]
        words = []
        for extra in extras:
            flag = extra.split("=", 1)[0]
            hint = _did_you_mean(flag, flags) if flag.startswith("-") else ""
            words.append(f"{extra}{hint}")
        return f"unrecognized arguments: {' '.join(words)}"


def _chosen_parser(parser: argparse.ArgumentParser, parsed: argparse.Namespace) -> Any:
    """The innermost subcommand parser `parsed` went through (`parser` itself if none)."""
    current = parser
    while True:
        sub = next((a for a in current._actions if isinstance(a, argparse._SubParsersAction)), None)
        name = getattr(parsed, sub.dest, None) if sub is not None and sub.dest else None
        if sub is None or name not in sub.choices:
            return current
        current = sub.choices[name]


def _add_global_flags(parser: argparse.ArgumentParser, default: Any) -> None:
    """`--debug` and `-v`; on subcommands with a SUPPRESS default, so that the value given
    before the subcommand is not overwritten by the subcommand's default."""
    parser.add_argument(
        "--debug",
        action="store_true",
        default=default,
        help="verbose logs and tracebacks (secrets still redacted)",
    )
    parser.add_argument(
        "-v", "--verbose", action="store_true", default=default, help="log progress to stderr"
    )


def _subcommand_parsers(parser: argparse.ArgumentParser) -> list[argparse.ArgumentParser]:
    """Every parser below `parser`, at any depth (`emulator serve` is two levels down)."""
    found: list[argparse.ArgumentParser] = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in dict.fromkeys(action.choices.values()):  # aliases share a parser
                found.append(sub)
                found.extend(_subcommand_parsers(sub))
    return found


class _ScrubbingFormatter(logging.Formatter):
    """Log formatter that removes registered secret values from every record."""

    def format(self, record: logging.LogRecord) -> str:
        return redact.scrub(super().format(record))


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="impops",
        description="Declarative GitOps for Electric Imp fleets (impCentral and the Mnubo "
        "data model): validate, plan, apply, drift.",
        epilog="Exit codes: 0 ok/no changes, 1 error, 2 changes or drift (with "
        "--detailed-exitcode; drift always), 3 blocked by a safety rule, 4 saved plan is stale, "
        "5 another apply holds the lock.",
    )
    parser.add_argument("--version", action="version", version=f"impops {__version__}")
    _add_global_flags(parser, default=False)
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    subparsers.required = True
    for module in COMMAND_MODULES:
        module.register(subparsers)
    for sub in _subcommand_parsers(parser):
        _add_global_flags(sub, default=argparse.SUPPRESS)
    return parser


def _configure_logging(debug: bool, verbose: bool) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_ScrubbingFormatter("%(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.DEBUG if debug else logging.INFO if verbose else logging.WARNING)


def main(argv: Sequence[str] | None = None) -> int:
    """Run impops with `argv` (default: sys.argv[1:]) and return the exit code."""
    pin_mmap_threshold()  # large transient buffers are not kept resident (impops/tuning.py)
    parser = build_parser()
    args = parser.parse_args(argv)
    _configure_logging(args.debug, args.verbose)
    try:
        with fewer_collections():  # see impops/tuning.py
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
