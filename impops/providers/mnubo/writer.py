"""The writes of an apply for Mnubo, one per kind and action, each guarded by a re-read.

Model writes go to the sandbox; promotion runs the sandbox's two-step deploy; device objects
are upserted in the zone of their group. Before each write the item is read again: if it
moved since planning the change is skipped (`Skip`) and a re-run plans what is left. A change
the API cannot make (`Change.impossible`) is refused here too, whatever the plan file says.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from impops.engine.apply import FollowUp, Skip
from impops.engine.change import Action, Change
from impops.errors import PlanError
from impops.providers.mnubo.client import LINK_FIELD, MnuboClient
from impops.providers.mnubo.errors import MnuboError
from impops.providers.mnubo.live import fingerprint_of, read_one
from impops.providers.mnubo.model import (
    PRODUCTION,
    RELATION_FIELD,
    SANDBOX,
    DeviceObjects,
    Entity,
    EventType,
    MnuboResource,
    MnuboState,
    ObjectAttribute,
    ObjectType,
    OwnerAttribute,
    Timeseries,
)

Doc = dict[str, Any]
MOVED = "moved since planning"
# entity class -> (Mnubo's relation field on a create, the type kind it links through)
ENTITY_LINKS: dict[type[Entity], tuple[str, str]] = {
    ObjectAttribute: ("objectTypeKeys", "objectTypes"),
    Timeseries: ("eventTypeKeys", "eventTypes"),
}


def _type_doc(r: ObjectType | EventType) -> Doc:
    doc: Doc = {"key": r.key, "displayName": r.label, "description": r.description}
    if isinstance(r, EventType):
        doc["origin"] = r.origin
    return {**doc, LINK_FIELD[r.API_KIND]: []}


def _entity_doc(r: Entity) -> Doc:
    kind: Doc = {"highLevelType": r.high_level_type}
    if isinstance(r, ObjectAttribute | OwnerAttribute):
        kind["containerType"] = r.container_type
    doc: Doc = {"key": r.key, "displayName": r.label, "description": r.description, "type": kind}
    link = ENTITY_LINKS.get(type(r))
    if link is not None:
        doc[link[0]] = list(getattr(r, RELATION_FIELD[type(r)]))
    return doc


class MnuboWriter:
    """Performs planned Mnubo changes (see `impops.engine.apply.Writer`)."""

    def __init__(self, clients: Mapping[str, MnuboClient], live: MnuboState) -> None:
        self.clients = clients
        self.live = live
        self.expected: dict[str, str] = dict(live.fingerprints)
        self.blocked: set[str] = set()

    def follow_ups(self) -> list[FollowUp]:
        return []

    def _client(self, zone: str) -> MnuboClient:
        client = self.clients.get(zone)
        if client is None:
            raise PlanError(f"no Mnubo {zone} credentials in this run")
        return client

    def run(self, change: Change) -> str:
        if change.impossible:
            raise PlanError(f"cannot apply {change.address}: {change.impossible}")
        resource = change.resource
        assert isinstance(resource, MnuboResource)
        if isinstance(resource, DeviceObjects):
            return self._register(resource)
        if resource.zone == PRODUCTION:
            assert isinstance(resource, Entity)
            return self._promote(change, resource)
        sandbox = self._client(SANDBOX)
        current = read_one(sandbox, resource.API_KIND, resource.key)
        if change.action is Action.CREATE:
            if current is not None:
                raise Skip(f"{MOVED}: {resource.key} exists now")
            self._create(sandbox, resource)
            return "created"
        if current is None or fingerprint_of(current) != self.expected.get(change.address):
            raise Skip(f"{MOVED}: {resource.key} changed or vanished")
        if change.action is Action.DELETE:
            sandbox.delete_type(resource.API_KIND, resource.key)
            return "deleted"
        return self._update(sandbox, change, resource)

    def _create(self, sandbox: MnuboClient, r: MnuboResource) -> None:
        if isinstance(r, ObjectType | EventType):
            sandbox.create(r.API_KIND, _type_doc(r))
        else:
            assert isinstance(r, Entity)
            sandbox.create(r.API_KIND, _entity_doc(r))

    def _update(self, sandbox: MnuboClient, change: Change, r: MnuboResource) -> str:
        before = change.before
        assert isinstance(before, MnuboResource)
        if isinstance(r, ObjectType | EventType):
            sandbox.update_type(r.API_KIND, _type_doc(r))
            return "updated"
        assert isinstance(r, Entity)
        assert isinstance(before, Entity)
        done: list[str] = []
        if (before.label, before.description) != (r.label, r.description):
            sandbox.update_entity(r.API_KIND, r.key, r.label, r.description)
            done.append("relabelled")
        link = ENTITY_LINKS.get(type(r))
        if link is not None:
            name = RELATION_FIELD[type(r)]
            had, want = set(getattr(before, name)), set(getattr(r, name))
            for type_key in sorted(want - had):
                sandbox.link(link[1], type_key, r.key, add=True)
            for type_key in sorted(had - want):
                sandbox.link(link[1], type_key, r.key, add=False)
            if want != had:
                done.append(f"linked +{len(want - had)} -{len(had - want)}")
        return ", ".join(done) or "updated"

    def _promote(self, change: Change, r: Entity) -> str:
        """Deploy the sandbox entity to production once the sandbox holds it as declared."""
        sandbox, production = self._client(SANDBOX), self._client(PRODUCTION)
        original = read_one(sandbox, r.API_KIND, r.key)
        wanted_original = r.model_copy(update={"zone": SANDBOX})
        if original is None or fingerprint_of(original) != fingerprint_of(wanted_original):
            raise Skip(f"{MOVED}: the sandbox {r.key} is not as declared yet (re-run)")
        current = read_one(production, r.API_KIND, r.key)
        if change.action is Action.CREATE and current is not None:
            raise Skip(f"{MOVED}: {r.key} is in production now")
        if change.action is Action.UPDATE and (
            current is None or fingerprint_of(current) != self.expected.get(change.address)
        ):
            raise Skip(f"{MOVED}: the production {r.key} changed")
        try:
            sandbox.deploy(r.API_KIND, r.key)
        except MnuboError:
            # A lost answer to the second step may still have promoted it: look first.
            after = read_one(production, r.API_KIND, r.key)
            if after is None or (current is not None and after == current):
                raise
        return "promoted to production (deploy code)"

    def _register(self, r: DeviceObjects) -> str:
        client = self._client(r.zone)
        exists = client.objects_exist(r.devices)
        missing = [d for d in r.devices if not exists.get(d)]
        if not missing:
            return "already registered"
        objects = [{"x_device_id": d, "x_object_type": r.key} for d in missing]
        failures = client.upsert_objects(objects)
        if failures:
            raise MnuboError(
                207,
                f"{len(failures)} of {len(objects)} objects failed: " + "; ".join(failures[:5]),
                zone=r.zone, method="PUT", path="/api/v3/objects",
            )  # fmt: skip
        return f"registered {len(missing)} device(s)"
