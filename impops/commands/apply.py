"""`impops apply [DIR]`: plan, confirm, and make live impCentral match the manifests.

Exit codes: 0 applied (or nothing to do), 1 error or an apply that stopped part-way (the
completed / failed / not attempted report is printed), 3 blocked by a safety rule (nothing
written), 4 the saved plan given with --plan is stale (nothing written), 5 another apply holds
the lock of a product past --lock-timeout (nothing written).
"""

from __future__ import annotations

import argparse
import shutil
import sys
from dataclasses import replace
from pathlib import Path
from typing import IO

from impops import redact
from impops.commands import common
from impops.engine.apply import ApplyReport, Step, StepStatus, apply_plan
from impops.engine.plan import Plan, SavedPlan
from impops.errors import ConfigError, ExitCode, StalePlanError

PROMPT = (
    "Do you want to perform these actions?\n"
    "  impops will perform the actions described above.\n"
    "  Only 'yes' will be accepted to approve.\n\n"
    "  Enter a value: "
)


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "apply",
        help="apply the manifests to impCentral",
        description="Plan, ask for confirmation, then make impCentral match the manifests.",
        epilog="Exit codes: 0 ok, 1 error or partial apply, 3 blocked by a safety rule, "
        "4 saved plan is stale, 5 another apply holds the lock.",
    )
    common.add_dir_arg(parser)
    parser.add_argument(
        "--auto-approve", action="store_true", help="do not ask for confirmation (CI)"
    )
    parser.add_argument(
        "--plan",
        metavar="FILE",
        help="apply only if the plan recomputed now equals this saved plan and no object it "
        "read has changed (no prompt)",
    )
    common.add_plan_flags(parser)
    parser.add_argument(
        "--checksum",
        metavar="SHA256",
        help="apply only if the plan recomputed now has this checksum (the one a reviewer "
        "approved, e.g. printed by `impops plan` or in the plan file); exit 4 otherwise",
    )
    parser.add_argument(
        "--lock-timeout",
        type=_seconds,
        default=0.0,
        metavar="SECONDS",
        help="wait this long for another apply's lock on a product before exiting 5 "
        "(default 0: do not wait)",
    )
    parser.add_argument("--no-color", action="store_true", help="plain text output")
    parser.set_defaults(func=run_apply)


def _seconds(text: str) -> float:
    try:
        value = float(text.removesuffix("s"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError("must not be negative")
    return value


def load_saved(path: Path) -> SavedPlan:
    try:
        return Plan.load_saved(path)
    except OSError as exc:
        raise ConfigError(f"cannot read the saved plan {str(path)!r}: {exc.strerror}") from None


def adopt_saved_filters(args: argparse.Namespace, saved: SavedPlan) -> None:
    """Without --target/--exclude on the command line, use the ones the saved plan was made with."""
    source = saved.data.get("source") or {}
    if not args.target and not args.exclude:
        args.target = [str(t) for t in source.get("target_filter") or ()]
        args.exclude = [str(e) for e in source.get("exclude_filter") or ()]
    if not args.allow:  # the reviewed plan's --allow list is part of what was approved
        args.allow = list(saved.allowed)


def check_saved_plan(path: Path, saved: SavedPlan, plan: Plan) -> None:
    """Raise StalePlanError unless `plan` (recomputed now) is the saved one and live is unmoved
    (the fingerprints the recomputed plan read equal the saved ones)."""
    moved = saved.moved(plan)
    if saved.checksum != plan.checksum or moved:
        what = "; ".join(moved[:5]) + (f"; and {len(moved) - 5} more" if len(moved) > 5 else "")
        raise StalePlanError(
            f"saved plan is stale: {path} has checksum {saved.checksum}, but the plan "
            f"recomputed from the manifests and live impCentral is {plan.checksum} "
            f"({what or 'different --prune/--target flags'}); "
            "nothing was written. Run `impops plan --out` again and review it."
        )
    moved = sorted(
        address
        for address, fingerprint in dict(saved.fingerprints).items()
        if plan.fingerprints.get(address) != fingerprint
    )
    if moved:
        shown = ", ".join(moved[:5]) + (f" and {len(moved) - 5} more" if len(moved) > 5 else "")
        raise StalePlanError(
            f"saved plan is stale: live objects changed since it was made ({shown}); "
            "nothing was written. Run `impops plan --out` again and review it."
        )


def confirm(args: argparse.Namespace) -> bool:
    """True when the user may proceed: --plan/--auto-approve, or 'yes' typed on a terminal."""
    if args.plan or args.auto_approve:
        return True
    if not sys.stdin.isatty():
        raise ConfigError(
            "no terminal to ask for confirmation on: pass --auto-approve (or --plan FILE) "
            "to apply non-interactively"
        )
    sys.stdout.write(PROMPT)
    sys.stdout.flush()
    answer = sys.stdin.readline().strip()
    return answer == "yes"


class Progress:
    """A one-line progress bar on a terminal (stderr); plain lines otherwise (CI logs)."""

    def __init__(self, stream: IO[str], *, tty: bool) -> None:
        self.stream = stream
        self.tty = tty
        self.drawn = False

    def finish(self) -> None:
        """End the progress line (terminal only)."""
        if self.drawn:
            self.stream.write("\n")
            self.stream.flush()

    def __call__(self, index: int, total: int, step: Step) -> None:
        status = {
            StepStatus.COMPLETED: "done",
            StepStatus.SKIPPED: f"skipped: {step.detail}",
            StepStatus.FAILED: "FAILED",
            StepStatus.NOT_ATTEMPTED: "not attempted",
        }[step.status]
        if self.tty:
            filled = int(24 * index / max(total, 1))
            bar = "#" * filled + "-" * (24 - filled)
            columns = shutil.get_terminal_size((100, 20)).columns - 1
            line = redact.scrub(f"[{bar}] {index}/{total} {status}: {step.label}")
            # One row, overwritten in place: longer lines would wrap and break the \r.
            self.stream.write("\r" + line[:columns].ljust(columns))
            self.drawn = True
        else:
            self.stream.write(redact.scrub(f"[{index}/{total}] {step.label} ... {status}\n"))
        self.stream.flush()


def format_report(report: ApplyReport) -> str:
    """The end-of-run summary: one sentence on success, the full breakdown otherwise."""
    if report.ok:
        return f"Apply complete! {report.summary()}"
    failed = report.failed
    lines = ["Apply stopped before finishing." if failed else "Apply incomplete."]
    for status in (
        StepStatus.COMPLETED,
        StepStatus.SKIPPED,
        StepStatus.FAILED,
        StepStatus.NOT_ATTEMPTED,
    ):
        steps = report.of(status)
        lines.append(f"{status.value.capitalize()} ({len(steps)}):")
        for s in steps:
            lines.append(f"  {s.label}" + (f": {s.detail}" if s.detail else ""))
    lines.append(report.summary())
    if report.of(StepStatus.SKIPPED):
        lines.append(
            "Some changes were skipped because live impCentral moved since planning "
            "(another apply or a manual change); run `impops plan` to see what is left."
        )
    if failed:
        lines.append("Fix the cause and run apply again: it plans only what is left.")
    return "\n".join(lines)


def _second_pass(
    run: common.Run, args: argparse.Namespace, report: ApplyReport, progress: Progress
) -> ApplyReport:
    """Changes that only this apply's own writes made plannable, applied in the same run.

    impCentral gives a device its agent id when the device is first assigned, so a Mnubo
    registry object for a newly assigned device can only be planned after the assignment.
    Only such registry changes are applied here; anything else is left for review.
    """
    live = run.read_live()
    follow = common.make_plan(run, live, args)
    registry = [c for c in follow.changes if c.kind in common.SECOND_PASS_KINDS]
    if not registry or len(registry) != len(follow.changes) or follow.blocked:
        return report
    more = apply_plan(replace(follow, changes=tuple(registry)), run.writers(live))
    more.steps = report.steps + more.steps
    more.added += report.added
    more.changed += report.changed
    more.destroyed += report.destroyed
    progress.finish()
    return more


def run_apply(args: argparse.Namespace) -> int:
    saved = load_saved(Path(args.plan)) if args.plan else None
    if saved is not None:
        adopt_saved_filters(args, saved)
    with common.open_run(args, prefetch=True) as run:
        live = run.read_live()
        plan = common.make_plan(run, live, args)
        if saved is not None:
            check_saved_plan(Path(args.plan), saved, plan)
        if args.checksum and args.checksum != plan.checksum:
            raise StalePlanError(
                f"the plan recomputed now has checksum {plan.checksum}, not the approved "
                f"{args.checksum} (the manifests, live impCentral or the flags changed); "
                "nothing was written. Review the new plan."
            )
        color = common.use_color(args, sys.stdout)
        common.out(common.render_plan(plan, "text", color=color))
        if common.is_blocked(plan):
            common.out("Nothing was applied: the plan is blocked by a safety rule.", sys.stderr)
            return int(ExitCode.BLOCKED)
        if not plan.has_changes:
            return int(ExitCode.OK)
        if not confirm(args):
            common.out("Apply cancelled.")
            return int(ExitCode.ERROR)
        # The lock is taken only now that there is something approved to write, and live is
        # read again under it: another apply may have finished while this one planned.
        # Only the products the plan changes are locked: applies to other products (one CI job
        # per product) go on in parallel.
        with run.locked(timeout=args.lock_timeout, scopes={c.scope for c in plan.changes}):
            live = run.read_live()
            again = common.make_plan(run, live, args)
            if not again.has_changes:
                common.out("No changes left: another apply made them while this one planned.")
                return int(ExitCode.OK)
            if again.checksum != plan.checksum:
                raise StalePlanError(
                    "live impCentral changed between planning and taking the apply lock "
                    "(another apply or a manual change); nothing was written. "
                    "Run apply again to review the new plan."
                )
            progress = Progress(
                sys.stderr if sys.stderr.isatty() else sys.stdout, tty=sys.stderr.isatty()
            )
            report = apply_plan(again, run.writers(live), on_progress=progress)
            if report.ok and common.needs_second_pass(again):
                report = _second_pass(run, args, report, progress)
            progress.finish()
    common.out("\n" + format_report(report))
    return int(ExitCode.OK if report.ok else ExitCode.ERROR)
