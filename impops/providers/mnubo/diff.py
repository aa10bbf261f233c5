"""Mnubo's diff rules: what the API can change, what it cannot, and promotion.

* Types (sandbox): created, updated in place (displayName, description, origin), deleted
  only with pruning, and then `protected` (needs `--force`).
* Entities (sandbox): created with their relation keys; displayName, description and
  relations change in place. `high_level_type`/`container_type` cannot change and no entity
  can be deleted: such changes are planned with `impossible` set (the reason and the way out).
* Production entities: missing ones are *promoted* (deployed from the sandbox through the
  deploy-code flow), differing ones re-deployed. Production keeps links removed in the
  sandbox; only pruning (and drift) reports those, as impossible.
* Device objects: the devices not yet registered are created; none is ever deleted.
"""

from __future__ import annotations

from collections.abc import Collection

from impops.engine.change import Action, Change, FieldChange, register_reasons
from impops.engine.diffing import DiffResult, Unmanaged, create_or_update
from impops.engine.fieldchanges import field_changes
from impops.engine.state import State
from impops.providers.mnubo.model import (
    PRODUCTION,
    PROVIDER,
    RELATION_FIELD,
    SANDBOX,
    DeviceObjects,
    Entity,
    MnuboResource,
    MnuboState,
)

register_reasons(
    PROVIDER,
    {
        "promote": "promote: true; deploys the sandbox entity to production (deploy code)",
        "not_promoted": "exists in the sandbox but was never promoted to production",
        "zones_differ": "production differs from the sandbox; deploys it again",
        "register_devices": "devices of the group are not yet Mnubo objects of this type",
        "type_is_fixed": "a type the Mnubo API cannot change differs",
        "cannot_delete": "exists live but not in the manifests; the Mnubo API cannot delete it",
        "production_link": "production keeps a link the manifests no longer have",
    },
)


def _noun(r: MnuboResource) -> str:
    return (
        r.KIND_NOUN.removeprefix("Mnubo ").rstrip("s")
        if r.SEGMENT != "timeseries"
        else ("timeseries")
    )


def fixed_type_text(before: Entity, after: Entity, paths: list[str]) -> str:
    noun = _noun(after)
    was = ", ".join(f"{p}={getattr(before, p)}" for p in paths)
    return (
        f"Mnubo cannot change a {noun}'s {' or '.join(paths)} once it exists (no API does): "
        f"keep {was}, or declare a new {noun} under a new key and have the agent code write "
        "that key; in the sandbox, a model reset also clears entities never promoted"
    )


def _delete_text(r: MnuboResource) -> str:
    noun = _noun(r)
    if r.zone == PRODUCTION:
        return (
            f"a production {noun} can never be removed through the Mnubo API: declare "
            f"`{r.key}` again in the model file, or run without --prune"
        )
    return (
        f"the Mnubo API has no delete for a {noun}: declare `{r.key}` again in the model "
        "file, run without --prune, or reset the sandbox model (wipes what was never promoted)"
    )


def _entity_change(want: Entity, have: Entity, live: MnuboState, prune: bool) -> Change | None:
    relation = RELATION_FIELD.get(type(want))
    extra: set[str] = set()
    compared = have
    if want.zone == PRODUCTION and relation:
        extra = set(getattr(have, relation)) - set(getattr(want, relation))
        if extra and not prune:  # production keeps removed links: not apply's business
            kept = tuple(sorted(set(getattr(have, relation)) - extra))
            compared = have.model_copy(update={relation: kept})
    fields = field_changes(compared, want, compared.comparable(), want.comparable())
    if not fields:
        return None
    fixed = [f.path for f in fields if f.path in want.TYPE_FIELDS]
    if fixed:
        text = fixed_type_text(have, want, fixed)
        return Change(Action.UPDATE, have, want, "type_is_fixed", fields, impossible=text)
    if want.zone == PRODUCTION:
        if extra and prune:
            links = ", ".join(sorted(extra))
            text = (
                f"production keeps the link(s) to {links} that the sandbox no longer has, and no "
                "API unlinks in production: list them again, or run without --prune"
            )
            return Change(Action.UPDATE, have, want, "production_link", fields, impossible=text)
        return Change(Action.UPDATE, have, want, "zones_differ", fields)
    return Change(Action.UPDATE, have, want, "fields_changed", fields)


def _fixed_in_sandbox(want: Entity, live: MnuboState) -> str:
    """Why promoting `want` cannot work: its sandbox original has another type."""
    sandbox = live.get(want.address.replace(f"/{PRODUCTION}/", f"/{SANDBOX}/"))
    if not isinstance(sandbox, Entity):
        return ""
    paths = [p for p in want.TYPE_FIELDS if getattr(sandbox, p) != getattr(want, p)]
    return fixed_type_text(sandbox, want, paths) if paths else ""


def _devices_change(want: DeviceObjects, have: MnuboResource | None) -> Change | None:
    present = set(have.devices) if isinstance(have, DeviceObjects) else set()
    if set(want.devices) <= present:
        return None
    if have is None:
        return Change(Action.CREATE, None, want, "register_devices")
    before, after = sorted(present), sorted(present | set(want.devices))
    fields = (FieldChange("devices", before, after),)
    return Change(Action.UPDATE, have, want, "register_devices", fields)


def diff(desired: State, live: State, *, prune: bool, managed: Collection[str] = ()) -> DiffResult:
    """Pure: the changes that make live Mnubo match `desired` (see the module docstring)."""
    assert isinstance(live, MnuboState)
    changes: list[Change] = []
    unmanaged: list[Unmanaged] = []
    for address, want in sorted(desired.resources.items()):
        assert isinstance(want, MnuboResource)
        have = live.get(address)
        change: Change | None
        if isinstance(want, DeviceObjects):
            change = _devices_change(want, have)
        elif isinstance(want, Entity) and have is None and want.zone == PRODUCTION:
            sandbox_live = address.replace(f"/{PRODUCTION}/", f"/{SANDBOX}/") in live.resources
            reason = "not_promoted" if sandbox_live else "promote"
            impossible = _fixed_in_sandbox(want, live)
            change = Change(Action.CREATE, None, want, reason, impossible=impossible)
        elif isinstance(want, Entity) and isinstance(have, Entity):
            change = _entity_change(want, have, live, prune)
        else:
            change = create_or_update(want, have)
        if change is not None:
            changes.append(change)
    zones = set(live.zones)
    for address, found in sorted(live.resources.items()):
        if address in desired.resources or not isinstance(found, MnuboResource):
            continue
        have = found
        if have.zone not in zones or isinstance(have, DeviceObjects):
            continue
        if not prune:
            unmanaged.append(Unmanaged(address, have.kind, have.scope, "pruning_off"))
        elif isinstance(have, Entity):
            changes.append(
                Change(Action.DELETE, have, None, "cannot_delete", protected=True,
                       impossible=_delete_text(have))
            )  # fmt: skip
        else:
            changes.append(Change(Action.DELETE, have, None, "not_in_manifests", protected=True))
    return DiffResult(tuple(changes), tuple(unmanaged))
