"""Manifests -> desired `MnuboState`: the model per zone, and the device objects.

Pure translation of a validated `MnuboModel`. The manifest lists entities under their types;
the resources carry the relations on the entity side (see `model`). Every entity goes to the
sandbox; a promoted one also to production, with the same fields, which the differ turns
into a deploy. Device objects come from the registry entries the CLI extracted.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from impops.manifest.mnubo import MnuboModel
from impops.providers.mnubo.model import (
    PRODUCTION,
    SANDBOX,
    DeviceObjects,
    Entity,
    EventType,
    MnuboState,
    ObjectAttribute,
    ObjectType,
    OwnerAttribute,
    Timeseries,
)
from impops.providers.mnubo.registry import RegistryEntry


def build_desired(model: MnuboModel, registry: Iterable[RegistryEntry] = ()) -> MnuboState:
    m = model.manifest
    state = MnuboState(zones=(SANDBOX,))
    pos = model.position
    in_types: dict[str, set[str]] = defaultdict(set)
    for key, ot in m.object_types.items():
        state.add(
            ObjectType(
                zone=SANDBOX,
                key=key,
                label=ot.display_name,
                description=ot.description,
                source=pos(("object_types", key)),
            )
        )
        for attr in ot.object_attributes:
            in_types[f"oa:{attr}"].add(key)
    for key, et in m.event_types.items():
        state.add(
            EventType(
                zone=SANDBOX,
                key=key,
                label=et.display_name,
                description=et.description,
                origin=et.origin,
                source=pos(("event_types", key)),
            )
        )
        for ts in et.timeseries:
            in_types[f"ts:{ts}"].add(key)
    entities: list[tuple[Entity, bool]] = []
    for key, oa in m.object_attributes.items():
        attribute = ObjectAttribute(
            zone=SANDBOX, key=key, label=oa.display_name, description=oa.description,
            high_level_type=oa.high_level_type, container_type=oa.container_type,
            object_types=tuple(sorted(in_types[f"oa:{key}"])),
            source=pos(("object_attributes", key)),
        )  # fmt: skip
        entities.append((attribute, model.promoted(oa.promote)))
    for key, tsm in m.timeseries.items():
        series = Timeseries(
            zone=SANDBOX, key=key, label=tsm.display_name, description=tsm.description,
            high_level_type=tsm.high_level_type,
            event_types=tuple(sorted(in_types[f"ts:{key}"])), source=pos(("timeseries", key)),
        )  # fmt: skip
        entities.append((series, model.promoted(tsm.promote)))
    for key, ow in m.owner_attributes.items():
        owner = OwnerAttribute(
            zone=SANDBOX, key=key, label=ow.display_name, description=ow.description,
            high_level_type=ow.high_level_type, container_type=ow.container_type,
            source=pos(("owner_attributes", key)),
        )  # fmt: skip
        entities.append((owner, model.promoted(ow.promote)))
    for entity, _ in entities:
        state.add(entity)
    promoted = False
    for entity, promote in entities:
        if promote:  # the production copy: the differ turns it into a deploy
            state.add(entity.model_copy(update={"zone": PRODUCTION}))
            promoted = True
    devices: dict[tuple[str, str], set[str]] = defaultdict(set)
    for entry in registry:
        devices[(entry.zone, entry.object_type)].add(entry.agent_id)
    for (zone, object_type), ids in sorted(devices.items()):
        state.add(DeviceObjects(zone=zone, key=object_type, devices=tuple(sorted(ids))))
    zones = {SANDBOX} | ({PRODUCTION} if promoted else set()) | {z for z, _ in devices}
    state.zones = tuple(z for z in (SANDBOX, PRODUCTION) if z in zones)
    return state
