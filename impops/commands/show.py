"""`impops show PLANFILE`: render a saved plan; no credentials, no network, no manifests.

The plan file is checksum-verified first (an edited file is refused, exit 4). It renders
through the same view as `impops plan`, so a reviewer reads the same words; code appears by
digest because plan files hold no code. Exit codes: 0 shown, 1 unreadable file, 4 edited file.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from impops.commands import common
from impops.commands.plan import add_render_flags, render_options, write_output
from impops.engine.plan import SavedPlan
from impops.errors import ConfigError, ExitCode
from impops.render.formats import PLAN_FORMATS, render_view
from impops.render.view import view_of_saved


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "show",
        help="render a saved plan file (offline)",
        description="Render a plan saved with `impops plan --out FILE` as text, markdown, "
        "json or html, without credentials or network access.",
        epilog="Exit codes: 0 shown, 1 unreadable plan file, 4 plan file edited after it was "
        "written (checksum mismatch).",
    )
    parser.add_argument("planfile", metavar="PLANFILE", help="the saved plan (JSON)")
    parser.add_argument("--format", choices=PLAN_FORMATS, default="text", help="output format")
    parser.add_argument("--out", "-o", metavar="FILE", help="write the rendering to FILE")
    add_render_flags(parser)
    parser.add_argument("--no-color", action="store_true", help="plain text output")
    parser.set_defaults(func=run_show)


def run_show(args: argparse.Namespace) -> int:
    try:
        saved = SavedPlan.load(args.planfile)
    except OSError as exc:
        raise ConfigError(f"cannot read the saved plan {args.planfile!r}: {exc.strerror}") from None
    view = view_of_saved(saved)
    color = args.format == "text" and not args.out and common.use_color(args, sys.stdout)
    options = render_options(args, args.format, args.planfile)
    text = render_view(view, args.format, color=color, **options)
    if args.out:
        write_output(Path(args.out), text, f"{args.format} rendering")
    else:
        common.out(text)
    return int(ExitCode.OK)
