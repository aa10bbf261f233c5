"""`impops validate [DIR] [--format text|json]`: check the manifests offline, report every problem.

Exit 0 when valid (one summary line), 1 when not: text lists `file:line:col: key: message` on
stderr, json prints `{"valid": false, "problems": [...]}` on stdout. Builder `@warning`s of a
valid project are printed as `file:line:col: warning: message` (json: `warnings`, present only
then), exit 0. Messages pass through `redact.scrub`, so no secret value reaches a CI log.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from impops import redact
from impops.errors import ExitCode, ManifestError, ManifestProblem
from impops.manifest import load_project
from impops.providers.impcentral.desired import build_desired
from impops.providers.impcentral.model import Kind


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "validate",
        help="check the manifests (offline)",
        description="Load and validate the manifests; report every problem with file:line:col.",
    )
    parser.add_argument(
        "dir", nargs="?", default=".", metavar="DIR", help="manifest directory (default: .)"
    )
    parser.add_argument("--format", choices=("text", "json"), default="text", help="output format")
    parser.set_defaults(func=run)


def _problem_dict(problem: ManifestProblem) -> dict[str, Any]:
    return {
        "file": problem.position.file,
        "line": problem.position.line,
        "column": problem.position.column,
        "key": redact.scrub(problem.key),
        "message": redact.scrub(problem.message),
    }


def run(args: argparse.Namespace) -> int:
    try:
        project = load_project(args.dir)
    except ManifestError as exc:
        if args.format == "json":
            problems = [_problem_dict(p) for p in exc.problems]
            print(json.dumps({"valid": False, "problems": problems}, indent=2))
        else:
            for problem in exc.problems:
                print(redact.scrub(str(problem)), file=sys.stderr)
            count = len(exc.problems)
            print(f"{count} problem{'s' if count != 1 else ''} found", file=sys.stderr)
        return int(ExitCode.ERROR)
    if args.format == "text":  # Builder @warning: reported, never a failure
        for warning in project.warnings:
            print(redact.scrub(f"{warning.position}: warning: {warning.message}"), file=sys.stderr)
    state = build_desired(project)
    counts = {
        "products": len(project.products),
        "device_groups": len(state.of_kind(Kind.DEVICE_GROUP)),
        "webhooks": len(state.of_kind(Kind.WEBHOOK)),
    }
    if args.format == "json":
        warnings = {"warnings": [_problem_dict(w) for w in project.warnings]}
        print(
            json.dumps(
                {"valid": True, **counts, **(warnings if project.warnings else {})}, indent=2
            )
        )
    else:
        print(
            f"Valid: {_n(counts['products'], 'product')}, "
            f"{_n(counts['device_groups'], 'device group')}, {_n(counts['webhooks'], 'webhook')}."
        )
    return int(ExitCode.OK)


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"
