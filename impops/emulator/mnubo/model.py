"""Reading a zone's model: the export (with orphans) and the flat lists, in the real spellings.

Spellings clients depend on (reference §2.3): a type's flat list is `objectAttributesKeys`
(plural "Attributes") but an attribute's is `objectTypeKeys` (singular); timeseries types have
no `containerType`; `description` and `displayName` are always strings (Java calls
`.asText()`); `orphans` is always present (the Python client calls `.get()` on it).
"""

from __future__ import annotations

from typing import Any

from impops.emulator.http.messages import Request, Response
from impops.emulator.mnubo.state import Ctx, Handler, Zone
from impops.emulator.mnubo.vocabulary import KINDS, RELATIONS

Rec = dict[str, Any]


def _entity(rec: Rec) -> Rec:
    """An entity as the export nests it: no relation keys."""
    return {
        "key": rec["key"],
        "displayName": rec.get("displayName", ""),
        "description": rec.get("description", ""),
        "type": dict(rec["type"]),
    }


def _type(rec: Rec) -> Rec:
    out = {
        "key": rec["key"],
        "displayName": rec.get("displayName", ""),
        "description": rec.get("description", ""),
    }
    if "origin" in rec:
        out["origin"] = rec["origin"]
    return out


def export(zone: Zone) -> Rec:
    model, links = zone.model, zone.links
    linked_ts = {k for keys in links["eventTypes"].values() for k in keys}
    linked_oa = {k for keys in links["objectTypes"].values() for k in keys}
    return {
        "objectTypes": [
            {
                **_type(ot),
                "objectAttributes": [
                    _entity(model["objectAttributes"][k]) for k in links["objectTypes"].get(key, [])
                ],
            }
            for key, ot in model["objectTypes"].items()
        ],
        "eventTypes": [
            {
                **_type(et),
                "timeseries": [
                    _entity(model["timeseries"][k]) for k in links["eventTypes"].get(key, [])
                ],
            }
            for key, et in model["eventTypes"].items()
        ],
        "ownerAttributes": [_entity(oa) for oa in model["ownerAttributes"].values()],
        "sessionizers": [],
        "orphans": {
            "timeseries": [
                _entity(ts) for k, ts in model["timeseries"].items() if k not in linked_ts
            ],
            "objectAttributes": [
                _entity(oa) for k, oa in model["objectAttributes"].items() if k not in linked_oa
            ],
        },
    }


def flat(zone: Zone, kind: str) -> list[Rec]:
    """The GET list of one kind, with its relation keys."""
    out: list[Rec] = []
    for key, rec in zone.model[kind].items():
        if kind in RELATIONS:
            _, type_field, _ = RELATIONS[kind]
            out.append({**_type(rec), type_field: list(zone.links[kind].get(key, []))})
        elif kind == "ownerAttributes":
            out.append(_entity(rec))
        else:
            type_kind = "eventTypes" if kind == "timeseries" else "objectTypes"
            entity_field = RELATIONS[type_kind][2]
            out.append({**_entity(rec), entity_field: zone.types_of(type_kind, key)})
    return out


def get_export(ctx: Ctx, req: Request, params: dict[str, str]) -> Response:
    return Response(200, export(ctx.zone))


def list_kind(kind: str) -> Handler:
    def handler(ctx: Ctx, req: Request, params: dict[str, str]) -> Response:
        return Response(200, flat(ctx.zone, kind))

    return handler


def load_export(zone: Zone, data: Any) -> None:
    """Replace a zone's model with one in the export format (seed and admin; no validation
    beyond the shape: this is how tests put a zone into any state, drift included)."""
    if not isinstance(data, dict):
        raise ValueError("a Mnubo model must be a mapping in the export format")
    zone.model = {k: {} for k in KINDS}
    zone.links = {k: {} for k in RELATIONS}

    def entity(kind: str, rec: Any) -> str:
        if not isinstance(rec, dict) or not isinstance(rec.get("key"), str):
            raise ValueError(f"each {kind} item needs a 'key'")
        key = str(rec["key"]).lower()
        kept = zone.model[kind].setdefault(key, _entity({**rec, "key": key, "type": {}}))
        kept["type"] = dict(rec.get("type") or {})
        return key

    for ot in data.get("objectTypes") or []:
        key = ot["key"].lower()
        zone.model["objectTypes"][key] = _type({**ot, "key": key})
        zone.links["objectTypes"][key] = [
            entity("objectAttributes", oa) for oa in ot.get("objectAttributes") or []
        ]
    for et in data.get("eventTypes") or []:
        key = et["key"].lower()
        zone.model["eventTypes"][key] = _type({**et, "key": key, "origin": et.get("origin", "")})
        zone.links["eventTypes"][key] = [
            entity("timeseries", ts) for ts in et.get("timeseries") or []
        ]
    for oa in data.get("ownerAttributes") or []:
        entity("ownerAttributes", oa)
    orphans = data.get("orphans") or {}
    for ts in orphans.get("timeseries") or []:
        entity("timeseries", ts)
    for oa in orphans.get("objectAttributes") or []:
        entity("objectAttributes", oa)
