"""Ingestion of owners: create, batch create-or-update, update, delete, password, claims, exists.

Fields must be system fields or owner attributes of the zone's model. Passwords are stored but
never shown (not even by the admin API). A claim sets the object's `x_owner` to
`{"username": ...}`; deleting an owner unclaims its objects. Batch claim answers carry the
device id as `id`, as the reference records.
"""

from __future__ import annotations

from typing import Any

from impops.emulator.http.messages import Request, Response
from impops.emulator.mnubo.errors import bad, conflict
from impops.emulator.mnubo.objects import ItemError, batch, batch_answer, check_fields
from impops.emulator.mnubo.state import Ctx, Zone
from impops.emulator.mnubo.vocabulary import OWNER_FIELDS

Rec = dict[str, Any]


def _upsert(zone: Zone, item: Any, *, create_only: bool = False) -> str:
    if not isinstance(item, dict):
        raise ItemError("Each owner must be a JSON object.")
    username = item.get("username")
    if not isinstance(username, str) or not username:
        raise ItemError("username cannot be null or empty.")
    existing = zone.owners.get(username)
    if existing is not None and create_only:
        raise ItemError(f"The username '{username}' is already in use.", 409)
    check_fields(item, OWNER_FIELDS, zone.model["ownerAttributes"])
    if existing is None:
        zone.owners[username] = dict(item)
    else:
        existing.update({k: v for k, v in item.items() if k != "username"})
    return username


def _raise(exc: ItemError) -> None:
    if exc.status == 409:
        raise conflict(exc.message) from None
    raise bad(exc.message) from None


def _owner(zone: Zone, username: str) -> Rec:
    owner = zone.owners.get(username)
    if owner is None:
        raise ItemError(f"Owner '{username}' not found.")
    return owner


def create_one(ctx: Ctx, req: Request, params: dict[str, str]) -> Response:
    try:
        username = _upsert(ctx.zone, req.body, create_only=True)
    except ItemError as exc:
        _raise(exc)
    owner = ctx.zone.owners[username]
    return Response(201, {k: v for k, v in owner.items() if k != "x_password"})


def create_update(ctx: Ctx, req: Request, params: dict[str, str]) -> Response:
    results: list[Rec] = []
    for item in batch(req.body, "owners"):
        ident = item.get("username") if isinstance(item, dict) else None
        try:
            results.append({"id": _upsert(ctx.zone, item), "result": "success"})
        except ItemError as exc:
            results.append({"id": ident, "result": "error", "message": exc.message})
    return batch_answer(results)


def update_one(ctx: Ctx, req: Request, params: dict[str, str]) -> Response:
    try:
        _owner(ctx.zone, params["username"])
        if not isinstance(req.body, dict) or not req.body:
            raise ItemError("Owner body cannot be null or empty.")
        _upsert(ctx.zone, {**req.body, "username": params["username"]})
    except ItemError as exc:
        _raise(exc)
    return Response(200)


def delete_one(ctx: Ctx, req: Request, params: dict[str, str]) -> Response:
    username = params["username"]
    try:
        _owner(ctx.zone, username)
    except ItemError as exc:
        _raise(exc)
    del ctx.zone.owners[username]
    for obj in ctx.zone.objects.values():
        if (obj.get("x_owner") or {}).get("username") == username:
            obj.pop("x_owner")
    return Response(200)


def password(ctx: Ctx, req: Request, params: dict[str, str]) -> Response:
    try:
        owner = _owner(ctx.zone, params["username"])
    except ItemError as exc:
        _raise(exc)
    value = req.body.get("x_password") if isinstance(req.body, dict) else None
    if not isinstance(value, str) or not value:
        raise bad("x_password cannot be null or empty.")
    owner["x_password"] = value
    return Response(200)


def _claim(zone: Zone, username: Any, device: Any, claim: bool) -> None:
    if not isinstance(username, str) or not username:
        raise ItemError("username cannot be null or empty.")
    if not isinstance(device, str) or not device:
        raise ItemError("x_device_id cannot be null or empty.")
    _owner(zone, username)
    obj = zone.objects.get(device)
    if obj is None:
        raise ItemError(f"Object '{device}' not found")
    if claim:
        obj["x_owner"] = {"username": username}
    elif (obj.get("x_owner") or {}).get("username") != username:
        raise ItemError(f"Object '{device}' is not claimed by '{username}'.")
    else:
        obj.pop("x_owner")


def claim_one(claim: bool) -> Any:
    def handler(ctx: Ctx, req: Request, params: dict[str, str]) -> Response:
        try:
            _claim(ctx.zone, params["username"], params["id"], claim)
        except ItemError as exc:
            _raise(exc)
        return Response(200)

    return handler


def claim_many(claim: bool) -> Any:
    def handler(ctx: Ctx, req: Request, params: dict[str, str]) -> Response:
        results: list[Rec] = []
        for item in batch(req.body, "claims"):
            item = item if isinstance(item, dict) else {}
            device = item.get("x_device_id")
            try:
                _claim(ctx.zone, item.get("username"), device, claim)
                results.append({"id": device, "result": "success"})
            except ItemError as exc:
                results.append({"id": device, "result": "error", "message": exc.message})
        return batch_answer(results)

    return handler


def exists_one(ctx: Ctx, req: Request, params: dict[str, str]) -> Response:
    return Response(200, {params["username"]: params["username"] in ctx.zone.owners})


def exists_many(ctx: Ctx, req: Request, params: dict[str, str]) -> Response:
    names = batch(req.body, "usernames")
    return Response(200, [{str(n): str(n) in ctx.zone.owners} for n in names])
