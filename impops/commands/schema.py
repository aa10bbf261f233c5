"""`impops schema [--out DIR] [--check]`: write (or check) the manifests' JSON Schema files."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from impops import schema
from impops.errors import ExitCode


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "schema",
        help="write JSON Schema for the manifest files",
        description="Generate JSON Schema (project and product files) from impops's models.",
    )
    parser.add_argument(
        "--out", default="schemas", metavar="DIR", help="output directory (default: schemas/)"
    )
    parser.add_argument(
        "--check", action="store_true", help="write nothing; exit 1 if the files are out of date"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    out = Path(args.out)
    if args.check:
        stale = schema.stale(out)
        for name in stale:
            print(f"{out / name}: out of date (run `impops schema --out {out}`)", file=sys.stderr)
        if stale:
            return int(ExitCode.ERROR)
        print(f"{out}: schemas are up to date")
        return int(ExitCode.OK)
    for path in schema.write(out):
        print(f"wrote {path}")
    return int(ExitCode.OK)
