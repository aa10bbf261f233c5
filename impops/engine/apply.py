"""Execute a plan against impCentral: in plan order, re-checking live state before each write.

`apply_plan` walks `plan.changes` (already in dependency order: products, groups, deployments,
devices, webhooks; deletes reversed) and then restarts the devices of groups that received a
new deployment. Three rules make it safe:

* **Re-read before write.** Each write first re-reads the object it depends on (the group's
  `current_deployment` before a new deployment; the product, group or webhook itself before an
  update or delete; the group's device set before (un)assigning; the parent's children before a
  create). If it moved since planning the change is *skipped* ("moved since planning") and
  everything that depends on it is skipped too. A process-wide lock per object spans the
  re-read and the write, so concurrent applies in one process cannot both deploy; across
  processes the window is one round trip (impCentral has no compare-and-set).
* **Stop at the first failed write.** The report lists completed, skipped, failed (with the
  redacted API error) and not attempted steps.
* **Re-runnable.** Nothing is journalled: a re-run re-plans from live state, so it only plans
  what is left, and the client's create idempotency covers a create whose response was lost.
"""

from __future__ import annotations

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
from impops.errors import PlanError
from impops.providers.impcentral.api.client import ImpCentralClient
from impops.providers.impcentral.api.errors import ApiError
from impops.providers.impcentral.model import State
from impops.providers.impcentral.writer import ChangeWriter, Skip

__all__ = ["ApplyReport", "ProgressCallback", "Step", "StepStatus", "apply_plan"]


class PlanLike(Protocol):
    """What `apply_plan` needs from `impops.engine.plan.Plan`."""

    @property
    def changes(self) -> tuple[Change, ...] | list[Change]: ...


def apply_plan(
    plan: PlanLike,
    desired: State,
    live: State,
    client: ImpCentralClient,
    *,
    on_progress: ProgressCallback | None = None,
    git_sha: str | None = None,
    unbond_key: str | None = None,
) -> ApplyReport:
    """Execute `plan.changes` in order, then restarts; stop at the first failed write.

    `git_sha` is appended to each new deployment's origin (`impops:<file>@<sha>`); when None,
    `plan.source.git_sha` is used if the plan carries one. `unbond_key` is sent when devices
    leave a production group. API errors never propagate: they end the run and are reported.
    """
    if git_sha is None:
        source = getattr(plan, "source", None)
        git_sha = getattr(source, "git_sha", None) or None
    ex = ChangeWriter(client, desired, live, git_sha=git_sha, unbond_key=unbond_key)
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
        try:
            step.detail = ex.run(change)
            step.status = StepStatus.COMPLETED
            count_change(report, change)
        except Skip as exc:
            step.status = StepStatus.SKIPPED
            step.detail = str(exc)
            ex.blocked.add(change.address)
        except (ApiError, PlanError) as exc:
            step.status = StepStatus.FAILED
            step.detail = redact.scrub(str(exc))
            failed = True
        notify(index, step)
        if failed:
            break

    if failed:
        # Restarts only run at the end; say which ones a re-run will not do by itself.
        for gaddr, mode in sorted(ex.restarts.items()):
            report.steps.append(
                Step(
                    f"restart {gaddr} ({mode.value})",
                    detail="its new deployment reaches devices at their next restart",
                )
            )
    else:
        restarts = [
            (Step(f"restart {gaddr} ({mode.value})"), gaddr, mode)
            for gaddr, mode in sorted(ex.restarts.items())
        ]
        report.steps.extend(step for step, _, _ in restarts)
        total = len(report.steps)
        for step, gaddr, mode in restarts:
            index += 1
            try:
                ex.restart(gaddr, mode)
                step.status = StepStatus.COMPLETED
            except Skip as exc:
                step.status, step.detail = StepStatus.SKIPPED, str(exc)
            except ApiError as exc:
                step.status, step.detail = StepStatus.FAILED, redact.scrub(str(exc))
                notify(index, step)
                break
            notify(index, step)
    return report
