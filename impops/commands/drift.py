"""`impops drift [DIR]`: report where live impCentral differs from the manifests; read-only.

Exit codes: 0 no drift, 1 error, 2 drift found. The live state is read through
each provider's read-only client view, which has no write methods.
"""

from __future__ import annotations

import argparse

from impops.commands import common
from impops.errors import ExitCode
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
        "--detailed-exitcode",
        action="store_true",
        help="accepted for symmetry with plan: drift always exits 2 when it finds drift",
    )
    parser.set_defaults(func=run_drift)


def run_drift(args: argparse.Namespace) -> int:
    with common.open_run(args) as run:
        report = run.drift(run.read_live(readonly=True))
    common.out(RENDERERS[args.format](report))
    return int(ExitCode.CHANGES if report.has_drift else ExitCode.OK)
