"""Objects impops managed that the manifests no longer declare: reported, never guessed at.

Only declared (and retired) products are read, so a product whose file was deleted would
silently become unmanaged. impops knows it managed a product by its **marker**: every
deployment impops creates carries the `impops` tag. A live product that is not declared,
retired or a previous name and has at least one deployment with that tag (one
`list_deployments` call per such product, filtered by product and tag) is reported in plan
and drift as no longer declared. Likewise a live group of a declared product whose current
deployment carries the tag: without pruning it is reported as no longer declared (not merely
"kept"); with pruning its deletion says the same.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Collection
from typing import TYPE_CHECKING, Any

from impops.engine.change import Action, register_reasons
from impops.engine.diffing import Unmanaged, register_unmanaged_reasons
from impops.engine.drift import DriftItem
from impops.providers.impcentral.live import LiveReader
from impops.providers.impcentral.model import (
    IMPOPS_TAG,
    PROVIDER,
    Deployment,
    DeviceGroup,
    ImpCentralState,
    Kind,
)
from impops.providers.impcentral.translate import attrs

if TYPE_CHECKING:
    from impops.providers.impcentral.diff import _Differ

Doc = dict[str, Any]

PRODUCT_TEXT = "no longer declared; list it in `retired_products` to delete it, or restore its file"
GROUP_TEXT = (
    "no longer declared in its product file (impops deployed to it); restore it, or plan "
    "with --prune to delete it"
)
register_unmanaged_reasons({"undeclared_product": PRODUCT_TEXT, "undeclared_group": GROUP_TEXT})
register_reasons(PROVIDER, {"undeclared_group": GROUP_TEXT})


class ProductsOnce:
    """A `LiveReader` that answers the unfiltered product list from its first call, so that
    the live read and `find` share one `GET /products`."""

    def __init__(self, client: LiveReader) -> None:
        self.client = client
        self._products: list[Doc] | None = None

    def list_products(self, filters: dict[str, str] | None = None) -> list[Doc]:
        if filters:
            return self.client.list_products(filters)
        if self._products is None:
            self._products = self.client.list_products()
        return list(self._products)

    def list_device_groups(self, filters: dict[str, str] | None = None) -> list[Doc]:
        return self.client.list_device_groups(filters)

    def list_devices(self, filters: dict[str, str] | None = None) -> list[Doc]:
        return self.client.list_devices(filters)

    def list_webhooks(self, filters: dict[str, str] | None = None) -> list[Doc]:
        return self.client.list_webhooks(filters)

    def list_deployments(
        self,
        filters: dict[str, str] | None = None,
        keep: Callable[[Doc], bool] | None = None,
    ) -> list[Doc]:
        return self.client.list_deployments(filters, keep)

    def get_deployment(self, deployment_id: str) -> Doc:
        return self.client.get_deployment(deployment_id)


def find(client: LiveReader, known: Collection[str]) -> tuple[str, ...]:
    """Live products outside `known` that carry impops' marker (see the module docstring)."""
    found = []
    for product in client.list_products():
        name = str(attrs(product).get("name", ""))
        if name in known:
            continue
        if client.list_deployments({"product.id": str(product["id"]), "tags": IMPOPS_TAG}):
            found.append(name)
    return tuple(sorted(found))


def _marked(d: _Differ, group: DeviceGroup) -> bool:
    dep = d.live_res.get(f"deployment/{group.product}/{group.name}")
    return isinstance(dep, Deployment) and IMPOPS_TAG in dep.tags


def report(d: _Differ) -> None:
    """Undeclared products as unmanaged; vanished groups impops deployed to, in words."""
    for name in d.live.undeclared_products:
        d.unmanaged.append(Unmanaged(f"product/{name}", Kind.PRODUCT, name, "undeclared_product"))
    for index, u in enumerate(d.unmanaged):
        group = d.live_res.get(u.address)
        if u.reason == "pruning_off" and isinstance(group, DeviceGroup) and _marked(d, group):
            d.unmanaged[index] = dataclasses.replace(u, reason="undeclared_group")
    for index, change in enumerate(d.changes):
        gone = change.before
        if (
            change.action is Action.DELETE
            and change.reason == "not_in_manifests"
            and isinstance(gone, DeviceGroup)
            and _marked(d, gone)
        ):
            d.changes[index] = dataclasses.replace(change, reason="undeclared_group")


def drift_items(live: ImpCentralState) -> list[DriftItem]:
    """Drift of undeclared products: nothing apply would do, but the account holds them."""
    return [
        DriftItem(f"product/{name}", Kind.PRODUCT, None, PRODUCT_TEXT)
        for name in live.undeclared_products
    ]
