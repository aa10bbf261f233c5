"""Sandbox model writes: create (always a JSON array), update, type delete, relations.

Decisions where the reference is silent (docs/mnubo.md, "Emulator decisions"): keys are
lower-cased; a create batch is all-or-nothing (400 for invalid items, 409 for an existing or
repeated key); relation keys in a create must name existing keys and create the links; a type
PUT replaces displayName, description and origin and ignores the relation lists; an entity
PUT takes only displayName and description; deleting a type unlinks its entities (they may
become orphans); entities cannot be deleted (no endpoint, as in every SDK).
"""

from __future__ import annotations

from typing import Any

from impops.emulator.http.messages import Request, Response
from impops.emulator.mnubo.errors import bad, conflict, not_found
from impops.emulator.mnubo.state import Ctx, Zone
from impops.emulator.mnubo.vocabulary import (
    CONTAINER_TYPES,
    LABELS,
    MAX_DESCRIPTION,
    MAX_DISPLAY_NAME,
    ORIGINS,
    RELATIONS,
    key_problem,
)

Rec = dict[str, Any]
ENTITY_TYPE_KIND = {"timeseries": "eventTypes", "objectAttributes": "objectTypes"}


def find(zone: Zone, kind: str, key: str) -> Rec:
    """The model record of `kind` with `key` (any case), else 404 with a text body."""
    rec = zone.model[kind].get(key.lower())
    if rec is None:
        raise not_found(f"{LABELS[kind]} '{key}' not found.")
    return rec


def _text(item: Rec, name: str, limit: int, what: str) -> str:
    value = item.get(name)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise bad(f"{what}: '{name}' must be a string.")
    if len(value) > limit:
        raise bad(f"{what}: '{name}' must be at most {limit} characters.")
    return value


def _validate(ctx: Ctx, kind: str, item: Any, batch_keys: set[str]) -> tuple[Rec, list[str]]:
    """A valid new record of `kind` from a create item, and the keys it links to."""
    label = LABELS[kind]
    if not isinstance(item, dict):
        raise bad(f"Each {label.lower()} must be a JSON object.")
    problem = key_problem(item.get("key"), label)
    if problem:
        raise bad(problem)
    key = str(item["key"]).lower()
    what = f"{label} '{key}'"
    if key in ctx.zone.model[kind] or key in batch_keys:
        raise conflict(f"{what} already exists.")
    rec: Rec = {
        "key": key,
        "displayName": _text(item, "displayName", MAX_DISPLAY_NAME, what),
        "description": _text(item, "description", MAX_DESCRIPTION, what),
    }
    if kind == "eventTypes":
        origin = item.get("origin")
        if origin not in ORIGINS:
            raise bad(f"{what}: invalid origin '{origin}'. Valid values: {', '.join(ORIGINS)}.")
        rec["origin"] = origin
    if kind in RELATIONS:
        entity_kind, type_field, _ = RELATIONS[kind]
        return rec, _keys(ctx.zone, item, type_field, entity_kind, what)
    rec["type"] = _entity_type(ctx, kind, item.get("type"), what)
    if kind in ENTITY_TYPE_KIND:
        type_kind = ENTITY_TYPE_KIND[kind]
        return rec, _keys(ctx.zone, item, RELATIONS[type_kind][2], type_kind, what)
    return rec, []


def _entity_type(ctx: Ctx, kind: str, value: Any, what: str) -> Rec:
    if not isinstance(value, dict):
        raise bad(f"{what}: 'type' must be an object with a highLevelType.")
    high = value.get("highLevelType")
    if high not in ctx.state.high_level_types:
        raise bad(
            f"{what}: invalid highLevelType '{high}'. "
            f"Valid values: {', '.join(ctx.state.high_level_types)}."
        )
    if kind == "timeseries":
        # Timeseries have no containerType; one sent anyway is ignored, never stored.
        return {"highLevelType": high}
    container = value.get("containerType")
    if container not in CONTAINER_TYPES:
        raise bad(
            f"{what}: invalid containerType '{container}'. "
            f"Valid values: {', '.join(CONTAINER_TYPES)}."
        )
    return {"highLevelType": high, "containerType": container}


def _keys(zone: Zone, item: Rec, name: str, kind: str, what: str) -> list[str]:
    value = item.get(name) or []
    if not isinstance(value, list) or not all(isinstance(k, str) for k in value):
        raise bad(f"{what}: '{name}' must be a list of keys.")
    keys = list(dict.fromkeys(k.lower() for k in value))
    for key in keys:
        if key not in zone.model[kind]:
            raise bad(f"{what}: unknown {LABELS[kind].lower()} '{key}' in '{name}'.")
    return keys


def link(zone: Zone, type_kind: str, type_key: str, entity_key: str) -> None:
    """Relate an entity to a type (idempotent: an existing relation is kept once)."""
    keys = zone.links[type_kind].setdefault(type_key, [])
    if entity_key not in keys:
        keys.append(entity_key)


def create(kind: str) -> Any:
    def handler(ctx: Ctx, req: Request, params: dict[str, str]) -> Response:
        if not isinstance(req.body, list):
            raise bad(f"The body must be a JSON array of {LABELS[kind].lower()} definitions.")
        valid: list[tuple[Rec, list[str]]] = []
        seen: set[str] = set()
        for item in req.body:
            rec, keys = _validate(ctx, kind, item, seen)
            seen.add(rec["key"])
            valid.append((rec, keys))
        zone = ctx.zone
        for rec, keys in valid:
            zone.model[kind][rec["key"]] = rec
            if kind in RELATIONS:
                zone.links[kind][rec["key"]] = keys
            for type_key in keys if kind in ENTITY_TYPE_KIND else []:
                link(zone, ENTITY_TYPE_KIND[kind], type_key, rec["key"])
        return Response(201)

    return handler


def update(kind: str) -> Any:
    def handler(ctx: Ctx, req: Request, params: dict[str, str]) -> Response:
        rec = find(ctx.zone, kind, params["key"])
        body = req.body
        what = f"{LABELS[kind]} '{rec['key']}'"
        if not isinstance(body, dict):
            raise bad(f"{what}: the body must be a JSON object.")
        if kind in RELATIONS:
            allowed = {"key", "displayName", "description", RELATIONS[kind][1]}
            allowed |= {"origin"} if kind == "eventTypes" else set()
        else:
            allowed = {"displayName", "description"}
        extra = sorted(set(body) - allowed)
        if extra:
            raise bad(
                f"{what}: only {', '.join(sorted(allowed - {'key'}))} can be updated, "
                f"not {', '.join(extra)}."
            )
        if "key" in body and str(body["key"]).lower() != rec["key"]:
            raise bad(f"{what}: the key cannot be changed.")
        changes = {
            name: _text(body, name, limit, what)
            for name, limit in (("displayName", MAX_DISPLAY_NAME), ("description", MAX_DESCRIPTION))
            if name in body
        }
        if kind == "eventTypes" and "origin" in body:
            if body["origin"] not in ORIGINS:
                raise bad(f"{what}: invalid origin '{body['origin']}'.")
            changes["origin"] = body["origin"]
        rec.update(changes)
        return Response(200)

    return handler


def delete_type(kind: str) -> Any:
    def handler(ctx: Ctx, req: Request, params: dict[str, str]) -> Response:
        rec = find(ctx.zone, kind, params["key"])
        del ctx.zone.model[kind][rec["key"]]
        ctx.zone.links[kind].pop(rec["key"], None)  # its entities stay, perhaps as orphans
        return Response(200)

    return handler


def relation(kind: str, add: bool) -> Any:
    entity_kind = RELATIONS[kind][0]

    def handler(ctx: Ctx, req: Request, params: dict[str, str]) -> Response:
        type_rec = find(ctx.zone, kind, params["key"])
        entity = find(ctx.zone, entity_kind, params["entity"])
        if add:
            link(ctx.zone, kind, type_rec["key"], entity["key"])
            return Response(200)
        keys = ctx.zone.links[kind].get(type_rec["key"], [])
        if entity["key"] not in keys:
            raise not_found(
                f"{LABELS[entity_kind]} '{entity['key']}' is not linked to "
                f"{LABELS[kind].lower()} '{type_rec['key']}'."
            )
        keys.remove(entity["key"])
        return Response(200)

    return handler
