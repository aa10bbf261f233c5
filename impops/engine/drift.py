"""Drift: where live state differs from the manifests. Pure; the read-only reading is the
providers' job (each reads through a view of its client that has no write methods).

Every difference a provider's differ finds (with pruning on, so objects that exist only live
count too) becomes a `DriftItem`. A provider may attribute an item to whoever made the live
object (`Attribution`: id, time, creator, origin, tags) and add items that are no difference
for apply but drift all the same (impCentral: a current deployment made outside impops whose
content still matches the manifests).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from impops.engine.change import Action, Change, FieldChange
from impops.engine.diffing import Differ
from impops.engine.state import State

OWNERSHIP_TAG = "impops"  # objects impops makes carry it where the API has tags

# What a difference means, per action the plan would take.
_MEANING = {
    Action.CREATE: "declared in the manifests, missing or different live",
    Action.UPDATE: "changed live (or not yet applied)",
    Action.DELETE: "exists live but not in the manifests",
    Action.REPLACE: "changed live in a way that needs replacement",
}


@dataclass(frozen=True)
class Attribution:
    """Who made a live object, as far as the API tells."""

    id: str
    created_at: str = ""
    updated_at: str = ""
    creator_id: str = ""
    origin: str = ""
    tags: tuple[str, ...] = ()
    sha: str = ""

    @property
    def made_by_impops(self) -> bool:
        return OWNERSHIP_TAG in self.tags


@dataclass(frozen=True)
class DriftNote:
    """A provider's word on one change: who made the live object and what kind of drift."""

    attribution: Attribution | None = None
    outside_impops: bool = False
    code_differs: bool = False


@dataclass(frozen=True)
class DriftItem:
    """One difference between the manifests and live state."""

    address: str
    kind: str
    action: Action | None  # what `impops apply` would do about it (None: nothing)
    meaning: str
    fields: tuple[FieldChange, ...] = ()
    deployment: Attribution | None = None  # who made the live object (impCentral: deployment)
    outside_impops: bool = False  # the live object was not made by impops
    code_differs: bool = False

    @property
    def symbol(self) -> str:
        return self.action.symbol if self.action else "!"

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "address": self.address,
            "kind": self.kind,
            "action": self.action.value if self.action else "none",
            "meaning": self.meaning,
            "fields": [
                {"path": f.path, "before": f.before, "after": f.after, "sensitive": f.sensitive}
                for f in self.fields
            ],
            "outside_impops": self.outside_impops,
            "code_differs": self.code_differs,
        }
        if self.deployment is not None:
            d = self.deployment
            data["live_deployment"] = {
                "id": d.id,
                "created_at": d.created_at,
                "creator_id": d.creator_id,
                "origin": d.origin,
                "tags": list(d.tags),
                "sha": d.sha,
                "made_by_impops": d.made_by_impops,
            }
        return data


@dataclass
class DriftReport:
    items: list[DriftItem] = field(default_factory=list)
    products: tuple[str, ...] = ()  # the scopes compared
    endpoint: str = ""

    @property
    def has_drift(self) -> bool:
        return bool(self.items)


@dataclass(frozen=True)
class DriftInput:
    """One provider's part of a drift run."""

    desired: State
    live: State
    differ: Differ
    managed: tuple[str, ...] = ()
    note: Callable[[Change], DriftNote] = lambda _change: DriftNote()
    # Items that are no difference for apply but still drift, given the addresses seen.
    extra: Callable[[set[str]], list[DriftItem]] = lambda _seen: []


def _item(change: Change, note: DriftNote) -> DriftItem:
    return DriftItem(
        address=change.address,
        kind=str(change.kind),
        action=change.action,
        meaning=(
            change.reason_text if change.reason_text != change.reason else _MEANING[change.action]
        ),
        fields=change.fields,
        deployment=note.attribution,
        outside_impops=note.outside_impops,
        code_differs=note.code_differs,
    )


def compare(parts: Iterable[DriftInput]) -> DriftReport:
    """Pure: every difference between desired and live, sorted by address.

    Each part's `managed` adds scopes that are managed but no longer declared (retired
    products): anything left of them live is drift too.
    """
    found: list[DriftItem] = []
    scopes: set[str] = set()
    for part in parts:
        result = part.differ(part.desired, part.live, prune=True, managed=part.managed)
        mine = [_item(c, part.note(c)) for c in result.changes]
        mine += part.extra({i.address for i in mine})
        found += mine
        scopes |= part.desired.scopes() | set(part.managed)
    items = sorted(found, key=lambda i: i.address)
    return DriftReport(items=items, products=tuple(sorted(scopes)))
