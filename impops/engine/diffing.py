"""What every provider's differ returns, and the one rule all kinds without special rules share.

A differ is pure: `(desired, live, prune, managed) -> DiffResult`. `managed` widens the scopes
considered beyond those `desired` declares (e.g. retired impCentral products, whose live
objects are deleted when pruning).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Protocol

from impops.engine.change import Action, Change
from impops.engine.fieldchanges import field_changes
from impops.engine.resource import Resource
from impops.engine.state import State

UNMANAGED_REASONS = {
    "pruning_off": "kept, pruning off",
    "not_declared": "not declared in the manifests; impops leaves it alone",
}


def register_unmanaged_reasons(reasons: dict[str, str]) -> None:
    """A provider adds reason codes for live objects its plans leave alone."""
    UNMANAGED_REASONS.update(reasons)


@dataclass(frozen=True)
class Unmanaged:
    """A live object the plan leaves alone, with a reason code from UNMANAGED_REASONS."""

    address: str
    kind: str
    product: str  # the scope (an impCentral product, a Mnubo zone)
    reason: str


@dataclass(frozen=True)
class DiffResult:
    """Unordered changes plus the live objects deliberately left alone."""

    changes: tuple[Change, ...]
    unmanaged: tuple[Unmanaged, ...]


class Differ(Protocol):
    def __call__(
        self, desired: State, live: State, *, prune: bool, managed: Collection[str] = ()
    ) -> DiffResult: ...


def create_or_update(desired: Resource, live: Resource | None) -> Change | None:
    """Kinds with no special rules: create when missing, update the fields that differ."""
    if live is None:
        return Change(Action.CREATE, None, desired, "missing_in_live")
    fields = field_changes(live, desired, live.comparable(), desired.comparable())
    if fields:
        return Change(Action.UPDATE, live, desired, "fields_changed", fields)
    return None
