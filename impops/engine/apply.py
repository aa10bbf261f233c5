"""Execute a plan: in plan order, each change by its provider's writer, then follow-ups.

`apply_plan` walks `plan.changes` (already in dependency order across providers; deletes
reversed) and hands each to the writer of the provider that owns it. When every change went
through, it runs the writers' follow-ups (impCentral: restarting the devices of groups that
received a new deployment). Three rules make it safe, and every writer keeps them:

* **Re-read before write.** A writer first re-reads what the write depends on; if it moved
  since planning it raises `Skip` ("moved since planning"), the change is reported as skipped
  and everything that depends on it is skipped too.
* **Stop at the first failed write.** The report lists completed, skipped, failed (with the
  redacted error) and not attempted steps.
* **Re-runnable.** Nothing is journalled here: a re-run re-plans from live state, so it only
  plans what is left, and the clients' create idempotency covers a create whose response was
  lost.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Protocol

from impops import redact
from impops.engine.apply_report import (
    ApplyReport,
    ProgressCallback,
    Step,
    StepStatus,
    count_change,
    step_label,
)
from impops.engine.change import Change
from impops.errors import ImpopsError, PlanError

__all__ = [
    "ApplyReport",
    "FollowUp",
    "ProgressCallback",
    "Skip",
    "Step",
    "StepStatus",
    "Writer",
    "apply_plan",
]


class Skip(Exception):
    """A change whose preconditions no longer hold; it is reported, not failed."""


@dataclass(frozen=True)
class FollowUp:
    """Work a writer does once every change went through (e.g. restarting devices).

    `pending` says what happens instead when the apply stopped before it could run.
    """

    label: str
    run: Callable[[], None]
    pending: str = ""


class Writer(Protocol):
    """One provider's writes. `blocked` collects addresses whose change was skipped/failed."""

    blocked: set[str]

    def run(self, change: Change) -> str:
        """Perform one change; return a short detail; raise `Skip` or an `ImpopsError`."""
        ...

    def follow_ups(self) -> list[FollowUp]: ...


class PlanLike(Protocol):
    """What `apply_plan` needs from `impops.engine.plan.Plan`."""

    @property
    def changes(self) -> tuple[Change, ...] | list[Change]: ...


def apply_plan(
    plan: PlanLike,
    writers: Mapping[str, Writer],
    *,
    on_progress: ProgressCallback | None = None,
) -> ApplyReport:
    """Execute `plan.changes` in order, then follow-ups; stop at the first failed write.

    `writers` maps a provider name to its writer. Errors never propagate: they end the run
    and are reported (redacted).
    """
    report = ApplyReport(steps=[Step(step_label(c), c) for c in plan.changes])
    total = len(report.steps)

    def notify(index: int, step: Step) -> None:
        if on_progress is not None:
            on_progress(index, max(total, index), step)

    index = 0
    failed = False
    for step in report.steps:
        index += 1
        change = step.change
        assert change is not None
        writer = writers.get(change.provider)
        try:
            if writer is None:
                raise PlanError(f"no writer for provider {change.provider!r}")
            step.detail = writer.run(change)
            step.status = StepStatus.COMPLETED
            count_change(report, change)
        except Skip as exc:
            step.status = StepStatus.SKIPPED
            step.detail = str(exc)
            if writer is not None:
                writer.blocked.add(change.address)
        except ImpopsError as exc:
            step.status = StepStatus.FAILED
            step.detail = redact.scrub(str(exc))
            failed = True
        notify(index, step)
        if failed:
            break

    follow_ups = [f for w in writers.values() for f in w.follow_ups()]
    if failed:
        # Follow-ups only run at the end; say which ones a re-run will not do by itself.
        report.steps.extend(Step(f.label, detail=f.pending) for f in follow_ups)
        return report
    steps = [Step(f.label) for f in follow_ups]
    report.steps.extend(steps)
    total = len(report.steps)
    for step, follow_up in zip(steps, follow_ups, strict=True):
        index += 1
        try:
            follow_up.run()
            step.status = StepStatus.COMPLETED
        except Skip as exc:
            step.status, step.detail = StepStatus.SKIPPED, str(exc)
        except ImpopsError as exc:
            step.status, step.detail = StepStatus.FAILED, redact.scrub(str(exc))
            if follow_up.pending:
                step.detail += f" ({follow_up.pending})"
            notify(index, step)
            for later, rest in zip(steps, follow_ups, strict=True):
                if later.status is StepStatus.NOT_ATTEMPTED:
                    later.detail = rest.pending
            break
        notify(index, step)
    return report
