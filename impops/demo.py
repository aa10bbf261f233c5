"""`impops demo`: the whole workflow against an in-process emulator, in a few seconds.

1. start the impCentral emulator on 127.0.0.1 (a free port), seeded with the default account;
2. plan and apply the example manifests (auto-approved);
3. plan again: no changes (convergence);
4. change things behind git's back through the API: deploy different code to a development
   group and edit a device group's description;
5. run drift and print it; 6. print what to try next.

Credentials are passed to the code directly (a private environment mapping), so the user's
environment is never read for them nor modified. The manifests are found by `find_manifests`.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import IO

from impops import redact
from impops.commands import common
from impops.engine.apply import apply_plan
from impops.errors import ConfigError, ImpopsError
from impops.providers.impcentral.api.client import ImpCentralClient
from impops.providers.impcentral.model import GroupType
from impops.providers.impcentral.translate import attrs, rel_id
from impops.providers.mnubo.session import MnuboSession
from impops.render.drift import render_drift_text

DEFAULT_LOGIN_KEY = "0123456789abcdef"  # the emulator's default seed login key
EXAMPLES = Path("examples") / "manifests"

OUT_OF_BAND_AGENT = '// hotfix pushed from the IDE, not from git\nserver.log("hotfix");\n'
OUT_OF_BAND_DEVICE = 'server.log("device hotfix");\n'


def find_manifests(explicit: str | None = None) -> Path:
    """The example manifests: `--manifests DIR`; else `./examples/manifests` (repo root);
    else the checkout the package was imported from (`<repo>/impops/../examples/manifests`);
    else a copy shipped inside the package (`impops/examples/manifests`, package data)."""
    if explicit:
        path = Path(explicit)
        if not path.is_dir():
            raise ConfigError(f"--manifests {explicit!r} is not a directory")
        return path
    package = Path(__file__).resolve().parent
    for candidate in (Path.cwd() / EXAMPLES, package.parent / EXAMPLES, package / EXAMPLES):
        if (candidate / "impops.yaml").is_file() or (candidate / "impops.yml").is_file():
            return candidate
    raise ConfigError(
        "cannot find the example manifests: run `impops demo` from the repository root, or "
        "pass --manifests DIR"
    )


def _section(write: Callable[[str], None], title: str) -> None:
    write(f"\n=== {title} " + "=" * max(0, 70 - len(title)) + "\n")


def run_demo(manifests: Path, stream: IO[str] | None = None) -> int:
    """Run the demo; returns the exit code (0 when every step behaved as expected)."""
    from impops.emulator import EmulatorServer

    stream = stream or sys.stdout

    def write(text: str) -> None:
        stream.write(redact.scrub(text))
        stream.flush()

    manifests = _shown(manifests)
    with EmulatorServer(port=0) as emu:
        env: Mapping[str, str] = {
            **{k: v for k, v in os.environ.items() if not k.startswith("IMPOPS_")},
            "IMPOPS_ENDPOINT": emu.v5_url,
            "IMPOPS_LOGIN_KEY": DEFAULT_LOGIN_KEY,
            # A local in-process emulator: no need to spare a shared rate limit.
            "IMPOPS_RATE_LIMIT": "0",
            # The emulator's two Mnubo zones with their default OAuth2 clients.
            **emu.mnubo_env(),
        }
        args = argparse.Namespace(
            dir=str(manifests), parallelism=8, prune=False, force=False, target=[], exclude=[]
        )
        _section(write, f"1. impCentral emulator running at {emu.v5_url}")
        write(f"Mnubo emulator zones at {emu.mnubo_url('sandbox')} and .../production\n")
        write(f"Manifests: {manifests}\n")

        with common.open_run(args, env=env) as run:
            _section(write, f"2. impops apply {manifests} --auto-approve")
            live = run.read_live()
            plan = common.make_plan(run, live, args)
            write(common.render_plan(plan, "text"))
            if plan.blocked:
                write("The example plan is blocked by a safety rule; the demo cannot go on.\n")
                return 1
            report = apply_plan(plan, run.writers(live))
            if not report.ok:
                from impops.commands.apply import format_report

                write(format_report(report) + "\n")
                return 1
            write(f"\nApply complete! {report.summary()}\n")

            _section(write, f"3. impops plan {manifests}   (again: nothing left to do)")
            live = run.read_live()
            again = common.make_plan(run, live, args)
            write(common.render_plan(again, "text"))
            if again.has_changes:
                write("Unexpected: the second plan is not empty.\n")
                return 1

            _section(write, "4. someone changes the fleet behind git's back")
            for line in _out_of_band(run.client):
                write(f"  {line}\n")
            for line in _mnubo_out_of_band(run):
                write(f"  {line}\n")

            _section(write, f"5. impops drift {manifests}")
            drift = run.drift(run.read_live(readonly=True))
            write(render_drift_text(drift))
            if not drift.has_drift:
                write("Unexpected: drift found nothing.\n")
                return 1

        _section(write, "6. try it yourself")
        # Not scrubbed: the only "secret" in it is the emulator's public demo login key.
        stream.write(_next_steps(_shown(manifests)))
    return 0


def _out_of_band(client: ImpCentralClient) -> list[str]:
    """Deploy other code to a development group and edit a group's description, via the API."""
    done: list[str] = []
    groups = client.list_device_groups()
    dev = next((g for g in groups if str(g.get("type")) == GroupType.DEVELOPMENT.api_type), None)
    target = dev or (groups[0] if groups else None)
    if target is None:
        raise ImpopsError("the demo found no device group to change")
    gid, gtype = str(target["id"]), str(target["type"])
    name = attrs(target).get("name")
    dep = client.create_deployment(
        gid,
        gtype,
        {
            "agent_code": OUT_OF_BAND_AGENT,
            "device_code": OUT_OF_BAND_DEVICE,
            "description": "quick fix from the IDE",
            "origin": "impCentral IDE",
            "tags": ["hotfix"],
        },
    )
    done.append(f"deployed different code to device group {name!r} (deployment {dep['id']})")
    client.update_device_group(gid, gtype, {"description": "edited by hand in impCentral"})
    done.append(f"edited the description of device group {name!r}")
    assert rel_id(client.get_device_group(gid), "current_deployment") == dep["id"]
    return done


def _mnubo_out_of_band(run: common.Run) -> list[str]:
    """Rename a timeseries in the Mnubo sandbox through the API, as someone in its UI would."""
    session = next((s for s in run.sessions if isinstance(s, MnuboSession)), None)
    if session is None or "sandbox" not in session.clients:
        return []
    session.clients["sandbox"].update_entity(
        "timeseries", "temperature", "Temp (renamed in the Mnubo UI)", "hand edit"
    )
    return ["renamed the Mnubo sandbox timeseries 'temperature'"]


def _shown(path: Path) -> Path:
    """`path` relative to the working directory when it lies below it (shorter commands)."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve())
    except ValueError:
        return path


def _next_steps(manifests: Path) -> str:
    from impops.emulator.server import mnubo_env_for

    mnubo = "".join(
        f"  export {name}={value}\n"
        for name, value in mnubo_env_for("http://127.0.0.1:8080").items()
    )
    return f"""The emulator has stopped. To explore on your own, run it as a server:

  impops emulator serve --port 8080          # in one terminal

and point impops at it from another (the examples' Mnubo model needs its zones too):

  export IMPOPS_ENDPOINT=http://127.0.0.1:8080/v5
  export IMPOPS_LOGIN_KEY={DEFAULT_LOGIN_KEY}
{mnubo}  impops plan {manifests}
  impops apply {manifests}                   # asks yes/no; --auto-approve in CI
  impops plan {manifests} --out plan.json    # review it, then:
  impops apply {manifests} --plan plan.json  # exactly that plan, or exit 4 if stale
  impops drift {manifests} --format markdown # exit 2 when live state differs

Edit a code file under {manifests} and plan again to see a new deployment planned.
For example, src/app.agent.nut of weather-station reaches the development and production
groups; production's deployment sets min_supported: true, which forces every production
device off older code, so that one change is protected and the plan is blocked (exit 3).
Permit exactly that change, review, and apply exactly the reviewed plan:

  impops plan {manifests} --allow deployment/weather-station/production --out plan.json
  impops apply {manifests} --plan plan.json  # the --allow is recorded in plan.json
"""
