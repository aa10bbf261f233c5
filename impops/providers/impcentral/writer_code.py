"""The code half of an apply: new deployments, their metadata, and the restarts they owe.

A deploy re-checks its group's current deployment under the group's deploy lock and skips
when it moved since planning; `prepare` lets a wave of deploys re-check from one refreshed
group list instead of a GET each. A new deployment carries a pending-restart tag until its
restart was sent (see `restarts`).
"""

from __future__ import annotations

from typing import Any

from impops.engine.apply import Skip
from impops.engine.change import Action, Change
from impops.providers.impcentral.model import IMPOPS_TAG, Deployment, Kind, RestartMode
from impops.providers.impcentral.restarts import (
    PendingRestart,
    is_pending_tag,
    tags_for_new_deployment,
    without_pending,
)
from impops.providers.impcentral.translate import fingerprint_of, rel_id
from impops.providers.impcentral.writer_base import (
    Doc,
    WriterBase,
    deploy_counts,
    deploy_counts_now,
    object_lock,
)


class CodeWrites(WriterBase):
    """Deployments and restarts (mixed into `ChangeWriter`)."""

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
        counts = deploy_counts_now()
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
        if doc is not None and deploy_counts.get(gid, 0) == count:
            return doc
        return self.client.get_device_group(gid)

    @staticmethod
    def _is_deploy(change: Change) -> bool:
        if change.action is Action.CREATE:
            return True
        return change.action is Action.UPDATE and any(
            f.path in ("agent_sha256", "device_sha256") for f in change.fields
        )

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
        with object_lock(f"{self.key}:{gid}:deploy"):
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
            deploy_counts[gid] = deploy_counts.get(gid, 0) + 1
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
        with object_lock(f"{self.key}:{gid}:deploy"):
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
