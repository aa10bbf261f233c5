"""impCentral's admin endpoints under `/_emulator/` (no auth): adding devices, device logs and
placing devices as blessing would. For tests and demos only; never part of v5. The endpoints
every API shares (faults, latency, reset, ...) are in `impops.emulator.http.admin`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from impops.emulator.impcentral.core import Request, Response
from impops.emulator.impcentral.jsonapi import ApiError, Rec, bad_request, not_found
from impops.emulator.impcentral.resources_devices import append_log, assign_device
from impops.emulator.impcentral.seed import SeedError, add_device, normalise_log

if TYPE_CHECKING:
    from collections.abc import Callable

    from impops.emulator.impcentral.mount import ImpCentral

    AdminHandler = Callable[[ImpCentral, Request, dict[str, str]], Response]


def _items(body: Any, key: str) -> list[Any]:
    """Accept `{key: [...]}`, a bare list, or a single object."""
    if isinstance(body, dict) and key in body:
        body = body[key]
    if isinstance(body, dict):
        return [body]
    if isinstance(body, list):
        return body
    raise bad_request(f'The body must be {{"{key}": [...]}}, a list or one object.')


def add_devices(rt: ImpCentral, req: Request, params: dict[str, str]) -> Response:
    body = req.body
    store = rt.store
    account = body.get("account") if isinstance(body, dict) else None
    if account is None:
        account = next(iter(store.collections["accounts"]), None)
    if account not in store.collections["accounts"]:
        raise not_found("account", str(account))
    created: list[Rec] = []
    for spec in _items(body, "devices"):
        spec = dict(spec) if isinstance(spec, dict) else spec
        group_id = spec.pop("devicegroup", None) if isinstance(spec, dict) else None
        try:
            dev = add_device(store, account, spec)
        except SeedError as exc:
            raise bad_request(str(exc), "Invalid Device") from None
        if group_id:
            _place(rt, dev, str(group_id))
        created.append(rt.app.doc(req, "devices", dev))
    return Response(201, {"data": created})


def _place(rt: ImpCentral, dev: Rec, group_id: str) -> None:
    """Put a device into any group, as blessing or factory BlinkUp would (no by-hand rules)."""
    group = rt.store.get("devicegroups", group_id)
    if group is None:
        raise not_found("devicegroup", group_id)
    problem = assign_device(rt.app, dev, group, by_hand=False)
    if problem:
        raise ApiError(409, "CX007", "Invalid Assignment", problem)


def assign(rt: ImpCentral, req: Request, params: dict[str, str]) -> Response:
    dev = rt.store.find_device(params["id"])
    if dev is None:
        raise not_found("device", params["id"])
    group_id = req.body.get("devicegroup") if isinstance(req.body, dict) else None
    if not isinstance(group_id, str):
        raise bad_request('The body must be {"devicegroup": <group id>}.')
    _place(rt, dev, group_id)
    return Response(200, {"data": rt.app.doc(req, "devices", dev)})


def add_logs(rt: ImpCentral, req: Request, params: dict[str, str]) -> Response:
    dev = rt.store.find_device(params["id"])
    if dev is None:
        raise not_found("device", params["id"])
    try:
        entries = [normalise_log(item) for item in _items(req.body, "logs")]
    except SeedError as exc:
        raise bad_request(str(exc), "Invalid Log") from None
    for entry in entries:
        append_log(rt.app, dev, entry)
    return Response(201, {"count": len(entries)})


ROUTES: list[tuple[str, str, AdminHandler]] = [
    ("POST", "/devices", add_devices),
    ("POST", "/devices/{id}/logs", add_logs),
    ("POST", "/devices/{id}/assign", assign),
]
