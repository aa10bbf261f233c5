"""Waves: runs of plan-ordered changes that may be written at the same time.

`apply_plan` executes a plan in its order; a writer may declare kinds whose changes on
different units (`Resource.impact_key()`: an impCentral device group) are independent
(`Writer.concurrent_kinds`). A wave is a maximal run of consecutive changes of one provider,
one such kind, one action and one `order_rank`, on pairwise different units. Everything
else is a wave of one, so dependency order (products before groups, a fixture group after its
targets, deployments after groups, deletes reversed) is exactly the plan's: a wave never
spans a change of another kind, and its members cannot depend on each other.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from impops.engine.change import Change


def wave_key(change: Change) -> tuple[str, str, str, int]:
    r = change.resource
    return (change.provider, change.kind, change.action.value, r.order_rank())


def split_waves(changes: Sequence[Change], writers: Mapping[str, object]) -> list[list[Change]]:
    """`changes` (in plan order) cut into waves (module docstring); order is kept."""
    waves: list[list[Change]] = []
    units: set[str] = set()
    for change in changes:
        kinds: frozenset[str] = getattr(
            writers.get(change.provider), "concurrent_kinds", frozenset()
        )
        current = waves[-1] if waves else None
        if (
            current is not None
            and change.kind in kinds
            and wave_key(current[0]) == wave_key(change)
            and change.resource.impact_key() not in units
        ):
            current.append(change)
            units.add(change.resource.impact_key())
            continue
        waves.append([change])
        units = {change.resource.impact_key()} if change.kind in kinds else set()
    return waves
