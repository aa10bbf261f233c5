"""Mnubo's resources: the data model per zone, and the device objects impops registers.

Addresses (zone is `sandbox` or `production`; scope is `mnubo:<zone>`):

    mnubo/objecttype/<zone>/<key>          an object type
    mnubo/eventtype/<zone>/<key>           an event type (with its origin)
    mnubo/objectattribute/<zone>/<key>     an object attribute and the object types it is in
    mnubo/timeseries/<zone>/<key>          a timeseries and the event types it is in
    mnubo/ownerattribute/<zone>/<key>      an owner attribute
    mnubo/objects/<zone>/<object type>     the devices registered as objects of that type

Relations live on the entity side (`object_types`, `event_types`), because Mnubo binds an
entity at creation through them and because types are created first: an entity's create or
update can then name types that already exist. Production holds entities only: types reach
production with the entities deployed to them (the deploy-code flow carries them).

Ranks sit below impCentral's product (100): the model exists before the code that writes
to it is deployed. Device objects rank after impCentral's device assignments (400).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import ClassVar

from impops.engine.resource import Resource
from impops.engine.state import State

PROVIDER = "mnubo"
SANDBOX, PRODUCTION = "sandbox", "production"


class Kind(StrEnum):
    OBJECT_TYPE = "mnubo_objecttype"
    EVENT_TYPE = "mnubo_eventtype"
    OBJECT_ATTRIBUTE = "mnubo_objectattribute"
    TIMESERIES = "mnubo_timeseries"
    OWNER_ATTRIBUTE = "mnubo_ownerattribute"
    OBJECTS = "mnubo_objects"


class MnuboResource(Resource):
    PROVIDER: ClassVar[str] = PROVIDER
    SEGMENT: ClassVar[str] = ""  # address segment
    API_KIND: ClassVar[str] = ""  # Mnubo URL segment (objectTypes, timeseries, ...)
    zone: str
    key: str

    @property
    def address(self) -> str:
        return f"mnubo/{self.SEGMENT}/{self.zone}/{self.key}"

    @property
    def scope(self) -> str:
        return f"mnubo:{self.zone}"

    @property
    def display_name(self) -> str:
        return self.key

    def order_rank(self) -> int:
        """Production (promotion) after the sandbox write it copies."""
        return 1 if self.zone == PRODUCTION else 0


class ObjectType(MnuboResource):
    kind: ClassVar[str] = Kind.OBJECT_TYPE
    KIND_RANK: ClassVar[int] = 10
    KIND_NOUN: ClassVar[str] = "Mnubo object types"
    SEGMENT: ClassVar[str] = "objecttype"
    API_KIND: ClassVar[str] = "objectTypes"
    label: str = ""  # Mnubo's displayName (`display_name` is taken by Resource)
    description: str = ""


class EventType(MnuboResource):
    kind: ClassVar[str] = Kind.EVENT_TYPE
    KIND_RANK: ClassVar[int] = 11
    KIND_NOUN: ClassVar[str] = "Mnubo event types"
    SEGMENT: ClassVar[str] = "eventtype"
    API_KIND: ClassVar[str] = "eventTypes"
    label: str = ""
    description: str = ""
    origin: str = "unscheduled"


class Entity(MnuboResource):
    """Timeseries and attributes: created, relabelled, deployed; never deleted (no API)."""

    TYPE_FIELDS: ClassVar[tuple[str, ...]] = ("high_level_type",)  # fixed once created
    label: str = ""
    description: str = ""
    high_level_type: str = "TEXT"


class ObjectAttribute(Entity):
    kind: ClassVar[str] = Kind.OBJECT_ATTRIBUTE
    KIND_RANK: ClassVar[int] = 20
    KIND_NOUN: ClassVar[str] = "Mnubo object attributes"
    SEGMENT: ClassVar[str] = "objectattribute"
    API_KIND: ClassVar[str] = "objectAttributes"
    TYPE_FIELDS: ClassVar[tuple[str, ...]] = ("high_level_type", "container_type")
    container_type: str = "none"
    object_types: tuple[str, ...] = ()  # sorted


class Timeseries(Entity):
    kind: ClassVar[str] = Kind.TIMESERIES
    KIND_RANK: ClassVar[int] = 21
    KIND_NOUN: ClassVar[str] = "Mnubo timeseries"
    SEGMENT: ClassVar[str] = "timeseries"
    API_KIND: ClassVar[str] = "timeseries"
    event_types: tuple[str, ...] = ()  # sorted


class OwnerAttribute(Entity):
    kind: ClassVar[str] = Kind.OWNER_ATTRIBUTE
    KIND_RANK: ClassVar[int] = 22
    KIND_NOUN: ClassVar[str] = "Mnubo owner attributes"
    SEGMENT: ClassVar[str] = "ownerattribute"
    API_KIND: ClassVar[str] = "ownerAttributes"
    TYPE_FIELDS: ClassVar[tuple[str, ...]] = ("high_level_type", "container_type")
    container_type: str = "none"


class DeviceObjects(MnuboResource):
    """Devices (by agent id, Mnubo's `x_device_id`) that must exist as objects of `key`.

    Live: the subset of the desired ids that exist (Mnubo has no object listing, only
    `exists`), so an object of another type under the same id counts as present (a gap).
    """

    kind: ClassVar[str] = Kind.OBJECTS
    KIND_RANK: ClassVar[int] = 600
    KIND_NOUN: ClassVar[str] = "Mnubo device registrations"
    SEGMENT: ClassVar[str] = "objects"
    devices: tuple[str, ...] = ()  # sorted agent ids

    def impact_key(self) -> str:
        return self.address


# relation field of an entity -> the type kind it names
RELATION_FIELD = {ObjectAttribute: "object_types", Timeseries: "event_types"}
MODEL_CLASSES: tuple[type[MnuboResource], ...] = (
    ObjectType,
    EventType,
    ObjectAttribute,
    Timeseries,
    OwnerAttribute,
)
ENTITY_CLASSES: tuple[type[Entity], ...] = (ObjectAttribute, Timeseries, OwnerAttribute)


@dataclass
class MnuboState(State):
    """Mnubo resources by address; `zones` are the zones this state covers (live: read)."""

    zones: tuple[str, ...] = ()

    def get(self, address: str) -> MnuboResource | None:
        found = self.resources.get(address)
        return found if isinstance(found, MnuboResource) else None


def address_of(cls: type[MnuboResource], zone: str, key: str) -> str:
    return f"mnubo/{cls.SEGMENT}/{zone}/{key}"
