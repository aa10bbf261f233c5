"""Plumbing shared by plan, apply, drift and demo: flags, loading, credentials, planning.

A command run goes: load the project → open one provider session per provider the project
uses (each builds its desired state, reads its settings from the environment and opens its
client) → read live → plan. Loading makes no call of its own; for plan, apply and drift,
impCentral's account-wide lists start once `impops.yaml` is read, while the product files
load (`providers/impcentral/prefetch.py`). This is the one place that composes providers.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from collections.abc import Collection, Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from impops import redact
from impops.engine.apply import Writer
from impops.engine.drift import DriftReport, compare
from impops.engine.plan import Plan, PlanOptions, PlanSource, build_plan
from impops.engine.provider import LiveStates, ProviderSession
from impops.engine.state import State
from impops.errors import ConfigError
from impops.manifest import Project, ProjectHeader, load_project
from impops.providers.impcentral.api.client import ImpCentralClient
from impops.providers.impcentral.model import DeviceAssignment, ImpCentralState
from impops.providers.impcentral.prefetch import EarlyRead
from impops.providers.impcentral.session import ImpCentralSession
from impops.providers.impcentral.settings import Settings
from impops.providers.mnubo.registry import RegistryEntry, zone_for_group
from impops.providers.mnubo.session import MnuboSession

FORMATS = ("text", "markdown", "json", "html")
# Cross-provider knowledge of the second pass (see commands/apply.py `_second_pass`): impCentral
# gives a device its agent id only when it is assigned, so a plan that assigns devices may
# leave Mnubo registry objects that only a second pass of the same run can plan and make.
SECOND_PASS_KINDS = frozenset({"mnubo_objects"})
_SECOND_PASS_TRIGGERS = frozenset({"devices"})


def needs_second_pass(plan: Plan) -> bool:
    """Whether an applied plan may have made second-pass changes plannable."""
    return any(c.kind in _SECOND_PASS_TRIGGERS for c in plan.changes)


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
        "--allow",
        action="append",
        default=[],
        metavar="ADDR",
        help="permit the protected change to exactly this address (repeatable; narrower than "
        "--force; recorded in the saved plan)",
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
    """Everything a command needs after loading and authenticating (live is read on demand).

    `sessions` holds one provider session per provider the project uses, impCentral first.
    """

    project: Project
    sessions: list[ProviderSession]
    git_sha: str | None
    parallelism: int = DEFAULT_PARALLELISM

    @property
    def impcentral(self) -> ImpCentralSession:
        session = self.sessions[0]
        assert isinstance(session, ImpCentralSession)
        return session

    @property
    def desired(self) -> ImpCentralState:
        return self.impcentral.desired

    @property
    def client(self) -> ImpCentralClient:
        return self.impcentral.client

    @property
    def settings(self) -> Settings:
        return self.impcentral.settings

    @property
    def product_names(self) -> list[str]:
        return list(self.project.product_names)

    def read_live(self, *, readonly: bool = False) -> dict[str, State]:
        """Each provider in turn; Mnubo after impCentral, whose devices it registers."""
        live: dict[str, State] = {}
        for session in self.sessions:
            if isinstance(session, MnuboSession):
                ic = live[self.impcentral.name]
                assert isinstance(ic, ImpCentralState)
                session.use_registry(registry_entries(self.project, self.desired, ic))
            live[session.name] = session.read_live(readonly=readonly)
        return live

    def writers(self, live: LiveStates) -> dict[str, Writer]:
        return {s.name: s.writer(live[s.name], git_sha=self.git_sha) for s in self.sessions}

    @contextmanager
    def locked(self, *, timeout: float, scopes: Collection[str]) -> Iterator[None]:
        """Every provider's apply lock on the scopes a plan changes, taken in session order,
        released in reverse."""
        with ExitStack() as stack:
            for session in self.sessions:
                stack.enter_context(session.lock(timeout=timeout, scopes=scopes))
            yield

    def drift(self, live: LiveStates) -> DriftReport:
        report = compare(s.drift_input(live[s.name]) for s in self.sessions)
        report.endpoint = self.settings.endpoint
        return report


def open_sessions(
    project: Project,
    env: Mapping[str, str] | None,
    parallelism: int,
    early: EarlyRead | None = None,
) -> list[ProviderSession]:
    """One session per provider the project uses; impCentral always comes first, Mnubo
    (when `impops.yaml` names a model file) after it."""
    try:
        first = ImpCentralSession(project, env=env, parallelism=parallelism, early=early)
    except BaseException:
        if early is not None:
            early.close()
        raise
    sessions: list[ProviderSession] = [first]
    if project.mnubo is not None:
        production = any(
            zone_for_group(group.type) == "production"
            for manifest in project.products
            for group in manifest.device_groups.values()
            if group.mnubo_object_type is not None
        )
        try:
            sessions.append(MnuboSession(project.mnubo, env=env, production=production))
        except BaseException:
            sessions[0].close()
            raise
    return sessions


def registry_entries(
    project: Project, desired: ImpCentralState, live: ImpCentralState
) -> list[RegistryEntry]:
    """The devices of every group naming a Mnubo object type, by agent id.

    A group's devices are its declared assignment (`devices:`) resolved through the live
    devices, or, when assignment is not managed, the devices live in it. Devices unknown to
    the account or without an agent id yet are left out (the next run registers them).
    """
    entries: list[RegistryEntry] = []
    for manifest in project.products:
        for name, group in manifest.device_groups.items():
            if group.mnubo_object_type is None:
                continue
            zone = zone_for_group(group.type)
            assignment = desired.resources.get(f"devices/{manifest.product}/{name}")
            if isinstance(assignment, DeviceAssignment):
                found = [live.find_device(ref) for ref in assignment.devices]
                devices = [d for d in found if d is not None]
            else:
                address = f"devicegroup/{manifest.product}/{name}"
                devices = [d for d in live.devices.values() if d.group_address == address]
            entries += [
                RegistryEntry(d.agent_id, group.mnubo_object_type, zone)
                for d in devices
                if d.agent_id
            ]
    return entries


@contextmanager
def open_run(
    args: argparse.Namespace, env: Mapping[str, str] | None = None, *, prefetch: bool = False
) -> Iterator[Run]:
    """Load the manifests in `args.dir`, authenticate, and yield a `Run` (clients closed after).

    With `prefetch` (commands that read live at once: plan, apply, drift), impCentral's
    account-wide lists start while the product files load (`providers/impcentral/prefetch.py`).
    """
    root = Path(args.dir)
    if not root.is_dir():
        raise ConfigError(f"manifest directory {str(root)!r} does not exist")
    early: list[EarlyRead] = []

    def on_header(header: ProjectHeader) -> None:
        try:
            settings = Settings.from_env(env, default_endpoint=header.endpoint)
        except ConfigError:
            return  # the session reports it, after the manifests' own problems
        early.append(EarlyRead(settings, header.product_files))

    try:
        project = load_project(root, env=env, on_header=on_header if prefetch else None)
    except BaseException:
        for read in early:
            read.close()
        raise
    parallelism = getattr(args, "parallelism", DEFAULT_PARALLELISM)
    sessions = open_sessions(project, env, parallelism, early[0] if early else None)
    try:
        yield Run(
            project=project, sessions=sessions, git_sha=git_sha(root), parallelism=parallelism
        )
    finally:
        for session in sessions:
            session.close()


def plan_options(run: Run, args: argparse.Namespace) -> PlanOptions:
    return PlanOptions(
        prune=bool(getattr(args, "prune", False) or run.project.prune),
        force=bool(getattr(args, "force", False)),
        allow=tuple(getattr(args, "allow", []) or ()),
        safety=run.project.safety,
        targets=tuple(getattr(args, "target", []) or ()),
        excludes=tuple(getattr(args, "exclude", []) or ()),
    )


def make_plan(run: Run, live: LiveStates, args: argparse.Namespace) -> Plan:
    source = PlanSource(
        manifest_root=str(run.project.root), git_sha=run.git_sha, endpoint=run.settings.endpoint
    )
    inputs = [s.plan_input(live[s.name]) for s in run.sessions]
    return build_plan(inputs, plan_options(run, args), source)


def render_plan(plan: Plan, fmt: str, *, color: bool = False, **options: Any) -> str:
    """Render a live plan in `fmt` through the one view the saved-plan renderers use too."""
    from impops.render.formats import render_view
    from impops.render.view import view_of_plan

    return render_view(view_of_plan(plan), fmt, color=color, **options)


def is_blocked(plan: Any) -> bool:
    return bool(getattr(plan, "blocked", False))
