"""Restarts that survive a failed or killed apply: recorded on the deployment they belong to.

A new deployment reaches a group's devices only when they restart. apply restarts them at the
end (its follow-ups), so an apply that fails or is killed in between would leave devices on old
code while the next plan, which only compares code, says "no changes". To close that gap a new
deployment is created with the tag `impops-restart-pending.<mode>` (tags may hold letters,
digits, `_`, `-`, `*`, `.`) and the tag is removed once the restart was sent. A current
deployment that still carries it is a pending restart: plan shows it as a change
(`~ restart/<product>/<group>`) and apply sends it. Restarts are at least once: a kill between
sending the restart and removing the tag restarts the devices once more on the next run.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from impops.engine.change import Action, Change, FieldChange
from impops.providers.impcentral.model import (
    Deployment,
    ImpCentralResource,
    ImpCentralState,
    RestartMode,
)

PENDING_PREFIX = "impops-restart-pending."
RESTART_KIND = "restart"


def pending_tag(mode: RestartMode) -> str:
    return f"{PENDING_PREFIX}{mode.value}"


def is_pending_tag(tag: str) -> bool:
    return tag.startswith(PENDING_PREFIX)


def pending_mode(tags: Iterable[str]) -> RestartMode | None:
    """The restart a deployment still waits for (`all` wins over `conditional`)."""
    modes = {t.removeprefix(PENDING_PREFIX) for t in tags if is_pending_tag(t)}
    for mode in (RestartMode.ALL, RestartMode.CONDITIONAL):
        if mode.value in modes:
            return mode
    return None


def without_pending(tags: Iterable[str]) -> list[str]:
    return sorted(t for t in set(tags) if not is_pending_tag(t))


class PendingRestart(ImpCentralResource):
    """A restart of a group's devices that a new deployment still waits for (live only)."""

    kind: ClassVar[str] = RESTART_KIND
    KIND_RANK: ClassVar[int] = 450  # after deployments and device sets; sent as a follow-up
    KIND_NOUN: ClassVar[str] = "restarts"
    THRESHOLDS: ClassVar[bool] = False  # not objects: sending an owed restart is no bulk change
    group: str
    mode: RestartMode
    sent: bool = False

    @property
    def address(self) -> str:
        return f"restart/{self.product}/{self.group}"

    @property
    def display_name(self) -> str:
        return self.group

    def restart_on(self, action: str) -> str | None:
        return self.mode.value


def pending_restart_changes(
    desired: ImpCentralState,
    live: ImpCentralState,
    planned: Iterable[Change],
    device_counts: dict[str, int],
) -> list[Change]:
    """One change per managed group whose current deployment still waits for its restart,
    unless this plan replaces that deployment or the group anyway."""
    superseded = {
        c.resource.impact_key()
        for c in planned
        if (c.kind == "deployment" and c.action is Action.CREATE)
        or (c.kind == "devicegroup" and c.action in (Action.REPLACE, Action.DELETE))
    }
    changes = []
    for _address, res in sorted(live.resources.items()):
        if not isinstance(res, Deployment) or res.impact_key() in superseded:
            continue
        if f"devicegroup/{res.product}/{res.group}" not in desired.resources:
            continue
        mode = pending_mode(res.tags)
        if mode is None:
            continue
        before = PendingRestart(product=res.product, group=res.group, mode=mode)
        after = before.model_copy(update={"sent": True})
        changes.append(
            Change(
                Action.UPDATE,
                before,
                after,
                "restart_pending",
                (FieldChange("restart", f"pending ({mode.value})", "sent"),),
                devices_affected=device_counts.get(f"devicegroup/{res.product}/{res.group}", 0),
            )
        )
    return changes


def tags_for_new_deployment(tags: Iterable[str], mode: RestartMode, own_tag: str) -> list[str]:
    """A new deployment's tags: the manifest's, the ownership tag, and a pending restart."""
    extra: set[str] = {own_tag}
    if mode is not RestartMode.NONE:
        extra.add(pending_tag(mode))
    return sorted(set(tags) | extra)


def comparable_tags(tags: Iterable[str], own_tag: str) -> list[str]:
    """Tags as the manifests see them: without impops' own bookkeeping tags."""
    return sorted(t for t in set(tags) - {own_tag} if not is_pending_tag(t))
