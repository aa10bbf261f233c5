"""The writes of an apply, one method per kind and action, each guarded by a re-read.

`ChangeWriter.run(change)` performs one planned change: it re-reads what the write depends on,
raises `Skip` if that moved since planning, and otherwise calls the client. Ids of objects
created earlier in the same run are remembered, so later changes (a fixture's targets, a new
group's deployment) can refer to them. See `impops.engine.apply` for the rules this serves.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from functools import partial
from typing import Any

from impops.engine.apply import FollowUp, Skip
from impops.engine.change import Action, Change
from impops.errors import PlanError
from impops.providers.impcentral import moves, renames, replacements
from impops.providers.impcentral.api.client import ImpCentralClient
from impops.providers.impcentral.live import devices_fingerprint, fingerprint_of, rel_id
from impops.providers.impcentral.lock import ApplyLock
from impops.providers.impcentral.model import (
    IMPOPS_TAG,
    Deployment,
    DeviceAssignment,
    DeviceGroup,
    GroupType,
    ImpCentralState,
    Kind,
    Product,
    RestartMode,
    Webhook,
)
from impops.providers.impcentral.restarts import (
    PendingRestart,
    is_pending_tag,
    tags_for_new_deployment,
    without_pending,
)

Doc = dict[str, Any]


# Process-wide locks per object id: a re-read and the write that depends on it are atomic with
# respect to any other apply in this process.
_locks_guard = threading.Lock()
_locks: dict[str, threading.Lock] = {}
# Deployments this process made per group id (under the group's deploy lock): a group read
# before the last of them is stale for the re-check (see `ChangeWriter.prepare`).
_deploy_counts: dict[str, int] = {}


@contextmanager
def _object_lock(key: str) -> Iterator[None]:
    with _locks_guard:
        lock = _locks.setdefault(key, threading.Lock())
    with lock:
        yield


class ChangeWriter:
    """Performs planned changes against impCentral, re-checking live state before each."""

    # Kinds whose changes on different device groups the engine may run at once (waves).
    concurrent_kinds = frozenset({Kind.DEPLOYMENT, Kind.WEBHOOK})

    def __init__(
        self,
        client: ImpCentralClient,
        desired: ImpCentralState,
        live: ImpCentralState,
        *,
        git_sha: str | None,
        unbond_key: str | None,
        lock: ApplyLock | None = None,
    ) -> None:
        self.client = client
        self.desired = desired
        self.live = live
        self.git_sha = git_sha
        self.unbond_key = unbond_key
        self.lock = lock
        self.ids: dict[str, str] = dict(live.ids)
        self.expected: dict[str, str] = dict(live.fingerprints)
        self.group_types: dict[str, GroupType] = {}
        for state in (live, desired):
            for r in state.of_kind(Kind.DEVICE_GROUP):
                assert isinstance(r, DeviceGroup)
                self.group_types[r.address] = r.type
        # group address -> (mode, deployment id whose pending-restart tag to clear)
        self.restarts: dict[str, tuple[RestartMode, str]] = {}
        self.blocked: set[str] = set()  # addresses whose change was skipped or failed
        self.retiring: list[DeviceGroup] = []  # replaced groups, deleted once emptied
        self.key = client.endpoint  # locks are per impCentral
        # Groups refreshed by `prepare`: id -> (document, this process's deploy count then).
        self.refreshed: dict[str, tuple[Doc, int]] = {}

    # --- helpers -------------------------------------------------------------------------

    def group_address(self, product: str, group: str) -> str:
        return f"devicegroup/{product}/{group}"

    def require_id(self, address: str) -> str:
        if address in self.blocked:
            raise Skip(f"depends on {address}, which was not applied")
        ident = self.ids.get(address)
        if ident is None:
            raise Skip(f"depends on {address}, which does not exist")
        return ident

    def own_write(self, address: str) -> None:
        """This run changed the object indirectly (e.g. a group's deployment or devices), which
        may move its `updated_at`: later steps of this run must not take that for someone
        else's change."""
        self.expected.pop(address, None)

    def check_fingerprint(self, address: str, doc: Mapping[str, Any]) -> None:
        want = self.expected.get(address)
        if want is not None and fingerprint_of(doc) != want:
            raise Skip("moved since planning")

    def target_ref(self, product: str, name: str | None) -> dict[str, str] | None:
        if name is None:
            return None
        address = self.group_address(product, name)
        gtype = self.group_types.get(address)
        if gtype is None:
            raise PlanError(f"target group {name!r} of product {product!r} is unknown")
        return {"type": gtype.api_type, "id": self.require_id(address)}

    # --- batched re-checks (waves) ------------------------------------------------------

    def prepare(self, changes: list[Change]) -> None:
        """Re-read, with the fewest list calls, the groups a wave of new deployments re-checks.

        A deploy re-checks its group's current deployment. For a wave of N deploys that is
        one GET each; one `list_device_groups` (per product, or account-wide when that is
        fewer pages) reads them all, moments before the wave starts. Used only when it costs
        fewer calls than the GETs, and each refreshed group serves one deploy only.
        """
        gids = {
            self.ids.get(self.group_address(d.product, d.group))
            for c in changes
            if isinstance(d := c.after, Deployment) and self._is_deploy(c)
        }
        gids.discard(None)
        products = {c.resource.scope for c in changes}
        pids = [self.ids.get(f"product/{p}") for p in sorted(products)]
        if not gids or None in pids:
            return
        managed = sum(1 for r in self.live.of_kind(Kind.DEVICE_GROUP))
        per_product = sum(
            -(-sum(1 for r in self.live.of_kind(Kind.DEVICE_GROUP) if r.scope == p) // 100)
            for p in products
        )
        account_pages = -(-managed // 100)
        if min(per_product, account_pages) >= len(gids):
            return
        with _locks_guard:
            counts = dict(_deploy_counts)
        if account_pages < per_product:
            docs = self.client.list_device_groups()
        else:
            docs = [
                g for pid in pids for g in self.client.list_device_groups({"product.id": str(pid)})
            ]
        for doc in docs:
            gid = str(doc.get("id"))
            if gid in gids:
                self.refreshed[gid] = (doc, counts.get(gid, 0))

    def group_for_deploy(self, gid: str) -> Doc:
        """The group as a deploy re-checks it: refreshed by `prepare` if nothing this process
        deployed to it since, else read now. Call under the group's deploy lock."""
        doc, count = self.refreshed.pop(gid, (None, -1))
        if doc is not None and _deploy_counts.get(gid, 0) == count:
            return doc
        return self.client.get_device_group(gid)

    @staticmethod
    def _is_deploy(change: Change) -> bool:
        if change.action is Action.CREATE:
            return True
        return change.action is Action.UPDATE and any(
            f.path in ("agent_sha256", "device_sha256") for f in change.fields
        )

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
        with _object_lock(f"{self.key}:products"):
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
        with _object_lock(f"{self.key}:{pid}"):
            self.check_fingerprint(p.address, self.client.get_product(pid))
            doc = self.client.update_product(pid, {"description": p.description})
        self.expected[p.address] = fingerprint_of(doc)
        return ""

    def delete_product(self, p: Product) -> str:
        pid = self.require_id(p.address)
        with _object_lock(f"{self.key}:{pid}"):
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
        with _object_lock(f"{self.key}:{pid}:groups"):
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
        with _object_lock(f"{self.key}:{gid}"):
            self.check_fingerprint(g.address, self.client.get_device_group(gid))
            doc = self.client.update_device_group(
                gid, g.type.api_type, self.group_attributes(g, create=False), prod, dut
            )
        self.expected[g.address] = fingerprint_of(doc)
        return ""

    def delete_group(self, g: DeviceGroup) -> str:
        gid = self.require_id(g.address)
        with _object_lock(f"{self.key}:{gid}"):
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

    def unbond_for(self, gtype: GroupType | None) -> str | None:
        return self.unbond_key if gtype is GroupType.PRODUCTION else None

    # --- deployments ---------------------------------------------------------------------

    def origin(self, d: Deployment) -> str:
        origin = d.origin or f"impops:{d.product}"
        if self.git_sha:
            origin += f"@{self.git_sha[:12]}"
        return origin

    def deploy(self, d: Deployment, change: Change) -> str:
        gaddr = self.group_address(d.product, d.group)
        gid = self.require_id(gaddr)
        gtype = self.group_types[gaddr]
        # The deployment the plan saw as current (None: no deployment, or a group that is
        # new or replaced in this run).
        planned = self.live.ids.get(d.address) if change.before is not None else None
        with _object_lock(f"{self.key}:{gid}:deploy"):
            current = rel_id(self.group_for_deploy(gid), "current_deployment")
            if current != planned:
                raise Skip("moved since planning (the group has a newer deployment)")
            # A pending-restart tag until the restart is sent (see impcentral/restarts.py).
            tags = tags_for_new_deployment(d.tags, d.restart, IMPOPS_TAG)
            doc = self.client.create_deployment(
                gid,
                gtype.api_type,
                {
                    "agent_code": d.agent_code,
                    "device_code": d.device_code,
                    "description": d.description,
                    "tags": tags,
                    "flagged": d.flagged,
                    "origin": self.origin(d),
                },
            )
            _deploy_counts[gid] = _deploy_counts.get(gid, 0) + 1
        dep_id = str(doc["id"])
        self.ids[d.address] = dep_id
        if d.min_supported:
            self.client.set_min_supported_deployment(gid, dep_id)
        self.own_write(gaddr)
        if d.restart is not RestartMode.NONE:
            self.restarts[gaddr] = (d.restart, dep_id)
        return f"id {dep_id}"

    def update_deployment(self, d: Deployment, change: Change) -> str:
        gaddr = self.group_address(d.product, d.group)
        gid = self.require_id(gaddr)
        dep_id = self.require_id(d.address)
        paths = {f.path.split(".")[0] for f in change.fields}
        with _object_lock(f"{self.key}:{gid}:deploy"):
            group = self.client.get_device_group(gid)
            if rel_id(group, "current_deployment") != dep_id:
                raise Skip("moved since planning (the group has a newer deployment)")
            current_doc = self.client.get_deployment(dep_id)
            self.check_fingerprint(d.address, current_doc)
            attributes: dict[str, Any] = {}
            if "description" in paths:
                attributes["description"] = d.description
            if "tags" in paths:
                # Keep a pending-restart tag: the restart it records is still owed.
                live_tags = (current_doc.get("attributes") or {}).get("tags") or []
                pending = {t for t in live_tags if is_pending_tag(str(t))}
                attributes["tags"] = sorted(set(d.tags) | {IMPOPS_TAG} | pending)
            if "flagged" in paths:
                attributes["flagged"] = d.flagged
            if attributes:
                doc = self.client.update_deployment(dep_id, attributes)
                self.expected[d.address] = fingerprint_of(doc)
            if "min_supported" in paths and d.min_supported:
                self.client.set_min_supported_deployment(gid, dep_id)
                self.own_write(gaddr)
        return ""

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
        with _object_lock(f"{self.key}:{gid}:devices"):
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
        with _object_lock(f"{self.key}:{gid}:webhooks"):
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
        with _object_lock(f"{self.key}:{w.address}"):
            wid = self._recheck_webhook(w)
            doc = self.client.update_webhook(wid, {"content_type": w.content_type})
        self.expected[w.address] = fingerprint_of(doc)
        return ""

    def delete_webhook(self, w: Webhook) -> str:
        with _object_lock(f"{self.key}:{w.address}"):
            wid = self._recheck_webhook(w)
            self.client.delete_webhook(wid)
        self.ids.pop(w.address, None)
        self.own_write(self.group_address(w.product, w.group))
        return ""

    # --- restarts ------------------------------------------------------------------------

    def queue_restart(self, r: PendingRestart) -> str:
        """A restart an earlier apply owed: sent with this run's restarts, at the end."""
        gaddr = self.group_address(r.product, r.group)
        dep_id = self.require_id(f"deployment/{r.product}/{r.group}")
        self.restarts[gaddr] = (r.mode, dep_id)
        return "restart queued (sent after the other changes)"

    def restart(self, gaddr: str, mode: RestartMode, dep_id: str) -> None:
        """Restart the group's devices, then clear the deployment's pending-restart tag (a
        kill in between restarts them once more on the next run: at least once)."""
        gid = self.require_id(gaddr)
        self.client.restart_group_devices(gid, conditional=mode is RestartMode.CONDITIONAL)
        tags = (self.client.get_deployment(dep_id).get("attributes") or {}).get("tags") or []
        if any(is_pending_tag(str(t)) for t in tags):
            self.client.update_deployment(dep_id, {"tags": without_pending(map(str, tags))})

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
