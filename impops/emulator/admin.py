"""Admin endpoints under `/_emulator/` (no auth): seeding, faults, latency, rate limit,
token expiry, the request log and a state dump. For tests and demos only; never part of v5."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from impops.emulator.core import Request, Response
from impops.emulator.faults import parse_fault
from impops.emulator.jsonapi import ApiError, Rec, bad_request, not_found
from impops.emulator.resources_devices import append_log, assign_device
from impops.emulator.seed import SeedError, add_device, normalise_log

if TYPE_CHECKING:
    from collections.abc import Callable

    from impops.emulator.runtime import Runtime

    AdminHandler = Callable[[Runtime, Request, dict[str, str]], Response]


def _items(body: Any, key: str) -> list[Any]:
    """Accept `{key: [...]}`, a bare list, or a single object."""
    if isinstance(body, dict) and key in body:
        body = body[key]
    if isinstance(body, dict):
        return [body]
    if isinstance(body, list):
        return body
    raise bad_request(f'The body must be {{"{key}": [...]}}, a list or one object.')


def health(rt: Runtime, req: Request, params: dict[str, str]) -> Response:
    return Response(200, {"status": "ok", "v5": f"{req.base_url}/v5"})


def reset(rt: Runtime, req: Request, params: dict[str, str]) -> Response:
    rt.reset()
    return Response(200, {"status": "reset"})


def add_devices(rt: Runtime, req: Request, params: dict[str, str]) -> Response:
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


def _place(rt: Runtime, dev: Rec, group_id: str) -> None:
    """Put a device into any group, as blessing or factory BlinkUp would (no by-hand rules)."""
    group = rt.store.get("devicegroups", group_id)
    if group is None:
        raise not_found("devicegroup", group_id)
    problem = assign_device(rt.app, dev, group, by_hand=False)
    if problem:
        raise ApiError(409, "CX007", "Invalid Assignment", problem)


def assign(rt: Runtime, req: Request, params: dict[str, str]) -> Response:
    dev = rt.store.find_device(params["id"])
    if dev is None:
        raise not_found("device", params["id"])
    group_id = req.body.get("devicegroup") if isinstance(req.body, dict) else None
    if not isinstance(group_id, str):
        raise bad_request('The body must be {"devicegroup": <group id>}.')
    _place(rt, dev, group_id)
    return Response(200, {"data": rt.app.doc(req, "devices", dev)})


def add_logs(rt: Runtime, req: Request, params: dict[str, str]) -> Response:
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


def add_fault(rt: Runtime, req: Request, params: dict[str, str]) -> Response:
    try:
        fault = parse_fault(req.body)
    except (TypeError, ValueError) as exc:
        raise bad_request(str(exc), "Invalid Fault") from None
    rt.faults.add(fault)
    return Response(201, {"faults": rt.faults.dump()})


def list_faults(rt: Runtime, req: Request, params: dict[str, str]) -> Response:
    return Response(200, {"faults": rt.faults.dump()})


def clear_faults(rt: Runtime, req: Request, params: dict[str, str]) -> Response:
    rt.faults.clear()
    return Response(204)


def set_latency(rt: Runtime, req: Request, params: dict[str, str]) -> Response:
    ms = req.body.get("ms") if isinstance(req.body, dict) else None
    if isinstance(ms, bool) or not isinstance(ms, int) or ms < 0:
        raise bad_request('The body must be {"ms": <non-negative integer>}.')
    rt.latency_ms = ms
    return Response(200, {"ms": ms})


def expire_tokens(rt: Runtime, req: Request, params: dict[str, str]) -> Response:
    tokens = rt.store.access_tokens
    for entry in tokens.values():
        entry["expires"] = 0
    return Response(200, {"expired": len(tokens)})


def set_rate_limit(rt: Runtime, req: Request, params: dict[str, str]) -> Response:
    if not isinstance(req.body, dict) or "limit" not in req.body:
        raise bad_request('The body must be {"limit": <positive integer or null>}.')
    limit = req.body["limit"]
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 1):
        raise bad_request("limit must be a positive integer or null.")
    with rt.ratelimiter.lock:
        rt.ratelimiter.limit = limit
        rt.ratelimiter.windows.clear()
    return Response(200, {"limit": limit})


def get_requests(rt: Runtime, req: Request, params: dict[str, str]) -> Response:
    return Response(200, {"requests": rt.requests.dump()})


def clear_requests(rt: Runtime, req: Request, params: dict[str, str]) -> Response:
    rt.requests.clear()
    return Response(204)


def get_state(rt: Runtime, req: Request, params: dict[str, str]) -> Response:
    snapshot = dict(rt.store.snapshot())
    # Token values are credentials: the dump shows how many there are, not what they are.
    snapshot["access_tokens"] = len(snapshot["access_tokens"])
    snapshot.pop("rng", None)
    return Response(200, snapshot)


ROUTES: list[tuple[str, str, AdminHandler]] = [
    ("GET", "/health", health),
    ("POST", "/reset", reset),
    ("POST", "/devices", add_devices),
    ("POST", "/devices/{id}/logs", add_logs),
    ("POST", "/devices/{id}/assign", assign),
    ("GET", "/faults", list_faults),
    ("POST", "/faults", add_fault),
    ("DELETE", "/faults", clear_faults),
    ("POST", "/latency", set_latency),
    ("POST", "/tokens/expire", expire_tokens),
    ("POST", "/ratelimit", set_rate_limit),
    ("GET", "/requests", get_requests),
    ("DELETE", "/requests", clear_requests),
    ("GET", "/state", get_state),
]
