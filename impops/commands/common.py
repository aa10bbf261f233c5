"""Plumbing shared by plan, apply, drift and demo: flags, loading, credentials, planning.

A command run goes: load the project and the desired state (no network) → settings from the
environment (the project's endpoint is the default, the environment wins) → key the secret
fingerprints with the credentials → open a client → read live → plan.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from impops import redact
from impops.engine.plan import Plan, PlanOptions, PlanSource, build_plan
from impops.errors import ConfigError
from impops.manifest import Project, load_project
from impops.providers.impcentral.api.client import ImpCentralClient
from impops.providers.impcentral.desired import build_desired
from impops.providers.impcentral.live import read_live
from impops.providers.impcentral.model import State
from impops.providers.impcentral.settings import Settings

FORMATS = ("text", "markdown", "json")
DEFAULT_PARALLELISM = 8


# --- flags -------------------------------------------------------------------------------------


def add_dir_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "dir", nargs="?", default=".", metavar="DIR", help="manifest directory (default: .)"
    )


def add_parallelism(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--parallelism",
        type=_positive_int,
        default=DEFAULT_PARALLELISM,
        metavar="N",
        help=f"concurrent API reads (default {DEFAULT_PARALLELISM}; the client rate-limits)",
    )


def add_plan_flags(parser: argparse.ArgumentParser) -> None:
    """Flags that change what a plan contains (shared by plan and apply)."""
    parser.add_argument("--prune", action="store_true", help="delete objects not in the manifests")
    parser.add_argument(
        "--force", action="store_true", help="allow protected changes and exceeded thresholds"
    )
    parser.add_argument(
        "--target", action="append", default=[], metavar="ADDR", help="only these addresses (glob)"
    )
    parser.add_argument(
        "--exclude", action="append", default=[], metavar="ADDR", help="skip these addresses (glob)"
    )
    add_parallelism(parser)


def add_format(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--format", choices=FORMATS, default="text", help="output format")


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


# --- environment -------------------------------------------------------------------------------


def git_sha(directory: Path) -> str | None:
    """HEAD of the git repository holding `directory`, or None (no git, not a repo, ...)."""
    try:
        result = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=directory,
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    sha = result.stdout.strip()
    return sha if result.returncode == 0 and len(sha) >= 7 else None


def use_color(args: argparse.Namespace, stream: IO[str]) -> bool:
    """Colour only on a terminal, never with --no-color or NO_COLOR (https://no-color.org)."""
    if getattr(args, "no_color", False) or os.environ.get("NO_COLOR"):
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def out(text: str, stream: IO[str] | None = None) -> None:
    """Print already rendered text, scrubbed of registered secrets."""
    stream = stream or sys.stdout
    stream.write(redact.scrub(text if text.endswith("\n") else text + "\n"))
    stream.flush()


# --- a run -------------------------------------------------------------------------------------


@dataclass
class Run:
    """Everything a command needs after loading and authenticating (live is read on demand)."""

    project: Project
    desired: State
    settings: Settings
    client: ImpCentralClient
    git_sha: str | None
    parallelism: int = DEFAULT_PARALLELISM

    @property
    def product_names(self) -> list[str]:
        return list(self.project.product_names)

    def read_live(self) -> State:
        return read_live(self.client, self.product_names, parallelism=self.parallelism)


@contextmanager
def open_run(args: argparse.Namespace, env: Mapping[str, str] | None = None) -> Iterator[Run]:
    """Load the manifests in `args.dir`, authenticate, and yield a `Run` (client closed after)."""
    root = Path(args.dir)
    if not root.is_dir():
        raise ConfigError(f"manifest directory {str(root)!r} does not exist")
    project = load_project(root, env=env)
    desired = build_desired(project)
    settings = Settings.from_env(env, default_endpoint=project.endpoint)
    redact.configure_key(settings.fingerprint_material())
    client = ImpCentralClient(settings)
    try:
        yield Run(
            project=project,
            desired=desired,
            settings=settings,
            client=client,
            git_sha=git_sha(root),
            parallelism=getattr(args, "parallelism", DEFAULT_PARALLELISM),
        )
    finally:
        client.close()


def plan_options(run: Run, args: argparse.Namespace) -> PlanOptions:
    return PlanOptions(
        prune=bool(getattr(args, "prune", False) or run.project.prune),
        force=bool(getattr(args, "force", False)),
        safety=run.project.safety,
        targets=tuple(getattr(args, "target", []) or ()),
        excludes=tuple(getattr(args, "exclude", []) or ()),
        managed_products=tuple(run.project.product_names),
    )


def make_plan(run: Run, live: State, args: argparse.Namespace) -> Plan:
    source = PlanSource(
        manifest_root=str(run.project.root), git_sha=run.git_sha, endpoint=run.settings.endpoint
    )
    return build_plan(run.desired, live, plan_options(run, args), source)


def render_plan(plan: Plan, fmt: str, *, color: bool = False) -> str:
    if fmt == "markdown":
        from impops.render.markdown import render_markdown

        return render_markdown(plan)
    if fmt == "json":
        from impops.render.json import render_json

        return render_json(plan)
    from impops.render.text import render_text

    return render_text(plan, color=color)


def is_blocked(plan: Any) -> bool:
    return bool(getattr(plan, "blocked", False))
