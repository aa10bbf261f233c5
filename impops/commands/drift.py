"""`impops drift [DIR]`: report where live impCentral differs from the manifests; read-only.

Exit codes: 0 no drift, 1 error, 2 drift found. The live state is read through
each provider's read-only client view, which has no write methods.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from impops import redact
from impops.commands import common
from impops.engine.plan import selected
from impops.errors import ConfigError, ExitCode
from impops.render.drift import RENDERERS


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "drift",
        help="report changes made outside impops (read-only)",
        description="Compare live impCentral with the manifests without writing anything.",
        epilog="Exit codes: 0 no drift, 1 error, 2 drift found.",
    )
    common.add_dir_arg(parser)
    common.add_format(parser)
    common.add_parallelism(parser)
    parser.add_argument(
        "--out",
        "-o",
        metavar="FILE",
        help="also save the drift report as JSON (no secrets), e.g. for `impops comment --drift`",
    )
    parser.add_argument(
        "--target", action="append", default=[], metavar="ADDR", help="only these addresses (glob)"
    )
    parser.add_argument(
        "--exclude", action="append", default=[], metavar="ADDR", help="skip these addresses (glob)"
    )
    parser.add_argument("--no-color", action="store_true", help="plain text output")
    parser.add_argument(
        "--detailed-exitcode",
        action="store_true",
        help="accepted for symmetry with plan: drift always exits 2 when it finds drift",
    )
    parser.set_defaults(func=run_drift)


def run_drift(args: argparse.Namespace) -> int:
    with common.open_run(args) as run:
        report = run.drift(run.read_live(readonly=True))
    report.items = [i for i in report.items if selected(i.address, args.target, args.exclude)]
    common.out(RENDERERS[args.format](report))
    if args.out:
        path = Path(args.out)
        try:
            path.write_text(RENDERERS["json"](report), encoding="utf-8")
        except OSError as exc:
            message = f"cannot write the drift report to {str(path)!r}: {exc.strerror}"
            raise ConfigError(message) from None
        print(redact.scrub(f"Saved the drift report to {path}."), file=sys.stderr)
    return int(ExitCode.CHANGES if report.has_drift else ExitCode.OK)
