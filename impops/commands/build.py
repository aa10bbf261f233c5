"""`impops build DIR (--group PRODUCT/GROUP --side agent|device | --out OUTDIR)`: the code
impops would deploy, offline.

With `--group`/`--side` it prints exactly that side's code on stdout and nothing else: the
Builder output for a group with `builder` on, the file as it is otherwise, nothing for an
omitted side. With `--out` it writes `OUTDIR/<product>/<group>/agent.nut` and `device.nut` for
every group with `code:`. The code comes from the same desired state `plan` compares, so it is
byte for byte what `apply` deploys. Values of secret variables are replaced on stdout (with a
note on stderr); files written with `--out` hold the exact code.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from impops import redact
from impops.commands.common import add_dir_arg
from impops.errors import ConfigError, ExitCode
from impops.manifest import load_project
from impops.providers.impcentral.desired import build_desired
from impops.providers.impcentral.model import Deployment, Kind

SIDES = ("agent", "device")


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "build",
        help="print or write the code impops would deploy (Builder output)",
        description="Preprocess the groups' code as plan and apply do (docs/builder.md) and "
        "print one side (--group, --side) or write every group's code (--out).",
    )
    add_dir_arg(parser)
    parser.add_argument("--group", metavar="PRODUCT/GROUP", help="the device group to print")
    parser.add_argument("--side", choices=SIDES, help="which side of --group to print")
    parser.add_argument(
        "--out", metavar="OUTDIR", help="write OUTDIR/<product>/<group>/{agent,device}.nut"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.out is not None and (args.group or args.side):
        raise ConfigError("use either --out or --group with --side, not both")
    if args.out is None and not (args.group and args.side):
        raise ConfigError(
            "name a side to print (--group PRODUCT/GROUP --side agent|device) or --out OUTDIR"
        )
    state = build_desired(load_project(args.dir))
    deployments = [r for r in state.of_kind(Kind.DEPLOYMENT) if isinstance(r, Deployment)]
    if args.out is not None:
        _write_all(Path(args.out), deployments)
        return int(ExitCode.OK)
    found = {f"{d.product}/{d.group}": d for d in deployments}
    deployment = found.get(args.group)
    if deployment is None:
        known = ", ".join(sorted(found)) or "none"
        raise ConfigError(f"no group {args.group!r} with `code:` (groups with code: {known})")
    code = getattr(deployment, f"{args.side}_code")
    shown = redact.scrub(code)
    sys.stdout.write(shown)
    sys.stdout.flush()
    if shown != code:
        print(
            "note: secret values were replaced on stdout; --out writes the exact code",
            file=sys.stderr,
        )
    return int(ExitCode.OK)


def _write_all(out: Path, deployments: list[Deployment]) -> None:
    """Write each group's two sides; names that are not plain path parts are refused."""
    for deployment in deployments:
        for part in (deployment.product, deployment.group):
            if part in (".", "..") or "\\" in part:
                raise ConfigError(f"cannot write {part!r} as a directory name under {out}")
    for deployment in sorted(deployments, key=lambda d: (d.product, d.group)):
        directory = out / deployment.product / deployment.group
        directory.mkdir(parents=True, exist_ok=True)
        for side in SIDES:
            path = directory / f"{side}.nut"
            path.write_bytes(getattr(deployment, f"{side}_code").encode("utf-8"))
            print(f"wrote {path}", file=sys.stderr)
