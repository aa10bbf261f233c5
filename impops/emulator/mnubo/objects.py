"""Ingestion of objects (devices): create, batch create-or-update, update, delete, exists.

Every field must be a system field or an object attribute of the zone's model, and
`x_object_type` an object type of the zone (`Unknown field 'k'`, 400; decision M7). Device ids
keep their case. Batch answers are one `{id, result, message?}` per item, 200 when all
succeeded and 207 otherwise.
"""

from __future__ import annotations

from typing import Any

from impops.emulator.http.messages import Request, Response
from impops.emulator.mnubo.errors import bad, conflict
from impops.emulator.mnubo.state import Ctx, Zone
from impops.emulator.mnubo.vocabulary import MAX_BATCH, OBJECT_FIELDS

Rec = dict[str, Any]


class ItemError(Exception):
    """One batch item failed; `status` is what a single-item call answers."""

    def __init__(self, message: str, status: int = 400, result: str = "error") -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.result = result


def batch(body: Any, what: str) -> list[Any]:
    """A batch body: a JSON array of at most MAX_BATCH items."""
    if not isinstance(body, list):
        raise bad(f"The body must be a JSON array of {what}.")
    if len(body) > MAX_BATCH:
        raise bad(f"A batch may contain at most {MAX_BATCH} {what}; got {len(body)}.")
    return body


def batch_answer(results: list[Rec]) -> Response:
    failed = any(r["result"] != "success" for r in results)
    return Response(207 if failed else 200, results)


def check_fields(record: Rec, system: frozenset[str], known: dict[str, Rec]) -> None:
    for name in record:
        if name not in system and name.lower() not in known:
            raise ItemError(f"Unknown field '{name}'")


def _device_id(item: Any) -> str:
    if not isinstance(item, dict):
        raise ItemError("Each object must be a JSON object.")
    device = item.get("x_device_id")
    if not isinstance(device, str) or not device:
        raise ItemError("x_device_id cannot be null or empty.")
    return device


def _check_object(zone: Zone, obj: Rec, creating: bool) -> None:
    object_type = obj.get("x_object_type")
    if creating and (not isinstance(object_type, str) or not object_type):
        raise ItemError("x_object_type cannot be null or empty.")
    if object_type is not None and str(object_type).lower() not in zone.model["objectTypes"]:
        raise ItemError(f"Unknown object type '{object_type}'")
    check_fields(obj, OBJECT_FIELDS, zone.model["objectAttributes"])
    owner = obj.get("x_owner")
    if owner is not None:
        username = owner.get("username") if isinstance(owner, dict) else None
        if username not in zone.owners:
            raise ItemError(f"Owner '{username}' not found")


def upsert(zone: Zone, item: Any, *, create_only: bool = False) -> str:
    """Create or merge one object; the device id. Raises ItemError."""
    device = _device_id(item)
    existing = zone.objects.get(device)
    if existing is not None and create_only:
        raise ItemError(f"Object with device id '{device}' already exists.", 409)
    _check_object(zone, item, existing is None)
    if existing is None:
        zone.objects[device] = dict(item)
    else:
        existing.update({k: v for k, v in item.items() if k != "x_device_id"})
    return device


def create_one(ctx: Ctx, req: Request, params: dict[str, str]) -> Response:
    try:
        device = upsert(ctx.zone, req.body, create_only=True)
    except ItemError as exc:
        if exc.status == 409:
            raise conflict(exc.message) from None
        raise bad(exc.message) from None
    return Response(201, ctx.zone.objects[device])


def create_update(ctx: Ctx, req: Request, params: dict[str, str]) -> Response:
    results: list[Rec] = []
    for item in batch(req.body, "objects"):
        ident = item.get("x_device_id") if isinstance(item, dict) else None
        try:
            results.append({"id": upsert(ctx.zone, item), "result": "success"})
        except ItemError as exc:
            results.append({"id": ident, "result": "error", "message": exc.message})
    return batch_answer(results)


def _existing(zone: Zone, device: str) -> Rec:
    obj = zone.objects.get(device)
    if obj is None:
        # 400 rather than 404: the Python ITs against the real sandbox expect a ValueError
        # (400 or 409) when deleting an unknown object (reference §4.1).
        raise bad(f"Object '{device}' not found")
    return obj


def update_one(ctx: Ctx, req: Request, params: dict[str, str]) -> Response:
    _existing(ctx.zone, params["id"])
    if not isinstance(req.body, dict) or not req.body:
        raise bad("Object body cannot be null or empty.")
    try:  # an x_device_id in the body is ignored (the path names the object)
        upsert(ctx.zone, {**req.body, "x_device_id": params["id"]})
    except ItemError as exc:
        raise bad(exc.message) from None
    return Response(200)


def delete_one(ctx: Ctx, req: Request, params: dict[str, str]) -> Response:
    _existing(ctx.zone, params["id"])
    del ctx.zone.objects[params["id"]]
    return Response(200)


def exists_one(ctx: Ctx, req: Request, params: dict[str, str]) -> Response:
    return Response(200, {params["id"]: params["id"] in ctx.zone.objects})


def exists_many(ctx: Ctx, req: Request, params: dict[str, str]) -> Response:
    ids = batch(req.body, "device ids")
    return Response(200, [{str(i): str(i) in ctx.zone.objects} for i in ids])
