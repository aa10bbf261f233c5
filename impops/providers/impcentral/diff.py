"""The pure differ: compare desired and live `ImpCentralState` and say what must change, and why.

No I/O and no ordering happen here (`impops.engine.plan` orders and guards the result).
Identity is the address; only managed products are considered: those `desired` declares
plus `managed` (retired products). Decisions (see docs/plan.md):

- Deletions only with `prune`; without it, live objects missing from the manifests are reported
  as unmanaged ("kept, pruning off"). This holds for webhooks too: a webhook whose URL changed is
  a new address, so it is a create plus (with pruning) a delete of the old one.
- `region` and `load_code_after_blessing` are compared only when the manifest states them; a
  `type` or `region` difference replaces the group (both are fixed at creation).
- Changed code (by digest) plans a new deployment; metadata-only differences update the current
  one. The `impops` ownership tag is ignored when comparing tags.
- A replaced group loses its deployment, webhooks and devices, so its children are planned
  against an empty live side.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from impops.engine.change import Action, Change, FieldChange, register_reasons
from impops.engine.diffing import DiffResult, Unmanaged, create_or_update
from impops.engine.fieldchanges import field_changes
from impops.engine.plan import PlanInput
from impops.engine.state import State
from impops.errors import PlanError
from impops.providers.impcentral import moves, renames, replacements, undeclared
from impops.providers.impcentral.model import (
    IMPOPS_TAG,
    PROVIDER,
    AnyResource,
    Deployment,
    DeviceAssignment,
    DeviceGroup,
    GroupType,
    ImpCentralState,
    Kind,
    Product,
    Webhook,
)
from impops.providers.impcentral.restarts import comparable_tags, pending_restart_changes

register_reasons(
    PROVIDER,
    {
        "missing_in_live": "declared in the manifests but absent in impCentral",
        "not_in_manifests": "exists in impCentral but not in the manifests (pruning)",
        "code_changed": "agent or device code differs from the current deployment",
        "no_deployment": "the group has no deployment yet",
        "requires_replacement": "a field impCentral cannot change in place differs",
        "devices_changed": "assigned devices differ",
        "restart_pending": "a new deployment's restart was never sent (an apply stopped first)",
    },
)

# Fields only compared when the manifest states them (None = "whatever impCentral has").
_OPTIONAL_GROUP_FIELDS = ("region", "load_code_after_blessing")
_REPLACE_GROUP_FIELDS = frozenset({"type", "region"})
_DEPLOYMENT_METADATA = ("description", "tags", "flagged")


_FACTORY_FIELDS = frozenset({"production_target", "dut_target", "load_code_after_blessing"})


def _group_protection(group: DeviceGroup, name: str, flagged: bool) -> str:
    """Why deleting or replacing this group is protected, e.g. "a production group 'eu'"."""
    if group.type.is_protected:
        return f"a {group.type.value} group {name!r} (it reaches real devices)"
    if flagged:
        return f"group {name!r}, whose current deployment is flagged"
    return f"group {name!r}"


def group_address(product: str, group: str) -> str:
    return f"devicegroup/{product}/{group}"


class _Differ:
    """One diff run: holds the inputs and accumulates changes and unmanaged objects."""

    def __init__(
        self,
        desired: ImpCentralState,
        live: ImpCentralState,
        prune: bool,
        managed: Collection[str] = (),
    ) -> None:
        self.desired = desired
        self.live = live
        self.prune = prune
        products = desired.products() | set(managed)
        self.live_res = {a: r for a, r in live.resources.items() if r.product in products}
        self.changes: list[Change] = []
        self.unmanaged: list[Unmanaged] = []
        self.unknown_refs: list[str] = []
        self.desired_groups = {
            r.address: r for r in desired.resources.values() if isinstance(r, DeviceGroup)
        }
        # Groups whose live children do not survive the plan (missing or replaced live).
        self.fresh_groups: set[str] = set()
        self.group_devices: dict[str, list[str]] = {}
        for device in live.devices.values():
            if device.group_address:
                self.group_devices.setdefault(device.group_address, []).append(device.id)
        self.renamed = renames.remap(self)  # renamed objects sit under their new names

    # --- helpers -------------------------------------------------------------------------

    def device_count(self, group_addr: str) -> int:
        return len(self.group_devices.get(group_addr, ()))

    def live_child(self, address: str, group_addr: str) -> AnyResource | None:
        if group_addr in self.fresh_groups:
            return None
        return self.live_res.get(address)

    def group_type(self, group_addr: str) -> GroupType | None:
        group = self.desired_groups.get(group_addr) or self.live_res.get(group_addr)
        return group.type if isinstance(group, DeviceGroup) else None

    def flagged_live(self, product: str, group: str) -> bool:
        dep = self.live_res.get(f"deployment/{product}/{group}")
        return isinstance(dep, Deployment) and dep.flagged

    def leave(self, resource: AnyResource, reason: str) -> None:
        self.unmanaged.append(Unmanaged(resource.address, resource.kind, resource.product, reason))

    def add(self, change: Change) -> None:
        self.changes.append(change)

    def create_or_update(self, res: AnyResource, live: AnyResource | None) -> None:
        change = create_or_update(res, live)
        if change is not None:
            self.add(change)

    # --- kinds ---------------------------------------------------------------------------

    def products(self) -> None:
        for res in self.desired.of_kind(Kind.PRODUCT):
            assert isinstance(res, Product)
            self.create_or_update(res, self.live_res.get(res.address))
        # A managed product the manifests no longer declare (retired): deleted when pruning,
        # after its groups (apply runs deletes in reverse kind order).
        declared = {r.address for r in self.desired.of_kind(Kind.PRODUCT)}
        for address, live_res in sorted(self.live_res.items()):
            if not isinstance(live_res, Product) or address in declared:
                continue
            if self.prune:
                self.add(Change(Action.DELETE, live_res, None, "not_in_manifests"))
            else:
                self.leave(live_res, "pruning_off")

    @staticmethod
    def _group_comparable(group: DeviceGroup, desired: DeviceGroup) -> dict[str, Any]:
        data = group.comparable()
        for name in _OPTIONAL_GROUP_FIELDS:
            if getattr(desired, name) is None:
                data.pop(name, None)
        return data

    def groups(self) -> None:
        for address, res in sorted(self.desired_groups.items()):
            live = self.live_res.get(address)
            if not isinstance(live, DeviceGroup):
                self.fresh_groups.add(address)
                self.add(Change(Action.CREATE, None, res, "missing_in_live"))
                continue
            fields = field_changes(
                live, res, self._group_comparable(live, res), self._group_comparable(res, res)
            )
            if not fields:
                continue
            if any(f.path.split(".")[0] in _REPLACE_GROUP_FIELDS for f in fields):
                self.fresh_groups.add(address)
                protected = live.type.is_protected or self.flagged_live(res.product, res.name)
                why = _group_protection(live, res.name, self.flagged_live(res.product, res.name))
                self.add(
                    Change(
                        Action.REPLACE,
                        live,
                        res,
                        "requires_replacement",
                        fields,
                        protected=protected,
                        protected_reason=f"replaces {why}" if protected else "",
                        devices_affected=self.device_count(address),
                    )
                )
                continue
            paths = {f.path for f in fields}
            protected = res.type.is_fixture and bool(paths & {"production_target", "dut_target"})
            protected |= res.type.allows_region and "load_code_after_blessing" in paths
            why = (
                f"changes the factory settings ({', '.join(sorted(paths & _FACTORY_FIELDS))}) "
                f"of {res.type.value} group {res.name!r}"
                if protected
                else ""
            )
            self.add(Change(Action.UPDATE, live, res, "fields_changed", fields, protected, why))
        for address, live_res in sorted(self.live_res.items()):
            if not isinstance(live_res, DeviceGroup) or address in self.desired_groups:
                continue
            if not self.prune:
                self.leave(live_res, "pruning_off")
                continue
            flagged = self.flagged_live(live_res.product, live_res.name)
            protected = live_res.type.is_protected or flagged
            why = _group_protection(live_res, live_res.name, flagged)
            self.add(
                Change(
                    Action.DELETE,
                    live_res,
                    None,
                    "not_in_manifests",
                    protected=protected,
                    protected_reason=f"deletes {why}" if protected else "",
                    devices_affected=self.device_count(address),
                )
            )

    @staticmethod
    def _deployment_comparable(dep: Deployment) -> dict[str, Any]:
        """The metadata compared in place (code is compared by digest). Read from the fields:
        they are JSON values already (str, bool) or replaced (tags), so no model dump."""
        data: dict[str, Any] = {name: getattr(dep, name) for name in _DEPLOYMENT_METADATA}
        data["tags"] = comparable_tags(dep.tags, IMPOPS_TAG)
        return data

    def deployments(self) -> None:
        for res in sorted(self.desired.of_kind(Kind.DEPLOYMENT), key=lambda r: r.address):
            assert isinstance(res, Deployment)
            gaddr = group_address(res.product, res.group)
            live = self.live_child(res.address, gaddr)
            live_dep = live if isinstance(live, Deployment) else None
            production = self.group_type(gaddr) is GroupType.PRODUCTION
            devices = self.device_count(gaddr)
            if live_dep is None or (live_dep.agent_sha256, live_dep.device_sha256) != (
                res.agent_sha256,
                res.device_sha256,
            ):
                old: dict[str, Any] = (
                    {"agent_sha256": live_dep.agent_sha256, "device_sha256": live_dep.device_sha256}
                    if live_dep
                    else {}
                )
                new: dict[str, Any] = {
                    "agent_sha256": res.agent_sha256,
                    "device_sha256": res.device_sha256,
                }
                if live_dep is not None:
                    old |= self._deployment_comparable(live_dep)
                    new |= self._deployment_comparable(res)
                fields = field_changes(live_dep or res, res, old, new)
                self.add(
                    Change(
                        Action.CREATE,
                        live_dep,
                        res,
                        "no_deployment" if live_dep is None else "code_changed",
                        fields,
                        # Raising the minimum forces devices off older code; a group's first
                        # deployment has no older code, so only a *new* one is protected.
                        protected=production and res.min_supported is True and live_dep is not None,
                        protected_reason=(
                            f"raises min_supported on production group {res.group!r}: its "
                            "devices can no longer run the older code"
                        ),
                        devices_affected=devices,
                    )
                )
                continue
            old = self._deployment_comparable(live_dep)
            new = self._deployment_comparable(res)
            raise_min = res.min_supported is True and live_dep.min_supported is not True
            if raise_min:
                old["min_supported"] = bool(live_dep.min_supported)
                new["min_supported"] = True
            fields = field_changes(live_dep, res, old, new)
            if fields:
                self.add(
                    Change(
                        Action.UPDATE,
                        live_dep,
                        res,
                        "fields_changed",
                        fields,
                        protected=production and raise_min,
                        protected_reason=(
                            f"raises min_supported on production group {res.group!r}: its "
                            "devices can no longer run the older code"
                        ),
                        devices_affected=devices if raise_min else 0,
                    )
                )
        declared = {r.address for r in self.desired.of_kind(Kind.DEPLOYMENT)}
        self._leave_undeclared(Kind.DEPLOYMENT, declared)

    def _leave_undeclared(self, kind: Kind, declared: set[str]) -> None:
        """Live children of declared groups that the manifests do not manage."""
        for address, res in sorted(self.live_res.items()):
            if res.kind is not kind or address in declared:
                continue
            assert isinstance(res, Deployment | DeviceAssignment)
            gaddr = group_address(res.product, res.group)
            if gaddr in self.desired_groups and gaddr not in self.fresh_groups:
                self.leave(res, "not_declared")

    def assignments(self) -> None:
        for res in sorted(self.desired.of_kind(Kind.DEVICES), key=lambda r: r.address):
            assert isinstance(res, DeviceAssignment)
            ids: set[str] = set()
            for ref in res.devices:
                device = self.live.find_device(ref)
                if device is None:
                    where = f"{res.source}: " if res.source else ""
                    self.unknown_refs.append(f"{where}{res.address}: unknown device {ref!r}")
                else:
                    ids.add(device.id)
            gaddr = group_address(res.product, res.group)
            live = self.live_child(res.address, gaddr)
            before_ids = tuple(sorted(live.devices)) if isinstance(live, DeviceAssignment) else ()
            after_ids = tuple(sorted(ids))
            if before_ids == after_ids:
                continue
            before = DeviceAssignment(product=res.product, group=res.group, devices=before_ids)
            after = res.model_copy(update={"devices": after_ids})
            moved = len(set(before_ids) ^ set(after_ids))
            self.add(
                Change(
                    Action.UPDATE,
                    before,
                    after,
                    "devices_changed",
                    (FieldChange("devices", list(before_ids), list(after_ids)),),
                    devices_affected=moved,
                )
            )
        declared = {r.address for r in self.desired.of_kind(Kind.DEVICES)}
        self._leave_undeclared(Kind.DEVICES, declared)

    def webhooks(self) -> None:
        desired = {r.address: r for r in self.desired.of_kind(Kind.WEBHOOK)}
        for address, res in sorted(desired.items()):
            assert isinstance(res, Webhook)
            self.create_or_update(
                res, self.live_child(address, group_address(res.product, res.group))
            )
        for address, live_res in sorted(self.live_res.items()):
            if not isinstance(live_res, Webhook) or address in desired:
                continue
            gaddr = group_address(live_res.product, live_res.group)
            if gaddr in self.fresh_groups:
                continue  # replaced group: its webhooks go with the old group
            if self.prune:
                self.add(Change(Action.DELETE, live_res, None, "not_in_manifests"))
            elif gaddr in self.desired_groups:
                self.leave(live_res, "pruning_off")

    def pruned_group_devices(self) -> None:
        """A pruned group's devices are unassigned before the group is deleted."""
        for change in list(self.changes):
            if change.action is not Action.DELETE or change.kind is not Kind.DEVICE_GROUP:
                continue
            group = change.resource
            assert isinstance(group, DeviceGroup)
            live = self.live_res.get(f"devices/{group.product}/{group.name}")
            if isinstance(live, DeviceAssignment) and live.devices:
                self.add(
                    Change(
                        Action.DELETE,
                        live,
                        None,
                        "not_in_manifests",
                        (FieldChange("devices", list(live.devices), []),),
                        devices_affected=len(live.devices),
                    )
                )

    def run(self) -> DiffResult:
        self.products()
        self.groups()
        renames.mark(self, self.renamed)
        self.deployments()
        self.assignments()
        self.webhooks()
        self.pruned_group_devices()
        replacements.carry(self)
        replacements.leftovers(self)
        moves.annotate(self)
        renames.suggest(self)
        undeclared.report(self)
        counts = {group: len(ids) for group, ids in self.group_devices.items()}
        self.changes += pending_restart_changes(self.desired, self.live, self.changes, counts)
        if self.unknown_refs:
            count = len(self.unknown_refs)
            lines = "\n".join(f"  {line}" for line in self.unknown_refs)
            raise PlanError(
                f"{count} unknown device reference{'s' if count != 1 else ''} "
                f"(not an id, MAC address or agent id of this account):\n{lines}"
            )
        return DiffResult(tuple(self.changes), tuple(self.unmanaged))


def diff(desired: State, live: State, *, prune: bool, managed: Collection[str] = ()) -> DiffResult:
    """Compare `desired` with `live`, scoped to desired's products plus `managed`; pure.

    Raises PlanError listing every device reference that matches no live device.
    """
    assert isinstance(desired, ImpCentralState)
    assert isinstance(live, ImpCentralState)
    return _Differ(desired, live, prune, managed).run()


def plan_input(
    desired: ImpCentralState, live: ImpCentralState, managed: Collection[str] = ()
) -> PlanInput:
    """impCentral's part of a plan (the session builds the same; tests and tools use this)."""
    return PlanInput(desired, live, diff, tuple(managed))
