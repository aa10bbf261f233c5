"""`impops demo`: apply, converge, drift, all against an in-process emulator (see impops.demo)."""

from __future__ import annotations

import argparse
from pathlib import Path

from impops.demo import find_manifests, run_demo


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "demo",
        help="run the whole workflow against an embedded emulator",
        description="Start the impCentral emulator in-process, apply the example manifests, "
        "show that a second plan is empty, change things out of band and detect the drift.",
    )
    parser.add_argument(
        "--manifests",
        metavar="DIR",
        help="manifest directory (default: examples/manifests of this checkout)",
    )
    parser.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    manifests: Path = find_manifests(args.manifests)
    return run_demo(manifests)
