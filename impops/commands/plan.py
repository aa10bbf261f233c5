"""`impops plan [DIR]`: show what apply would change; never writes to impCentral.

Exit codes: 0 success (with --detailed-exitcode: no changes), 1 error, 2 changes present
(only with --detailed-exitcode), 3 blocked by a safety rule (the plan is still printed).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from impops import redact
from impops.commands import common
from impops.errors import ConfigError, ExitCode
from impops.github import append_step_summary


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "plan",
        help="show what apply would change (never writes)",
        description="Diff the manifests against live impCentral and show the changes.",
        epilog="Exit codes: 0 ok/no changes, 1 error, 2 changes present (with "
        "--detailed-exitcode), 3 blocked by a safety rule.",
    )
    common.add_dir_arg(parser)
    common.add_format(parser)
    parser.add_argument(
        "--out",
        "-o",
        metavar="FILE",
        help="also save the plan JSON (no secrets), for apply --plan",
    )
    parser.add_argument(
        "--detailed-exitcode",
        action="store_true",
        help="exit 2 when there are changes (0 when none)",
    )
    common.add_plan_flags(parser)
    parser.add_argument("--no-color", action="store_true", help="plain text output")
    parser.set_defaults(func=run_plan)


def run_plan(args: argparse.Namespace) -> int:
    with common.open_run(args) as run:
        live = run.read_live()
        plan = common.make_plan(run, live, args)
    color = args.format == "text" and common.use_color(args, sys.stdout)
    text = common.render_plan(plan, args.format, color=color)
    common.out(text)
    if args.format == "markdown":
        append_step_summary(text, os.environ)  # a no-op unless GITHUB_STEP_SUMMARY is set
    if args.out:
        path = Path(args.out)
        try:
            plan.save(path)
        except OSError as exc:
            raise ConfigError(f"cannot write the plan to {str(path)!r}: {exc.strerror}") from None
        print(redact.scrub(f"Saved the plan to {path}."), file=sys.stderr)
    if common.is_blocked(plan):
        return int(ExitCode.BLOCKED)
    if args.detailed_exitcode and plan.has_changes:
        return int(ExitCode.CHANGES)
    return int(ExitCode.OK)
