"""The code half of an apply: new deployments, their metadata, and the restarts they owe.

A deploy re-checks its group's current deployment under the group's deploy lock and skips
when it moved since planning; `prepare` lets a wave of deploys re-check from one view of the
groups (a fresh live read under the apply lock, or one refreshed group list) instead of a GET
each. A new deployment carries a pending-restart tag until its restart was sent (see
`restarts`).
"""

from __future__ import annotations

import time
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
    WriterBase,
    deploy_counts,
    deploy_counts_now,
    object_lock,
)

# A live read under the apply lock at most this old serves as a wave's group view (`prepare`).
LIVE_VIEW_MAX_AGE = 5.0


class CodeWrites(WriterBase):
    """Deployments and restarts (mixed into `ChangeWriter`)."""

    # --- batched re-checks (waves) ------------------------------------------------------

    def prepare(self, changes: list[Change]) -> None:
        """Give a wave of new deployments the freshest group view for its re-checks.

        A deploy re-checks its group's current deployment; for a wave of N deploys that is
        one GET each. Instead the wave is served by one view of the groups, each group used
        by one deploy:

        * the live state itself, for groups the live read saw, when that read began under
          this apply's lock on the group's product at most `LIVE_VIEW_MAX_AGE` seconds ago
          and this writer has not deployed yet: no other apply can have deployed since (the
          lock), and the read is as recent as a list made now would be;
        * else one `list_device_groups` (per product, or account-wide when that is fewer
          pages), moments before the wave, when that costs fewer calls than the GETs.
        """
        deploys = [
            (self.group_address(d.product, d.group), d)
            for c in changes
            if isinstance(d := c.after, Deployment) and self._is_deploy(c)
        ]
        counts = deploy_counts_now()
        viewed: set[str] = set()
        if not self.deployed_any:
            for gaddr, d in deploys:
                gid = self.ids.get(gaddr)
                if gid is not None and self.live.ids.get(gaddr) == gid and self._live_view(d):
                    self.refreshed[gid] = (self.live.ids.get(d.address), counts.get(gid, 0))
                    viewed.add(gid)
        gids = {self.ids.get(gaddr) for gaddr, _ in deploys} - viewed
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
        if account_pages < per_product:
            docs = self.client.list_device_groups()
        else:
            docs = [
                g for pid in pids for g in self.client.list_device_groups({"product.id": str(pid)})
            ]
        for doc in docs:
            gid = str(doc.get("id"))
            if gid in gids:
                self.refreshed[gid] = (rel_id(doc, "current_deployment"), counts.get(gid, 0))

    def _live_view(self, d: Deployment) -> bool:
        """Whether the live state may serve as the group view of `d`'s re-check (`prepare`)."""
        since = self.lock.held_since(d.product) if self.lock is not None else None
        read_at = self.live.read_at
        return (
            since is not None
            and read_at >= since
            and time.monotonic() - read_at <= LIVE_VIEW_MAX_AGE
        )

    def current_for_deploy(self, gid: str) -> str | None:
        """The group's current deployment id as a deploy re-checks it: from the view `prepare`
        gave if nothing this process deployed to the group since, else read now. Call under
        the group's deploy lock."""
        current, count = self.refreshed.pop(gid, (None, -1))
        if count >= 0 and deploy_counts.get(gid, 0) == count:
            return current
        return rel_id(self.client.get_device_group(gid), "current_deployment")

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
            current = self.current_for_deploy(gid)
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
            self.deployed_any = True
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
