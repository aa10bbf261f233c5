"""Drift: where live impCentral differs from the manifests. Read-only by construction.

This module has no write path: it reads through `ReadOnlyClient`, which forwards exactly the
list/get methods the live reader needs and nothing else, and it never imports
`impops.engine.apply`. A drift run therefore cannot change impCentral whatever the manifests say.

Every difference the differ finds (with pruning on, so objects that exist only in impCentral
count too) becomes a `DriftItem`. For a deployment the item also says which live deployment is
current, when it was created, its origin and creator id, and whether impops made it (the
`impops` tag): a current deployment without the tag was made outside impops (IDE, impt, API).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from impops.engine.change import REASONS, Action, Change, FieldChange
from impops.providers.impcentral.diff import diff
from impops.providers.impcentral.live import Doc, LiveReader, read_live
from impops.providers.impcentral.model import Deployment, DeploymentInfo, State

# What a difference means, per action the plan would take.
_MEANING = {
    Action.CREATE: "declared in the manifests, missing or different in impCentral",
    Action.UPDATE: "changed in impCentral (or not yet applied)",
    Action.DELETE: "exists in impCentral but not in the manifests",
    Action.REPLACE: "changed in impCentral in a way that needs replacement",
}


class ReadOnlyClient:
    """A view of an impCentral client that can only read (see module docstring)."""

    def __init__(self, client: LiveReader) -> None:
        self._client = client

    def list_products(self, filters: dict[str, str] | None = None) -> list[Doc]:
        return self._client.list_products(filters)

    def list_device_groups(self, filters: dict[str, str] | None = None) -> list[Doc]:
        return self._client.list_device_groups(filters)

    def list_devices(self, filters: dict[str, str] | None = None) -> list[Doc]:
        return self._client.list_devices(filters)

    def list_webhooks(self, filters: dict[str, str] | None = None) -> list[Doc]:
        return self._client.list_webhooks(filters)

    def list_deployments(self, filters: dict[str, str] | None = None) -> list[Doc]:
        return self._client.list_deployments(filters)

    def get_deployment(self, deployment_id: str) -> Doc:
        return self._client.get_deployment(deployment_id)


@dataclass(frozen=True)
class DriftItem:
    """One difference between the manifests and live impCentral."""

    address: str
    kind: str
    action: Action | None  # what `impops apply` would do about it (None: nothing)
    meaning: str
    fields: tuple[FieldChange, ...] = ()
    deployment: DeploymentInfo | None = None  # the live current deployment, for code drift
    outside_impops: bool = False  # the live current deployment was not made by impops
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
    products: tuple[str, ...] = ()
    endpoint: str = ""

    @property
    def has_drift(self) -> bool:
        return bool(self.items)


def _item(change: Change, live: State) -> DriftItem:
    info: DeploymentInfo | None = None
    outside = False
    code = False
    if isinstance(change.before, Deployment) or isinstance(change.after, Deployment):
        info = live.deployments.get(change.address)
        outside = info is not None and not info.made_by_impops
        code = any(f.path in ("agent_sha256", "device_sha256") for f in change.fields)
        code = code or change.reason == "code_changed"
    return DriftItem(
        address=change.address,
        kind=change.kind.value,
        action=change.action,
        meaning=REASONS.get(change.reason, _MEANING[change.action]),
        fields=change.fields,
        deployment=info,
        outside_impops=outside,
        code_differs=code,
    )


def _foreign_deployments(desired: State, live: State, seen: set[str]) -> list[DriftItem]:
    """Current deployments made outside impops whose content still matches the manifests:
    nothing for apply to do, but someone deployed behind git's back all the same."""
    items = []
    for address in sorted(desired.resources):
        info = live.deployments.get(address)
        if address in seen or info is None or info.made_by_impops:
            continue
        if not isinstance(desired.resources[address], Deployment):
            continue
        items.append(
            DriftItem(
                address=address,
                kind="deployment",
                action=None,
                meaning="the current deployment was made outside impops (content matches)",
                deployment=info,
                outside_impops=True,
            )
        )
    return items


def compare(desired: State, live: State, managed: Sequence[str] = ()) -> DriftReport:
    """Pure: every difference between desired and live, sorted by address.

    `managed` adds products that are managed but no longer declared (retired): anything
    left of them in impCentral is drift too.
    """
    result = diff(desired, live, prune=True, managed=managed)
    found = [_item(c, live) for c in result.changes]
    found += _foreign_deployments(desired, live, {i.address for i in found})
    items = sorted(found, key=lambda i: i.address)
    return DriftReport(items=items, products=tuple(sorted(desired.products() | set(managed))))


def detect_drift(
    desired: State,
    client: LiveReader,
    product_names: Sequence[str],
    *,
    parallelism: int = 8,
    endpoint: str = "",
) -> DriftReport:
    """Read live state through a read-only view and compare it with `desired`."""
    live = read_live(ReadOnlyClient(client), product_names, parallelism=parallelism)
    report = compare(desired, live, product_names)
    report.endpoint = endpoint
    return report
