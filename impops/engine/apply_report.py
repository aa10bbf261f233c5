"""What an apply did: one `Step` per planned change or restart, and the totals."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from impops.engine.change import Action, Change

Doc = dict[str, Any]


class StepStatus(StrEnum):
    COMPLETED = "completed"
    SKIPPED = "skipped"
    FAILED = "failed"
    NOT_ATTEMPTED = "not attempted"


@dataclass
class Step:
    """One unit of work: a planned change, or a restart after deployments."""

    label: str  # e.g. "+ devicegroup/weather-station/production"
    change: Change | None = None
    status: StepStatus = StepStatus.NOT_ATTEMPTED
    detail: str = ""


@dataclass
class ApplyReport:
    """What an apply did, step by step."""

    steps: list[Step] = field(default_factory=list)
    added: int = 0
    changed: int = 0
    destroyed: int = 0

    def of(self, status: StepStatus) -> list[Step]:
        return [s for s in self.steps if s.status is status]

    @property
    def ok(self) -> bool:
        return all(s.status is StepStatus.COMPLETED for s in self.steps)

    @property
    def failed(self) -> Step | None:
        failed = self.of(StepStatus.FAILED)
        return failed[0] if failed else None

    def summary(self) -> str:
        return f"Resources: {self.added} added, {self.changed} changed, {self.destroyed} destroyed."


ProgressCallback = Callable[[int, int, Step], None]


def step_label(change: Change) -> str:
    return f"{change.action.symbol} {change.address}"


def count_change(report: ApplyReport, change: Change) -> None:
    if change.action is Action.CREATE:
        report.added += 1
    elif change.action is Action.UPDATE:
        report.changed += 1
    elif change.action is Action.DELETE:
        report.destroyed += 1
    else:
        report.added += 1
        report.destroyed += 1
