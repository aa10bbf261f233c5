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

**Waves.** Changes run in plan order, but a run of independent changes (same provider, a kind
its writer lists in `concurrent_kinds`, same action, different device groups: see
`impops.engine.waves`) is one *wave*, written by up to `parallelism` threads at once under the
client's shared rate limiter. Before a wave of more than one change the writer's optional
`prepare(changes)` may refresh, with one list call, what those writes re-check (impCentral:
the groups' current deployments instead of one GET per change). A failure stops the run as
before: no further change is started, changes of the wave already in flight finish and are
reported as they ended, the rest are "not attempted".
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
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
from impops.engine.waves import split_waves
from impops.errors import ImpopsError, PlanError

log = logging.getLogger(__name__)

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
    parallelism: int = 8,
) -> ApplyReport:
    """Execute `plan.changes` in order (waves at once), then follow-ups; stop at the first
    failed write.

    `writers` maps a provider name to its writer. Errors never propagate: they end the run
    and are reported (redacted).
    """
    report = ApplyReport(steps=[Step(step_label(c), c) for c in plan.changes])
    total = len(report.steps)
    done = 0

    def notify(step: Step) -> None:
        nonlocal done
        done += 1
        if step.status is StepStatus.COMPLETED and step.change is not None:
            count_change(report, step.change)
        if on_progress is not None:
            on_progress(done, max(total, done), step)

    failed = False
    steps = iter(report.steps)
    with ThreadPoolExecutor(max(1, parallelism), "impops-apply") as pool:
        for wave in split_waves(list(plan.changes), writers):
            wave_steps = [next(steps) for _ in wave]
            if len(wave) > 1:
                _prepare(writers.get(wave[0].provider), wave)
                failed = _run_wave(pool, writers, wave_steps, notify)
            else:
                failed = _run_step(writers, wave_steps[0])
                notify(wave_steps[0])
            if failed:
                break
    index = done

    follow_ups = [f for w in writers.values() for f in w.follow_ups()]
    if failed:
        # Follow-ups only run at the end; say which ones a re-run will not do by itself.
        report.steps.extend(Step(f.label, detail=f.pending) for f in follow_ups)
        return report
    steps_after = [Step(f.label) for f in follow_ups]
    report.steps.extend(steps_after)
    total = len(report.steps)
    for step, follow_up in zip(steps_after, follow_ups, strict=True):
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
            if on_progress is not None:
                on_progress(index, max(total, index), step)
            for later, rest in zip(steps_after, follow_ups, strict=True):
                if later.status is StepStatus.NOT_ATTEMPTED:
                    later.detail = rest.pending
            break
        if on_progress is not None:
            on_progress(index, max(total, index), step)
    return report


def _run_step(writers: Mapping[str, Writer], step: Step) -> bool:
    """Run one step's change and record its outcome in the step; True when it failed.

    Runs on a wave's threads: it touches only its own step (totals are counted by the caller).
    """
    change = step.change
    assert change is not None
    writer = writers.get(change.provider)
    try:
        if writer is None:
            raise PlanError(f"no writer for provider {change.provider!r}")
        step.detail = writer.run(change)
        step.status = StepStatus.COMPLETED
    except Skip as exc:
        step.status = StepStatus.SKIPPED
        step.detail = str(exc)
        if writer is not None:
            writer.blocked.add(change.address)
    except ImpopsError as exc:
        step.status = StepStatus.FAILED
        step.detail = redact.scrub(str(exc))
        return True
    return False


def _run_wave(
    pool: ThreadPoolExecutor,
    writers: Mapping[str, Writer],
    steps: Sequence[Step],
    notify: Callable[[Step], None],
) -> bool:
    """Run a wave's steps at once; after a failure start no more. True when one failed."""
    futures: dict[Future[bool], Step] = {
        pool.submit(_run_step, writers, step): step for step in steps
    }
    failed = False
    pending = set(futures)
    while pending:
        finished, pending = wait(pending, return_when=FIRST_COMPLETED)
        for future in finished:
            if future.cancelled():
                continue
            failed = future.result() or failed
            notify(futures[future])
        if failed:
            for future in pending:
                future.cancel()  # not started yet: stays "not attempted"
    return failed


def _prepare(writer: object, changes: Sequence[Change]) -> None:
    """Let the writer refresh what a wave's writes re-check; a failure only costs the batching
    (each write then re-reads on its own)."""
    prepare = getattr(writer, "prepare", None)
    if prepare is None:
        return
    try:
        prepare(changes)
    except ImpopsError as exc:
        log.debug(
            "refreshing %d changes at once failed (%s); re-reading one by one", len(changes), exc
        )
