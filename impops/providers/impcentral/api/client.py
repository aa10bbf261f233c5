"""`ImpCentralClient`: the impCentral v5 operations impops needs, over one pooled session.

Every method returns JSON:API resource objects as plain dicts (`type`, `id`, `attributes`,
`relationships`, `links`) that passed the shape checks of `answers`; lists are fully
paginated; every failure is an `ApiError` (a misshapen answer: `UnexpectedAnswerError`). The
client is thread-safe: the live-state reader calls it from a thread pool.

Idempotency (see `impops.http.transport` for the per-request retry rules):

* GET, PUT, PATCH, DELETE, restarts and device assignment are retried on 429, 502-504 and
  connection errors. A DELETE whose retry gets 404 (or, for unassign, "all devices not found")
  is treated as done: the earlier attempt landed.
* Creates are never retried blind. After an ambiguous failure (timeout, dropped connection,
  5xx) the client looks the object up: products by name among the caller's products, device
  groups by product + name, webhooks by group + event + url, deployments by a unique
  `op:<12 hex>` marker appended to `origin` (`strip_op_marker()` removes it). If the object
  exists it is returned; otherwise the create is retried after a backoff.
"""

from __future__ import annotations

import logging
import re
import secrets
from collections.abc import Callable, Mapping
from typing import Any

from impops import redact
from impops.providers.impcentral.api import validation as v
from impops.providers.impcentral.api.core import ApiCore, Resource
from impops.providers.impcentral.api.errors import ValidationError
from impops.providers.impcentral.settings import Settings

log = logging.getLogger(__name__)


_MARKER = re.compile(r"(?:^|\s)op:[0-9a-f]{12}$")


def strip_op_marker(origin: str) -> str:
    """`origin` without the `op:<nonce>` marker `create_deployment` appends to it."""
    return _MARKER.sub("", origin or "")


class ImpCentralClient(ApiCore):
    """Thread-safe impCentral v5 client (contract: docs/architecture.md)."""

    @classmethod
    def from_env(
        cls, env: Mapping[str, str] | None = None, endpoint: str | None = None, **options: Any
    ) -> ImpCentralClient:
        """Build from `IMPOPS_*` variables.

        `endpoint` is the project's default endpoint; `IMPOPS_ENDPOINT` overrides it. `options`
        go to the constructor (`max_retries`, `backoff_base`, `pool_size`, `page_size`, ...).
        """
        return cls(Settings.from_env(env, default_endpoint=endpoint), **options)

    def __enter__(self) -> ImpCentralClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- accounts -------------------------------------------------------------------------------

    def me(self) -> Resource:
        """The caller's account (`GET /accounts/me`)."""
        account = self._data(self._request("GET", "/accounts/me"), "GET", "/accounts/me")
        with self._account_lock:
            self._account_id = str(account.get("id"))
        return account

    def account_id(self) -> str:
        """The caller's account id (cached after the first call)."""
        with self._account_lock:
            known = self._account_id
        return known if known is not None else str(self.me()["id"])

    # --- products -------------------------------------------------------------------------------

    def list_products(self, filters: dict[str, str] | None = None) -> list[Resource]:
        """All products visible to the caller; filter: `owner.id`."""
        return self._list("products", filters)

    def get_product(self, product_id: str) -> Resource:
        """One product by id (NotFoundError when absent)."""
        return self._get("products", product_id)

    def create_product(self, name: str, description: str = "") -> Resource:
        """Create a product owned by the caller; never duplicated (lookup by name)."""
        attributes = {"name": name, "description": description}
        v.check_attributes(attributes, v.PRODUCT_CREATE, "product")
        v.check_name(name, "product name")
        body = {"data": {"type": "product", "attributes": attributes}}

        def lookup() -> Resource | None:
            mine = self.list_products({"owner.id": self.account_id()})
            return _first(mine, lambda r: _attr(r, "name") == name)

        return self._create("/products", body, lookup)

    def update_product(self, product_id: str, attributes: dict[str, Any]) -> Resource:
        """PATCH `name` and/or `description`; returns the updated product."""
        v.check_attributes(attributes, v.PRODUCT_UPDATE, "product")
        if "name" in attributes:
            v.check_name(attributes["name"], "product name")
        return self._update("products", product_id, "product", attributes)

    def delete_product(self, product_id: str) -> None:
        """Delete a product (ConflictError while it still has device groups)."""
        self._delete(f"/products/{v.check_id(product_id, 'product id')}")

    # --- device groups --------------------------------------------------------------------------

    def list_device_groups(self, filters: dict[str, str] | None = None) -> list[Resource]:
        """All device groups; filters: `owner.id`, `product.id`, `type`."""
        return self._list("devicegroups", filters)

    def get_device_group(self, group_id: str) -> Resource:
        """One device group by id."""
        return self._get("devicegroups", group_id)

    def create_device_group(
        self,
        product_id: str,
        group_type: str,
        attributes: dict[str, Any],
        production_target: dict[str, Any] | None = None,
        dut_target: dict[str, Any] | None = None,
    ) -> Resource:
        """Create a group. `load_code_after_blessing`, which the API takes on update only, is
        applied by a follow-up PATCH when given."""
        v.check_id(product_id, "product id")
        v.check_group_type(group_type)
        v.check_group_attributes(group_type, attributes, creating=True)
        v.check_targets(group_type, production_target, dut_target, creating=True)
        create_attrs = dict(attributes)
        load_code = create_attrs.pop("load_code_after_blessing", None)
        relationships: dict[str, Any] = {"product": {"type": "product", "id": product_id}}
        if production_target is not None:
            relationships["production_target"] = dict(production_target)
        if dut_target is not None:
            relationships["dut_target"] = dict(dut_target)
        body = {
            "data": {
                "type": group_type,
                "attributes": create_attrs,
                "relationships": relationships,
            }
        }
        name = create_attrs["name"]

        def lookup() -> Resource | None:
            groups = self.list_device_groups({"product.id": product_id})
            return _first(groups, lambda r: _attr(r, "name") == name)

        group = self._create("/devicegroups", body, lookup)
        if load_code is not None and _attr(group, "load_code_after_blessing") != load_code:
            group = self.update_device_group(
                str(group["id"]), group_type, {"load_code_after_blessing": load_code}
            )
        return group

    def update_device_group(
        self,
        group_id: str,
        group_type: str,
        attributes: dict[str, Any],
        production_target: dict[str, Any] | None = None,
        dut_target: dict[str, Any] | None = None,
    ) -> Resource:
        """PATCH a group; `group_type` must be its current type; targets for fixtures only."""
        v.check_group_type(group_type)
        v.check_group_attributes(group_type, attributes, creating=False)
        v.check_targets(group_type, production_target, dut_target, creating=False)
        relationships: dict[str, Any] = {}
        if production_target is not None:
            relationships["production_target"] = dict(production_target)
        if dut_target is not None:
            relationships["dut_target"] = dict(dut_target)
        return self._update("devicegroups", group_id, group_type, attributes, relationships)

    def delete_device_group(self, group_id: str) -> None:
        """Delete a device group (refused while devices are assigned or it is a target)."""
        self._delete(f"/devicegroups/{v.check_id(group_id, 'device group id')}")

    def restart_group_devices(self, group_id: str, conditional: bool = False) -> None:
        """Restart every device of a group (`conditional_restart` honours min supported)."""
        action = "conditional_restart" if conditional else "restart"
        self._action("POST", f"/devicegroups/{v.check_id(group_id, 'device group id')}/{action}")

    def assign_devices(self, group_id: str, device_ids: list[str]) -> None:
        """Assign devices (ids, MACs or agent ids); re-assigning is harmless, so it is retried."""
        ids = v.check_device_ids(device_ids)
        if not ids:
            return
        path = f"/devicegroups/{v.check_id(group_id, 'device group id')}/relationships/devices"
        self._action("POST", path, body=_device_list(ids))

    def unassign_devices(
        self, group_id: str, device_ids: list[str], unbond_key: str | None = None
    ) -> None:
        """Remove devices from a group. Production groups need the unbond key: `unbond_key`,
        else `IMPOPS_UNBOND_KEY` from the settings."""
        ids = v.check_device_ids(device_ids)
        if not ids:
            return
        path = f"/devicegroups/{v.check_id(group_id, 'device group id')}/relationships/devices"
        key = unbond_key or self.settings.unbond_key
        headers = {}
        if key:
            redact.register(key)
            headers["X-Electricimp-Key"] = key
        try:
            self._action("DELETE", path, body=_device_list(ids), headers=headers)
        except ValidationError as exc:
            # a retried unassign whose first attempt landed: every device is "not found"
            if not (exc.attempts > 1 and exc.all_not_found()):
                raise

    def set_min_supported_deployment(self, group_id: str, deployment_id: str) -> None:
        """Set the group's minimum supported deployment (must belong to it and be newer)."""
        path = (
            f"/devicegroups/{v.check_id(group_id, 'device group id')}"
            "/relationships/min_supported_deployment"
        )
        body = {"data": {"type": "deployment", "id": v.check_id(deployment_id, "deployment id")}}
        self._action("PUT", path, body=body)

    # --- deployments ----------------------------------------------------------------------------

    def list_deployments(
        self,
        filters: dict[str, str] | None = None,
        keep: Callable[[Resource], bool] | None = None,
    ) -> list[Resource]:
        """All deployments; filters: `owner.id`, `creator.id`, `product.id`, `devicegroup.id`,
        `sha`, `flagged`, `flagger.id`, `tags`. `keep` drops items page by page (`_list`)."""
        return self._list("deployments", filters, keep)

    def get_deployment(self, deployment_id: str) -> Resource:
        """One deployment by id, code included."""
        return self._get("deployments", deployment_id)

    def create_deployment(
        self, group_id: str, group_type: str, attributes: dict[str, Any]
    ) -> Resource:
        """Create a deployment; `origin` gets a unique `op:<nonce>` marker (see module doc)."""
        v.check_id(group_id, "device group id")
        v.check_group_type(group_type)
        v.check_deployment_attributes(attributes, creating=True)
        marker = f"op:{secrets.token_hex(6)}"
        attrs = dict(attributes)
        attrs["origin"] = f"{strip_op_marker(str(attrs.get('origin') or ''))} {marker}".strip()
        body = {
            "data": {
                "type": "deployment",
                "attributes": attrs,
                "relationships": {"devicegroup": {"type": group_type, "id": group_id}},
            }
        }

        def lookup() -> Resource | None:
            deployments = self.list_deployments({"devicegroup.id": group_id})
            return _first(deployments, lambda r: str(_attr(r, "origin") or "").endswith(marker))

        return self._create("/deployments", body, lookup)

    def update_deployment(self, deployment_id: str, attributes: dict[str, Any]) -> Resource:
        """PATCH `description`, `flagged` and/or `tags` (code and origin are immutable)."""
        v.check_deployment_attributes(attributes, creating=False)
        return self._update("deployments", deployment_id, "deployment", attributes)

    def delete_deployment(self, deployment_id: str) -> None:
        """Delete a deployment (refused when flagged or not older than min supported)."""
        self._delete(f"/deployments/{v.check_id(deployment_id, 'deployment id')}")

    # --- webhooks -------------------------------------------------------------------------------

    def list_webhooks(self, filters: dict[str, str] | None = None) -> list[Resource]:
        """All webhooks; filter: `devicegroup.id`."""
        return self._list("webhooks", filters)

    def get_webhook(self, webhook_id: str) -> Resource:
        """One webhook by id."""
        return self._get("webhooks", webhook_id)

    def create_webhook(
        self, group_id: str, group_type: str, attributes: dict[str, Any]
    ) -> Resource:
        """Create a webhook; never duplicated (lookup by group + event + url)."""
        v.check_id(group_id, "device group id")
        v.check_group_type(group_type)
        v.check_webhook_attributes(attributes, creating=True)
        body = {
            "data": {
                "type": "webhook",
                "attributes": dict(attributes),
                "relationships": {"devicegroup": {"type": group_type, "id": group_id}},
            }
        }
        event, url = attributes["event"], attributes["url"]

        def lookup() -> Resource | None:
            hooks = self.list_webhooks({"devicegroup.id": group_id})
            return _first(hooks, lambda r: _attr(r, "event") == event and _attr(r, "url") == url)

        return self._create("/webhooks", body, lookup)

    def update_webhook(self, webhook_id: str, attributes: dict[str, Any]) -> Resource:
        """PATCH `url` and/or `content_type` (the event is immutable)."""
        v.check_webhook_attributes(attributes, creating=False)
        return self._update("webhooks", webhook_id, "webhook", attributes)

    def delete_webhook(self, webhook_id: str) -> None:
        """Delete a webhook."""
        self._delete(f"/webhooks/{v.check_id(webhook_id, 'webhook id')}")

    # --- devices --------------------------------------------------------------------------------

    def list_devices(self, filters: dict[str, str] | None = None) -> list[Resource]:
        """All devices; filters: owner/product/devicegroup ids, `devicegroup.owner.id` (`null`:
        unassigned only), `devicegroup.type`."""
        return self._list("devices", filters)

    def get_device(self, device_id: str) -> Resource:
        """One device by id, MAC address or agent id."""
        return self._get("devices", device_id)

    def restart_device(self, device_id: str, conditional: bool = False) -> None:
        """Restart one device (`conditional`: only if older than the min supported deployment)."""
        action = "conditional_restart" if conditional else "restart"
        self._action("POST", f"/devices/{v.check_id(device_id, 'device id')}/{action}")


def _attr(resource: Mapping[str, Any], name: str) -> Any:
    attributes = resource.get("attributes")
    return attributes.get(name) if isinstance(attributes, Mapping) else None


def _first(resources: list[Resource], predicate: Callable[[Resource], bool]) -> Resource | None:
    return next((r for r in resources if predicate(r)), None)


def _device_list(ids: list[str]) -> dict[str, Any]:
    return {"data": [{"type": "device", "id": device_id} for device_id in ids]}


__all__ = ["ImpCentralClient", "strip_op_marker"]
