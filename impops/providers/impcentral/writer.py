"""The writes of an apply, one method per kind and action, each guarded by a re-read.

`ChangeWriter.run(change)` performs one planned change: it re-reads what the write depends on,
raises `Skip` if that moved since planning, and otherwise calls the client. Ids of objects
created earlier in the same run are remembered, so later changes (a fixture's targets, a new
group's deployment) can refer to them. See `impops.engine.apply` for the rules this serves.
Shared state and checks are in `writer_base`, deployments and restarts in `writer_code`.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from impops.engine.apply import FollowUp, Skip
from impops.engine.change import Action, Change
from impops.errors import PlanError
from impops.providers.impcentral import moves, renames, replacements
from impops.providers.impcentral.model import (
    Deployment,
    DeviceAssignment,
    DeviceGroup,
    Kind,
    Product,
    Webhook,
)
from impops.providers.impcentral.restarts import PendingRestart
from impops.providers.impcentral.translate import devices_fingerprint, fingerprint_of
from impops.providers.impcentral.writer_base import Doc, object_lock
from impops.providers.impcentral.writer_code import CodeWrites


class ChangeWriter(CodeWrites):
    """Performs planned changes against impCentral, re-checking live state before each."""

    # Kinds whose changes on different device groups the engine may run at once (waves).
    concurrent_kinds = frozenset({Kind.DEPLOYMENT, Kind.WEBHOOK})

    # --- dispatch ------------------------------------------------------------------------

    def run(self, change: Change) -> str:
        """Execute one change; returns a short detail for the report."""
        if change.action is Action.REPLACE and isinstance(change.after, DeviceGroup):
            return replacements.replace_group(self, change)  # create-before-destroy
        if change.action is Action.REPLACE:
            self.delete(change)
            return self.create(change) or "replaced"
        if change.action is Action.DELETE:
            return self.delete(change)
        if change.action is Action.CREATE:
            return self.create(change)
        return self.update(change)

    def create(self, change: Change) -> str:
        r = change.after
        if isinstance(r, Product):
            return self.create_product(r)
        if isinstance(r, DeviceGroup):
            return self.create_group(r)
        if isinstance(r, Deployment):
            return self.deploy(r, change)
        if isinstance(r, DeviceAssignment):
            return self.assign(r, change)
        if isinstance(r, Webhook):
            return self.create_webhook(r)
        raise PlanError(f"cannot create {change.address}")

    def update(self, change: Change) -> str:
        if change.reason == "renamed":
            return renames.rename(self, change)
        r = change.after
        if isinstance(r, Product):
            return self.update_product(r)
        if isinstance(r, DeviceGroup):
            return self.update_group(r)
        if isinstance(r, Deployment):
            if any(f.path in ("agent_sha256", "device_sha256") for f in change.fields):
                return self.deploy(r, change)
            return self.update_deployment(r, change)
        if isinstance(r, DeviceAssignment):
            return self.assign(r, change)
        if isinstance(r, Webhook):
            return self.update_webhook(r)
        if isinstance(r, PendingRestart):
            return self.queue_restart(r)
        raise PlanError(f"cannot update {change.address}")

    def delete(self, change: Change) -> str:
        r = change.before
        if isinstance(r, Product):
            return self.delete_product(r)
        if isinstance(r, DeviceGroup):
            return self.delete_group(r)
        if isinstance(r, Deployment):
            # impCentral cannot remove a group's current code; it goes with the group.
            return "nothing to do (deployments are removed with their device group)"
        if isinstance(r, DeviceAssignment):
            return self.assign(DeviceAssignment(product=r.product, group=r.group), change)
        if isinstance(r, Webhook):
            return self.delete_webhook(r)
        raise PlanError(f"cannot delete {change.address}")

    # --- products ------------------------------------------------------------------------

    def create_product(self, p: Product) -> str:
        with object_lock(f"{self.key}:products"):
            if any(
                (x.get("attributes") or {}).get("name") == p.product
                for x in self.client.list_products()
            ):
                raise Skip("moved since planning (it exists now)")
            doc = self.client.create_product(p.product, p.description)
        self.ids[p.address] = str(doc["id"])
        self.expected[p.address] = fingerprint_of(doc)
        if self.lock is not None:
            self.lock.adopt_new_product(p.product, str(doc["id"]))
        return f"id {doc['id']}"

    def update_product(self, p: Product) -> str:
        pid = self.require_id(p.address)
        with object_lock(f"{self.key}:{pid}"):
            self.check_fingerprint(p.address, self.client.get_product(pid))
            doc = self.client.update_product(pid, {"description": p.description})
        self.expected[p.address] = fingerprint_of(doc)
        return ""

    def delete_product(self, p: Product) -> str:
        pid = self.require_id(p.address)
        with object_lock(f"{self.key}:{pid}"):
            self.check_fingerprint(p.address, self.client.get_product(pid))
            if self.lock is not None:
                self.lock.release_product(p.product)
            self.client.delete_product(pid)
        self.ids.pop(p.address, None)
        return ""

    # --- device groups -------------------------------------------------------------------

    def group_attributes(self, g: DeviceGroup, *, create: bool) -> dict[str, Any]:
        attributes: dict[str, Any] = {
            "name": g.name,
            "description": g.description,
            "env_vars": dict(g.env_vars),
        }
        if g.type.allows_region:
            if create and g.region is not None:
                attributes["region"] = g.region  # create-only in the API
            if not create and g.load_code_after_blessing is not None:
                attributes["load_code_after_blessing"] = g.load_code_after_blessing
        return attributes

    def create_group(self, g: DeviceGroup) -> str:
        pid = self.require_id(f"product/{g.product}")
        prod = self.target_ref(g.product, g.production_target)
        dut = self.target_ref(g.product, g.dut_target)
        with object_lock(f"{self.key}:{pid}:groups"):
            existing = self.client.list_device_groups({"product.id": pid})
            if any((x.get("attributes") or {}).get("name") == g.name for x in existing):
                raise Skip("moved since planning (it exists now)")
            doc = self.client.create_device_group(
                pid, g.type.api_type, self.group_attributes(g, create=True), prod, dut
            )
            gid = str(doc["id"])
            if g.type.allows_region and g.load_code_after_blessing is False:
                # load_code_after_blessing is update-only in the API (default true).
                doc = self.client.update_device_group(
                    gid, g.type.api_type, {"load_code_after_blessing": False}
                )
        self.ids[g.address] = gid
        self.expected[g.address] = fingerprint_of(doc)
        return f"id {gid}"

    def update_group(self, g: DeviceGroup) -> str:
        gid = self.require_id(g.address)
        prod = self.target_ref(g.product, g.production_target)
        dut = self.target_ref(g.product, g.dut_target)
        with object_lock(f"{self.key}:{gid}"):
            self.check_fingerprint(g.address, self.client.get_device_group(gid))
            doc = self.client.update_device_group(
                gid, g.type.api_type, self.group_attributes(g, create=False), prod, dut
            )
        self.expected[g.address] = fingerprint_of(doc)
        return ""

    def delete_group(self, g: DeviceGroup) -> str:
        gid = self.require_id(g.address)
        with object_lock(f"{self.key}:{gid}"):
            self.check_fingerprint(g.address, self.client.get_device_group(gid))
            # impCentral refuses to delete a group that still holds devices.
            members = [str(d["id"]) for d in self.client.list_devices({"devicegroup.id": gid})]
            notes = []
            if members:
                self.client.unassign_devices(gid, members, self.unbond_for(g.type))
                notes.append(f"{len(members)} device(s) unassigned first")
            # impCentral also refuses while the group has flagged deployments. Deleting such a
            # group is a protected change, so reaching here means the user passed --force: do
            # what impt's `dg delete --force` does and unflag them first.
            flagged = self.client.list_deployments({"devicegroup.id": gid, "flagged": "true"})
            for dep in flagged:
                self.client.update_deployment(str(dep["id"]), {"flagged": False})
            if flagged:
                notes.append(f"{len(flagged)} flagged deployment(s) unflagged first")
            detail = "; ".join(notes)
            self.client.delete_device_group(gid)
        self.ids.pop(g.address, None)
        return detail

    # --- devices -------------------------------------------------------------------------

    def assign(self, a: DeviceAssignment, change: Change) -> str:
        gaddr = self.group_address(a.product, a.group)
        gid = self.require_id(gaddr)
        wanted: set[str] = set()
        for ref in a.devices:
            device = self.live.find_device(ref)
            if device is None:
                raise PlanError(f"{a.address}: no device {ref!r} in the account")
            wanted.add(device.id)
        with object_lock(f"{self.key}:{gid}:devices"):
            now = {str(d["id"]) for d in self.client.list_devices({"devicegroup.id": gid})}
            # The device set the plan saw (empty for a new or replaced group).
            planned = change.before.devices if isinstance(change.before, DeviceAssignment) else ()
            # Devices moving between declared groups may have come or gone already.
            moving = moves.in_flight(self.desired, self.live, a.address, wanted)
            if devices_fingerprint(now - moving) != devices_fingerprint(set(planned) - moving):
                raise Skip("moved since planning (the group's devices changed)")
            added = sorted(wanted - now)
            removed = sorted(now - wanted - moving)  # movers leave by the other group's assign
            if added:
                self.client.assign_devices(gid, added)
            if removed:
                self.client.unassign_devices(
                    gid, removed, self.unbond_for(self.group_types.get(gaddr))
                )
        self.expected[a.address] = devices_fingerprint(wanted)
        if added or removed:
            self.own_write(gaddr)
        return f"{len(added)} assigned, {len(removed)} unassigned"

    # --- webhooks ------------------------------------------------------------------------

    def group_webhooks(self, gid: str) -> list[Doc]:
        hooks: list[Doc] = self.client.list_webhooks({"devicegroup.id": gid})
        return hooks

    def create_webhook(self, w: Webhook) -> str:
        gaddr = self.group_address(w.product, w.group)
        gid = self.require_id(gaddr)
        with object_lock(f"{self.key}:{gid}:webhooks"):
            for x in self.group_webhooks(gid):
                a = x.get("attributes") or {}
                if a.get("event") == w.event and a.get("url") == w.url:
                    raise Skip("moved since planning (it exists now)")
            doc = self.client.create_webhook(
                gid,
                self.group_types[gaddr].api_type,
                {"url": w.url, "event": w.event, "content_type": w.content_type},
            )
        self.ids[w.address] = str(doc["id"])
        self.expected[w.address] = fingerprint_of(doc)
        self.own_write(gaddr)
        return f"id {doc['id']}"

    def _recheck_webhook(self, w: Webhook) -> str:
        gid = self.require_id(self.group_address(w.product, w.group))
        wid = self.require_id(w.address)
        current = {str(x["id"]): x for x in self.group_webhooks(gid)}
        if wid not in current:
            raise Skip("moved since planning (it no longer exists)")
        self.check_fingerprint(w.address, current[wid])
        return wid

    def update_webhook(self, w: Webhook) -> str:
        with object_lock(f"{self.key}:{w.address}"):
            wid = self._recheck_webhook(w)
            doc = self.client.update_webhook(wid, {"content_type": w.content_type})
        self.expected[w.address] = fingerprint_of(doc)
        return ""

    def delete_webhook(self, w: Webhook) -> str:
        with object_lock(f"{self.key}:{w.address}"):
            wid = self._recheck_webhook(w)
            self.client.delete_webhook(wid)
        self.ids.pop(w.address, None)
        self.own_write(self.group_address(w.product, w.group))
        return ""

    def follow_ups(self) -> list[FollowUp]:
        """Restarts of groups that received a new deployment, in address order."""
        return [
            FollowUp(
                f"restart {gaddr} ({mode.value})",
                partial(self.restart, gaddr, mode, dep_id),
                pending="recorded on the deployment: the next plan shows it and apply sends it",
            )
            for gaddr, (mode, dep_id) in sorted(self.restarts.items())
        ] + replacements.follow_ups(self)
