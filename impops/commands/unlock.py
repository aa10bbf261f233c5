"""`impops unlock [DIR]`: remove apply locks left by an apply that is gone.

An apply holds one lock per product (see `impops.providers.impcentral.lock`). A lock whose
expiry has passed is removed; a fresh one only with `--force` (it may belong to an apply that
is still running: check the holder first). Exit codes: 0 done, 1 error.
"""

from __future__ import annotations

import argparse

from impops.commands import common
from impops.errors import ExitCode


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "unlock",
        help="remove stale apply locks",
        description="Remove the apply locks of the manifests' products: expired ones, or any "
        "with --force. Prints each lock found, its holder and since when.",
        epilog="Exit codes: 0 done, 1 error.",
    )
    common.add_dir_arg(parser)
    parser.add_argument(
        "--force", action="store_true", help="also remove locks that have not expired yet"
    )
    parser.set_defaults(func=run_unlock)


def run_unlock(args: argparse.Namespace) -> int:
    with common.open_run(args) as run:
        lines = [line for s in run.sessions for line in s.unlock(force=args.force)]
    common.out("\n".join(lines) if lines else "No apply locks found.")
    return int(ExitCode.OK)
