"""`impops drift [DIR]`: report where live impCentral differs from the manifests; read-only.

Exit codes: 0 no drift, 1 error, 2 drift found. The live state is read through
each provider's read-only client view, which has no write methods.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from impops import redact
from impops.commands import common
from impops.engine.baseline import Acknowledgement, apply_baseline, parse_baseline
from impops.engine.plan import selected
from impops.errors import ConfigError, ExitCode
from impops.render.drift import RENDERERS


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "drift",
        help="report changes made outside impops (read-only)",
        description="Compare live impCentral with the manifests without writing anything.",
        epilog="Exit codes: 0 no drift (or only acknowledged drift), 1 error, 2 unacknowledged "
        "drift found.",
    )
    common.add_dir_arg(parser)
    common.add_format(parser)
    common.add_parallelism(parser)
    parser.add_argument(
        "--out",
        "-o",
        metavar="FILE",
        help="also save the drift report as JSON (no secrets), e.g. for `impops comment "
        "--drift`; with --format html and a FILE not ending in .json, the page goes there",
    )
    parser.add_argument(
        "--target", action="append", default=[], metavar="ADDR", help="only these addresses (glob)"
    )
    parser.add_argument(
        "--exclude", action="append", default=[], metavar="ADDR", help="skip these addresses (glob)"
    )
    parser.add_argument(
        "--baseline",
        metavar="FILE",
        help="acknowledged drift (YAML or JSON list of address (glob), why, optional expires "
        "YYYY-MM-DD): reported apart and not counted until it expires",
    )
    parser.add_argument("--no-color", action="store_true", help="plain text output")
    parser.add_argument(
        "--detailed-exitcode",
        action="store_true",
        help="accepted for symmetry with plan: drift always exits 2 when it finds drift",
    )
    parser.set_defaults(func=run_drift)


def load_baseline(path: Path) -> list[Acknowledgement]:
    """The baseline file, YAML or JSON (JSON is YAML)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read the drift baseline {str(path)!r}: {exc}") from None
    try:
        data = YAML(typ="safe").load(text)
    except YAMLError as exc:
        raise ConfigError(f"{path}: not YAML or JSON: {exc}") from None
    return parse_baseline(data or [], str(path))


def run_drift(args: argparse.Namespace) -> int:
    entries = load_baseline(Path(args.baseline)) if args.baseline else []
    with common.open_run(args, prefetch=True) as run:
        report = run.drift(run.read_live(readonly=True))
    report.items = [i for i in report.items if selected(i.address, args.target, args.exclude)]
    baseline = None
    if args.baseline:
        baseline = apply_baseline(report.items, entries, date.today())
        report.items = baseline.drift
    text = RENDERERS[args.format](report, baseline)
    html_out = args.format == "html" and args.out and not args.out.endswith(".json")
    if html_out:
        _write(Path(args.out), text, "drift report page")
    else:
        common.out(text)
    if args.out and not html_out:
        _write(Path(args.out), RENDERERS["json"](report, baseline), "drift report")
    return int(ExitCode.CHANGES if report.has_drift else ExitCode.OK)


def _write(path: Path, text: str, what: str) -> None:
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot write the {what} to {str(path)!r}: {exc.strerror}") from None
    print(redact.scrub(f"Saved the {what} to {path}."), file=sys.stderr)
