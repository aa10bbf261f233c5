"""Renames that keep identity: `previous_names:` on a product or group, planned and applied.

impCentral renames a product or a device group in place (PATCH of `name`), which keeps its id
and with it the devices, agent URLs, deployments and webhooks. A manifest says what an object
used to be called; when the live account has no object under the new name but one under a
previous name (and the manifests do not declare that old name), the differ plans one UPDATE
with a `name` field and the reason `renamed`, and compares everything else against the old
object as though it already had the new name (`remap`). The writer PATCHes the name and then
moves every id and fingerprint it holds under the old name to the new one (`rename`), so the
children's changes that follow find their object.

Without `previous_names`, a group to be created that looks like an undeclared live group of
the same type with the same code is most likely a rename: the plan says so (`suggest`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from impops.engine.change import Action, Change, FieldChange, register_reasons
from impops.manifest import Project
from impops.providers.impcentral.model import (
    PROVIDER,
    AnyResource,
    Deployment,
    DeviceGroup,
    ImpCentralState,
    Product,
)
from impops.providers.impcentral.translate import fingerprint_of

if TYPE_CHECKING:
    from impops.providers.impcentral.diff import _Differ
    from impops.providers.impcentral.writer import ChangeWriter

register_reasons(
    PROVIDER,
    {"renamed": "renamed in place (previous_names): keeps its id and everything attached to it"},
)


def previous_names(project: Project) -> dict[str, tuple[str, ...]]:
    """Desired address -> previous names, for every product and group that declares some."""
    found: dict[str, tuple[str, ...]] = {}
    for manifest in project.products:
        if manifest.previous_names:
            found[f"product/{manifest.product}"] = tuple(manifest.previous_names)
        for name, group in manifest.device_groups.items():
            if group.previous_names:
                address = f"devicegroup/{manifest.product}/{name}"
                found[address] = tuple(group.previous_names)
    return found


def previous_product_names(project: Project) -> list[str]:
    """Old product names to read live, so that a renamed product can be found."""
    return [old for m in project.products for old in m.previous_names]


def renamed_address(address: str, product: str, old: str, new: str, *, group: bool) -> str:
    """`address` with product `old` (or, with `group`, group `old` of `product`) as `new`."""
    parts = address.split("/", 3)
    if group:
        if len(parts) >= 3 and parts[1] == product and parts[2] == old:
            parts[2] = new
    elif len(parts) >= 2 and parts[1] == old:
        parts[1] = new
    return "/".join(parts)


def _retarget(res: AnyResource, product: str, old: str, new: str) -> AnyResource:
    update: dict[str, Any] = {}
    if isinstance(res, DeviceGroup) and res.product == product:
        if res.name == old:
            update["name"] = new
        for target in ("production_target", "dut_target"):
            if getattr(res, target) == old:
                update[target] = new
    elif getattr(res, "group", None) == old and res.product == product:
        update["group"] = new
    return res.model_copy(update=update) if update else res


def remap(d: _Differ) -> dict[str, AnyResource]:
    """Rewrite the differ's live view so renamed objects sit under their new names; returns
    new address -> the live object as it is (under its old name)."""
    renamed: dict[str, AnyResource] = {}
    prev = d.desired.previous_names
    for res in d.desired.of_kind("product"):
        assert isinstance(res, Product)
        if res.address in d.live.resources:
            continue
        old = next(
            (o for o in prev.get(res.address, ()) if f"product/{o}" in d.live.resources), None
        )
        if old is None or old in d.desired.products():
            continue
        renamed[res.address] = d.live.resources[f"product/{old}"]
        for live_res in d.live.resources.values():
            if live_res.product == old:
                moved = live_res.model_copy(update={"product": res.product})
                d.live_res[moved.address] = moved
        d.group_devices = {
            renamed_address(a, "", old, res.product, group=False): ids
            for a, ids in d.group_devices.items()
        }
    for address, group in sorted(d.desired_groups.items()):
        if address in d.live_res:
            continue
        olds = [
            o
            for o in prev.get(address, ())
            if f"devicegroup/{group.product}/{o}" in d.live_res
            and f"devicegroup/{group.product}/{o}" not in d.desired_groups
        ]
        if not olds:
            continue
        old = olds[0]
        renamed[address] = d.live_res[f"devicegroup/{group.product}/{old}"]
        view: dict[str, AnyResource] = {}
        for live_res in d.live_res.values():
            moved = _retarget(live_res, group.product, old, group.name)
            view[moved.address] = moved
        d.live_res = view
        d.group_devices = {
            renamed_address(a, group.product, old, group.name, group=True): ids
            for a, ids in d.group_devices.items()
        }
    return renamed


def mark(d: _Differ, renamed: dict[str, AnyResource]) -> None:
    """Turn the planned update of each renamed object into a rename (or add one)."""
    for address, before in renamed.items():
        after = d.desired.resources[address]
        old, new = _name(before), _name(after)
        name = FieldChange("name", old, new)
        note = f"rename {old} → {new}: keeps its id, devices, agent URLs, deployments, webhooks"
        found = [c for c in d.changes if c.address == address and c.action is Action.UPDATE]
        for change in found:
            d.changes.remove(change)
        fields = (name, *(f for c in found for f in c.fields))
        protected = any(c.protected for c in found)
        d.changes.append(
            Change(Action.UPDATE, before, after, "renamed", fields, protected, note=note)
        )


def _name(res: AnyResource) -> str:
    return res.name if isinstance(res, DeviceGroup) else res.product


def suggest(d: _Differ) -> None:
    """A group create that looks like an undeclared live group (same type, same code) gets a
    note saying how to declare the rename instead."""
    for index, change in enumerate(d.changes):
        group = change.after
        if change.action is not Action.CREATE or not isinstance(group, DeviceGroup):
            continue
        code = d.desired.resources.get(f"deployment/{group.product}/{group.name}")
        if not isinstance(code, Deployment):
            continue
        for live in d.live_res.values():
            if (
                not isinstance(live, DeviceGroup)
                or live.product != group.product
                or live.type is not group.type
                or live.address in d.desired_groups
            ):
                continue
            dep = d.live_res.get(f"deployment/{live.product}/{live.name}")
            if isinstance(dep, Deployment) and (dep.agent_sha256, dep.device_sha256) == (
                code.agent_sha256,
                code.device_sha256,
            ):
                note = (
                    f"looks like a rename of `{live.name}` (same type and code): to keep its "
                    f"devices and agent URLs, add `previous_names: [{live.name}]` to this group"
                )
                d.changes[index] = dataclasses.replace(change, note=note)
                break


def rename(w: ChangeWriter, change: Change) -> str:
    """PATCH the name (product or group), then move the writer's ids to the new addresses."""
    before, after = change.before, change.after
    if isinstance(before, Product) and isinstance(after, Product):
        pid = w.require_id(before.address)
        w.check_fingerprint(before.address, w.client.get_product(pid))
        doc = w.client.update_product(
            pid, {"name": after.product, "description": after.description}
        )
        move_addresses(
            w, lambda a: renamed_address(a, "", before.product, after.product, group=False)
        )
        w.expected[after.address] = fingerprint_of(doc)
        return f"renamed from {before.product}"
    assert isinstance(before, DeviceGroup)
    assert isinstance(after, DeviceGroup)
    move_addresses(
        w, lambda a: renamed_address(a, after.product, before.name, after.name, group=True)
    )
    w.update_group(after)  # its PATCH carries the new name (and any other field)
    return f"renamed from {before.name}"


def move_addresses(w: ChangeWriter, rewrite: Callable[[str], str]) -> None:
    """Every address-keyed table of the writer, old names rewritten to new ones."""
    tables: list[dict[str, Any]] = [w.ids, w.expected, w.live.ids, w.group_types]
    for table in tables:
        items = list(table.items())
        table.clear()
        table.update({rewrite(k): v for k, v in items})


def with_previous_names(state: ImpCentralState, project: Project) -> ImpCentralState:
    """Record the project's previous names on a desired state (see `previous_names`)."""
    state.previous_names = previous_names(project)
    return state
