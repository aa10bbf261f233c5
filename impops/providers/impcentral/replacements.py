"""Replacing a device group (type or region) without losing its devices, code or webhooks.

impCentral cannot change a group's type or region, so impops replaces the group. It does so
create-before-destroy: the old group is renamed `<name> (replaced)` (a PATCH keeps its id and
devices), the new group is created under the real name, the old group's code, webhooks and
devices are carried over by ordinary changes in the same plan (a device moves by one
reassignment), and the old group is deleted last, once empty (an apply follow-up).

Where impCentral forbids the move, the replacement is `impossible`: devices reach
(pre-)production groups only by blessing, and leave a production group only through an unbond
that makes them development devices. The plan names the devices affected either way.

A run stopped half-way leaves the renamed old group behind; the next plan recognises it by its
name (`leftovers`), carries what is still in it and deletes it, so a re-run converges.
"""

from __future__ import annotations

import dataclasses
from functools import partial
from typing import TYPE_CHECKING

from impops.engine.apply import FollowUp
from impops.engine.change import Action, Change, FieldChange, register_reasons
from impops.engine.resource import Resource
from impops.providers.impcentral.model import (
    PROVIDER,
    Deployment,
    DeviceAssignment,
    DeviceGroup,
    GroupType,
    Webhook,
)
from impops.providers.impcentral.renames import move_addresses, renamed_address

if TYPE_CHECKING:
    from impops.providers.impcentral.diff import _Differ
    from impops.providers.impcentral.writer import ChangeWriter

register_reasons(
    PROVIDER,
    {
        "carried_over": "carried over from the device group being replaced",
        "replaced_leftover": "the old half of an unfinished replacement: emptied, then deleted",
    },
)
SUFFIX = " (replaced)"
_BLESSED = (GroupType.PRE_PRODUCTION, GroupType.PRODUCTION)


def replaced_name(name: str) -> str:
    """The old group's name while its replacement is under way (80 characters at most)."""
    return name[: 80 - len(SUFFIX)] + SUFFIX


def forbidden_move(old: GroupType, new: GroupType) -> bool:
    """Whether impCentral refuses to move devices by hand from an `old` to a `new` group."""
    if new in _BLESSED and old not in _BLESSED:
        return True
    return old is GroupType.PRODUCTION and new not in _BLESSED


def _impossible(old: DeviceGroup, new: DeviceGroup, ids: list[str]) -> str:
    return (
        f"impCentral cannot move the {len(ids)} device(s) of `{old.name}` ({', '.join(ids)}) "
        f"from a {old.type.value} into a {new.type.value} group: devices reach (pre-)production "
        "groups only by blessing and leave a production group only by an unbond that makes "
        "them development devices. Way out: keep the type and region, or declare the new "
        "group under another name and move or re-bless the devices yourself."
    )


def carry(d: _Differ) -> None:
    """Plan what each replaced group carries over, or block the replacement."""
    for index, change in enumerate(list(d.changes)):
        old, new = change.before, change.after
        if change.action is not Action.REPLACE or not isinstance(new, DeviceGroup):
            continue
        assert isinstance(old, DeviceGroup)
        ids = sorted(d.group_devices.get(new.address, ()))
        if ids and forbidden_move(old.type, new.type):
            d.changes[index] = dataclasses.replace(change, impossible=_impossible(old, new, ids))
            continue
        carried = _carry_children(d, new, old.name, ids, fresh=True)
        note = (
            f"create-before-destroy: the old group is renamed `{replaced_name(old.name)}` and "
            f"deleted last, once empty; carried over: {', '.join(carried) or 'nothing'}"
        )
        d.changes[index] = dataclasses.replace(change, note=note)


def leftovers(d: _Differ) -> None:
    """Finish replacements a stopped run left half-done (see the module docstring)."""
    for address, group in sorted(d.desired_groups.items()):
        t_addr = f"devicegroup/{group.product}/{replaced_name(group.name)}"
        old = d.live_res.get(t_addr)
        if not isinstance(old, DeviceGroup) or t_addr in d.desired_groups:
            continue
        ids = sorted(d.group_devices.get(t_addr, ()))
        d.changes[:] = [c for c in d.changes if not _of_group(c.resource, old)]
        d.unmanaged[:] = [u for u in d.unmanaged if not u.address.startswith(_prefixes(old))]
        fresh = address in d.fresh_groups
        carried = _carry_children(d, group, old.name, ids, fresh=fresh)
        d.add(
            Change(
                Action.DELETE,
                old,
                None,
                "replaced_leftover",
                devices_affected=len(ids),
                note=f"carried over to `{group.name}`: {', '.join(carried) or 'nothing'}",
            )
        )


def _of_group(res: Resource, group: DeviceGroup) -> bool:
    return getattr(res, "product", None) == group.product and group.name in (
        getattr(res, "group", None),
        res.name if isinstance(res, DeviceGroup) else None,
    )


def _prefixes(group: DeviceGroup) -> tuple[str, ...]:
    rest = f"{group.product}/{group.name}"
    return tuple(f"{k}/{rest}" for k in ("devicegroup", "deployment", "devices", "webhook"))


def _carry_children(
    d: _Differ, new: DeviceGroup, old_name: str, ids: list[str], *, fresh: bool
) -> list[str]:
    """Changes carrying code, webhooks and devices from live group `old_name` to `new`."""
    carried: list[str] = []
    p, g = new.product, new.name
    old_dep = d.live.resources.get(f"deployment/{p}/{old_name}") or d.live_res.get(
        f"deployment/{p}/{old_name}"
    )
    has_code = f"deployment/{p}/{g}" in d.desired.resources
    live_code = None if fresh else d.live_res.get(f"deployment/{p}/{g}")
    if isinstance(old_dep, Deployment) and not has_code and live_code is None:
        dep = old_dep.model_copy(update={"group": g})
        d.add(Change(Action.CREATE, None, dep, "carried_over", note="the current code"))
        carried.append("its code")
    hooks = [
        r
        for r in list(d.live.resources.values()) + list(d.live_res.values())
        if isinstance(r, Webhook) and r.product == p and r.group == old_name
    ]
    allowed = new.type in _BLESSED
    seen: set[str] = set()
    for hook in hooks:
        moved = hook.model_copy(update={"group": g})
        if moved.address in seen or (not fresh and moved.address in d.live_res):
            continue
        seen.add(moved.address)
        if moved.address in d.desired.resources or d.prune:
            continue  # declared: planned anyway; pruning: not wanted
        if hook.event != "deployment" and not allowed:
            continue
        d.add(Change(Action.CREATE, None, moved, "carried_over"))
    if seen:
        carried.append(f"{len(seen)} webhook(s)")
    declared = f"devices/{p}/{g}" in d.desired.resources
    if ids and not declared:
        live_set = None if fresh else d.live_res.get(f"devices/{p}/{g}")
        before = live_set if isinstance(live_set, DeviceAssignment) else None
        have = set(before.devices) if before else set()
        after = DeviceAssignment(product=p, group=g, devices=tuple(sorted(have | set(ids))))
        d.add(
            Change(
                Action.UPDATE if before else Action.CREATE,
                before,
                after,
                "carried_over",
                (FieldChange("devices", sorted(have), list(after.devices)),),
                devices_affected=len(ids),
            )
        )
    if ids:
        carried.append(f"{len(ids)} device(s): {', '.join(ids)}")
    return carried


def replace_group(w: ChangeWriter, change: Change) -> str:
    """Rename the old group aside, create the new one; the old is deleted in a follow-up."""
    old, new = change.before, change.after
    assert isinstance(old, DeviceGroup)
    assert isinstance(new, DeviceGroup)
    gid = w.require_id(old.address)
    w.check_fingerprint(old.address, w.client.get_device_group(gid))
    aside = replaced_name(old.name)
    w.client.update_device_group(gid, old.type.api_type, {"name": aside})
    move_addresses(w, lambda a: renamed_address(a, old.product, old.name, aside, group=True))
    aside_addr = f"devicegroup/{old.product}/{aside}"
    w.expected.pop(aside_addr, None)
    w.group_types[aside_addr] = old.type
    w.group_types[new.address] = new.type
    detail = w.create_group(new)
    w.retiring.append(DeviceGroup(product=old.product, name=aside, type=old.type))
    return f"{detail}; the old group is `{aside}` until it is empty"


def follow_ups(w: ChangeWriter) -> list[FollowUp]:
    """Delete each replaced group once the run has carried its devices over."""

    def delete(group: DeviceGroup) -> None:
        w.delete_group(group)

    return [
        FollowUp(
            f"delete the replaced group {g.address}",
            partial(delete, g),
            pending="the old group stays (renamed) until the next apply deletes it",
        )
        for g in w.retiring
    ]
