"""`impops plan [DIR]`: show what apply would change; never writes to impCentral.

Exit codes: 0 success (with --detailed-exitcode: no changes), 1 error, 2 changes present
(only with --detailed-exitcode), 3 blocked by a safety rule (the plan is still printed).
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

from impops import redact
from impops.commands import common
from impops.engine.plan import Plan
from impops.errors import ConfigError, ExitCode
from impops.github import append_step_summary
from impops.render.common import apply_command
from impops.render.formats import render_view
from impops.render.identity import repo_relative
from impops.render.markdown import DEFAULT_MAX_CHARS
from impops.render.view import view_of_plan


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
        help="also save the plan JSON (no secrets), for apply --plan; with --format html, "
        "FILE.html gets the page and FILE.json the plan",
    )
    parser.add_argument(
        "--detailed-exitcode",
        action="store_true",
        help="exit 2 when there are changes (0 when none)",
    )
    add_render_flags(parser)
    common.add_plan_flags(parser)
    parser.add_argument("--no-color", action="store_true", help="plain text output")
    parser.set_defaults(func=run_plan)


def add_render_flags(parser: argparse.ArgumentParser) -> None:
    """Flags of the markdown comment (shared with `impops show`)."""
    parser.add_argument(
        "--max-chars",
        type=int,
        default=DEFAULT_MAX_CHARS,
        metavar="N",
        help=f"markdown: fit the comment in N characters, degrading in tiers (default "
        f"{DEFAULT_MAX_CHARS:,}: GitHub's limit)",
    )
    parser.add_argument(
        "--artifact-url", metavar="URL", help="markdown/html: link to the uploaded full plan"
    )


def with_relative_root(plan: Plan) -> Plan:
    """The plan with its manifest directory relative to the repository root, so the plan file,
    its header and the sticky marker are the same on every runner (no absolute checkout path)."""
    root = repo_relative(plan.source.manifest_root)
    return replace(plan, source=replace(plan.source, manifest_root=root))


def render_options(args: argparse.Namespace, fmt: str, plan_file: str | None) -> dict[str, Any]:
    options: dict[str, Any] = {"plan_file": plan_file}
    if fmt == "markdown":
        options |= {"max_chars": args.max_chars, "artifact_url": args.artifact_url}
    return options


def write_output(path: Path, text: str, what: str) -> None:
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot write the {what} to {str(path)!r}: {exc.strerror}") from None
    print(redact.scrub(f"Saved the {what} to {path}."), file=sys.stderr)


# Objects allocated between young-generation collections while planning (CPython 3.11: 700).
PLAN_GC_THRESHOLD = 20_000


@contextmanager
def fewer_collections() -> Iterator[None]:
    """Run the cyclic garbage collector rarely for the block, and never over import-time objects.

    A plan allocates a few hundred thousand objects that live to its end (manifest nodes, JSON
    documents, resources) and little cyclic garbage. At the default threshold a 1,000-group
    plan ran ~330 collections, three of them full passes over everything (~0.2 s of CPU, holding
    the GIL while the live reader's threads wait). Collections still run, so memory stays
    bounded; the thresholds are restored afterwards (tests plan many times in one process).
    """
    thresholds = gc.get_threshold()
    gc.freeze()  # what exists before the run (modules, classes) is never garbage
    gc.set_threshold(PLAN_GC_THRESHOLD, *thresholds[1:])
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()


def run_plan(args: argparse.Namespace) -> int:
    with fewer_collections():
        return _plan(args)


def _plan(args: argparse.Namespace) -> int:
    with common.open_run(args) as run:
        live = run.read_live()
        plan = with_relative_root(common.make_plan(run, live, args))
    color = args.format == "text" and common.use_color(args, sys.stdout)
    # --format html --out FILE: the page goes to FILE and the plan JSON beside it.
    html_out = args.format == "html" and args.out and not args.out.endswith(".json")
    plan_file = str(Path(args.out).with_suffix(".json")) if html_out else args.out
    view = view_of_plan(plan)
    text = render_view(
        view, args.format, color=color, **render_options(args, args.format, plan_file)
    )
    if html_out:
        write_output(Path(args.out), text, "HTML plan")
    else:
        common.out(text)
    if args.format == "markdown":
        append_step_summary(text, os.environ)  # a no-op unless GITHUB_STEP_SUMMARY is set
    if plan_file:
        write_output(Path(plan_file), render_view(view, "json"), "plan")
        if plan.has_changes and not plan.blocked:
            print(
                redact.scrub(f"To apply exactly this plan: {apply_command(view, plan_file)}"),
                file=sys.stderr,
            )
    if common.is_blocked(plan):
        return int(ExitCode.BLOCKED)
    if args.detailed_exitcode and plan.has_changes:
        return int(ExitCode.CHANGES)
    return int(ExitCode.OK)
