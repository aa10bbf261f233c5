"""Live Mnubo -> the model file (`mnubo.yaml`) that `impops export` writes.

The sandbox holds the whole model; production holds the promoted entities. An entity that
production has is exported with `promote: true`, so the desired production zone is exactly
what production holds and a fresh export plans no Mnubo changes. Relations are written on the
type side (`object_attributes:` under an object type, `timeseries:` under an event type), as
the model file declares them. Device registrations (objects) are not part of the model: they
follow from `mnubo_object_type:` on groups, which live Mnubo cannot tell (no object listing).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from impops.providers.mnubo.live import LiveReader, read_zone
from impops.providers.mnubo.model import (
    PRODUCTION,
    SANDBOX,
    Entity,
    EventType,
    MnuboState,
    ObjectAttribute,
    ObjectType,
    OwnerAttribute,
    Timeseries,
)

SECTIONS: tuple[tuple[str, type[Entity]], ...] = (
    ("object_attributes", ObjectAttribute),
    ("timeseries", Timeseries),
    ("owner_attributes", OwnerAttribute),
)


def read_model(readers: Mapping[str, LiveReader]) -> MnuboState:
    """The sandbox model and (when a production reader is given) production's entities."""
    state = MnuboState(zones=tuple(readers))
    for zone, reader in readers.items():
        read_zone(reader, state, entities_only=zone != SANDBOX)
    return state


def _named(label: str, description: str) -> dict[str, Any]:
    data: dict[str, Any] = {}
    if label:
        data["display_name"] = label
    if description:
        data["description"] = description
    return data


def export_model(state: MnuboState) -> dict[str, Any]:
    """The model file's data (key order as documented in docs/mnubo.md)."""
    sandbox = [r for r in state.resources.values() if getattr(r, "zone", "") == SANDBOX]
    production = {r.address.replace(f"/{PRODUCTION}/", f"/{SANDBOX}/") for r in
                  state.resources.values() if getattr(r, "zone", "") == PRODUCTION}  # fmt: skip
    object_types = sorted((r for r in sandbox if isinstance(r, ObjectType)), key=_key)
    event_types = sorted((r for r in sandbox if isinstance(r, EventType)), key=_key)
    data: dict[str, Any] = {"promote": False}
    data["object_types"] = {
        t.key: _named(t.label, t.description)
        | _members(sandbox, ObjectAttribute, "object_types", "object_attributes", t.key)
        for t in object_types
    }
    data["event_types"] = {
        t.key: _named(t.label, t.description)
        | {"origin": t.origin}
        | _members(sandbox, Timeseries, "event_types", "timeseries", t.key)
        for t in event_types
    }
    for section, cls in SECTIONS:
        entities = sorted((r for r in sandbox if isinstance(r, cls)), key=_key)
        data[section] = {e.key: _entity(e, e.address in production) for e in entities}
    return {k: v for k, v in data.items() if v != {}}


def _key(r: Any) -> str:
    return str(r.key)


def _members(
    sandbox: list[Any], cls: type[Entity], relation: str, name: str, type_key: str
) -> dict[str, Any]:
    keys = sorted(r.key for r in sandbox if isinstance(r, cls) and type_key in getattr(r, relation))
    return {name: keys} if keys else {}


def _entity(entity: Entity, promoted: bool) -> dict[str, Any]:
    data = _named(entity.label, entity.description) | {"high_level_type": entity.high_level_type}
    container = getattr(entity, "container_type", None)
    if container is not None and container != "none":
        data["container_type"] = container
    if promoted:
        data["promote"] = True
    return data
