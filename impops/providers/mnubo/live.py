"""Live Mnubo -> `MnuboState`: the model lists of each zone, and which devices exist.

Reads the flat GET lists (`/model/objectTypes`, ...), which carry the relation keys, rather
than the export (whose orphans sit apart). Keys are compared lower-cased (Mnubo lower-cases
them). Fingerprints hash each resource's compared fields, so a saved plan notices a change.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Protocol

from impops.engine.resource import Resource
from impops.providers.mnubo.model import (
    DeviceObjects,
    EventType,
    MnuboResource,
    MnuboState,
    ObjectAttribute,
    ObjectType,
    OwnerAttribute,
    Timeseries,
)

Doc = dict[str, Any]


class LiveReader(Protocol):
    zone: str

    def list_kind(self, kind: str) -> list[Doc]: ...

    def objects_exist(self, device_ids: Sequence[str]) -> dict[str, bool]: ...


def fingerprint_of(resource: Resource) -> str:
    text = json.dumps(resource.comparable(), sort_keys=True, separators=(",", ":"))
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()[:16]


def _s(doc: Doc, name: str) -> str:
    value = doc.get(name)
    return value if isinstance(value, str) else ""


def _keys(doc: Doc, name: str) -> tuple[str, ...]:
    value = doc.get(name)
    items = value if isinstance(value, list) else []
    return tuple(sorted({str(v).lower() for v in items}))


def _type(doc: Doc) -> Doc:
    value = doc.get("type")
    return value if isinstance(value, dict) else {}


def _object_type(zone: str, d: Doc) -> MnuboResource:
    return ObjectType(zone=zone, key=_s(d, "key").lower(), label=_s(d, "displayName"),
                      description=_s(d, "description"))  # fmt: skip


def _event_type(zone: str, d: Doc) -> MnuboResource:
    return EventType(zone=zone, key=_s(d, "key").lower(), label=_s(d, "displayName"),
                     description=_s(d, "description"), origin=_s(d, "origin"))  # fmt: skip


def _object_attribute(zone: str, d: Doc) -> MnuboResource:
    t = _type(d)
    return ObjectAttribute(
        zone=zone, key=_s(d, "key").lower(), label=_s(d, "displayName"),
        description=_s(d, "description"), high_level_type=_s(t, "highLevelType"),
        container_type=_s(t, "containerType") or "none",
        object_types=_keys(d, "objectTypeKeys"),  # singular "Type" on the entity side
    )  # fmt: skip


def _timeseries(zone: str, d: Doc) -> MnuboResource:
    return Timeseries(
        zone=zone, key=_s(d, "key").lower(), label=_s(d, "displayName"),
        description=_s(d, "description"), high_level_type=_s(_type(d), "highLevelType"),
        event_types=_keys(d, "eventTypeKeys"),
    )  # fmt: skip


def _owner_attribute(zone: str, d: Doc) -> MnuboResource:
    t = _type(d)
    return OwnerAttribute(
        zone=zone, key=_s(d, "key").lower(), label=_s(d, "displayName"),
        description=_s(d, "description"), high_level_type=_s(t, "highLevelType"),
        container_type=_s(t, "containerType") or "none",
    )  # fmt: skip


PARSERS: dict[str, Callable[[str, Doc], MnuboResource]] = {
    "objectTypes": _object_type,
    "eventTypes": _event_type,
    "objectAttributes": _object_attribute,
    "timeseries": _timeseries,
    "ownerAttributes": _owner_attribute,
}
ENTITY_API_KINDS = ("objectAttributes", "timeseries", "ownerAttributes")


def read_one(reader: LiveReader, api_kind: str, key: str) -> MnuboResource | None:
    """One model item as it is now (writers re-read before they write)."""
    for d in reader.list_kind(api_kind):
        if _s(d, "key").lower() == key.lower():
            return PARSERS[api_kind](reader.zone, d)
    return None


def read_zone(reader: LiveReader, state: MnuboState, *, entities_only: bool = False) -> None:
    """Add one zone's model to `state` (production: entities only, see `model`)."""
    kinds = ENTITY_API_KINDS if entities_only else tuple(PARSERS)
    for api_kind in kinds:
        for d in reader.list_kind(api_kind):
            resource = PARSERS[api_kind](reader.zone, d)
            if resource.address not in state.resources:
                state.add(resource)
                state.fingerprints[resource.address] = fingerprint_of(resource)


def read_devices(
    reader: LiveReader, state: MnuboState, wanted: Mapping[str, Iterable[str]]
) -> None:
    """Which of the wanted device ids exist as objects, per object type (`wanted`)."""
    ids = sorted({i for group in wanted.values() for i in group})
    if not ids:
        return
    exists = reader.objects_exist(ids)
    for object_type, group in sorted(wanted.items()):
        present = tuple(sorted(i for i in set(group) if exists.get(i)))
        if present:
            resource = DeviceObjects(zone=reader.zone, key=object_type, devices=present)
            state.add(resource)
            state.fingerprints[resource.address] = fingerprint_of(resource)


def read_live(
    readers: Mapping[str, LiveReader], wanted: Mapping[str, Mapping[str, Iterable[str]]]
) -> MnuboState:
    """Every zone in `readers` (sandbox: the whole model; production: its entities), then
    the device objects `wanted[zone][object_type]`."""
    state = MnuboState(zones=tuple(readers))
    for zone, reader in readers.items():
        read_zone(reader, state, entities_only=zone != "sandbox")
        read_devices(reader, state, wanted.get(zone, {}))
    return state
