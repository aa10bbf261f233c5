"""The admin endpoints every emulated API shares, under `/_emulator/` (no auth).

Health, reset, faults, latency, rate limit, token expiry, the request log and the state dump
act on the whole emulator; each mount adds its own admin routes (impCentral devices and logs,
Mnubo model and data dumps). Admin errors are `{"errors": [{status, code, title, detail}]}`
documents, whatever the API the route belongs to, so that tests read them one way.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from impops.emulator.http.faults import Controls, parse_fault
from impops.emulator.http.messages import HttpError, Request, Response

Rec = dict[str, Any]
AdminHandler = Callable[[Request, dict[str, str]], Response]


class AdminHost(Protocol):
    """The emulator as the shared admin endpoints see it."""

    controls: Controls

    def reset(self) -> None: ...

    def state(self) -> Rec:
        """The whole state as JSON, without credentials' values."""
        ...

    def expire_tokens(self) -> int:
        """Expire every access token of every API; how many there were."""
        ...

    def urls(self, base_url: str) -> Rec:
        """The API base URLs, for the health answer."""
        ...


def admin_error(status: int, detail: str, title: str = "Invalid Request") -> HttpError:
    code = {400: "VX001", 404: "NF001", 409: "CX007"}.get(status, "XX500")
    body = {"errors": [{"status": str(status), "code": code, "title": title, "detail": detail}]}
    return HttpError(Response(status, body))


def missing_admin_route(status: int, method: str, path: str) -> HttpError:
    if status == 405:
        return admin_error(405, f"{method} is not supported on {path}.", "Method Not Allowed")
    return admin_error(404, f"No such admin endpoint: {path}", "Resource Not Found")


def routes(host: AdminHost) -> list[tuple[str, str, AdminHandler]]:
    """The shared admin routes, bound to `host`."""

    def health(req: Request, params: dict[str, str]) -> Response:
        return Response(200, {"status": "ok", **host.urls(req.base_url)})

    def reset(req: Request, params: dict[str, str]) -> Response:
        host.reset()
        return Response(200, {"status": "reset"})

    def add_fault(req: Request, params: dict[str, str]) -> Response:
        try:
            fault = parse_fault(req.body)
        except (TypeError, ValueError) as exc:
            raise admin_error(400, str(exc), "Invalid Fault") from None
        host.controls.faults.add(fault)
        return Response(201, {"faults": host.controls.faults.dump()})

    def list_faults(req: Request, params: dict[str, str]) -> Response:
        return Response(200, {"faults": host.controls.faults.dump()})

    def clear_faults(req: Request, params: dict[str, str]) -> Response:
        host.controls.faults.clear()
        return Response(204)

    def set_latency(req: Request, params: dict[str, str]) -> Response:
        ms = req.body.get("ms") if isinstance(req.body, dict) else None
        if isinstance(ms, bool) or not isinstance(ms, int) or ms < 0:
            raise admin_error(400, 'The body must be {"ms": <non-negative integer>}.')
        host.controls.latency_ms = ms
        return Response(200, {"ms": ms})

    def expire_tokens(req: Request, params: dict[str, str]) -> Response:
        return Response(200, {"expired": host.expire_tokens()})

    def set_rate_limit(req: Request, params: dict[str, str]) -> Response:
        if not isinstance(req.body, dict) or "limit" not in req.body:
            raise admin_error(400, 'The body must be {"limit": <positive integer or null>}.')
        limit = req.body["limit"]
        if limit is not None and (
            isinstance(limit, bool) or not isinstance(limit, int) or limit < 1
        ):
            raise admin_error(400, "limit must be a positive integer or null.")
        limiter = host.controls.ratelimiter
        with limiter.lock:
            limiter.limit = limit
            limiter.windows.clear()
        return Response(200, {"limit": limit})

    def get_requests(req: Request, params: dict[str, str]) -> Response:
        return Response(200, {"requests": host.controls.requests.dump()})

    def clear_requests(req: Request, params: dict[str, str]) -> Response:
        host.controls.requests.clear()
        return Response(204)

    def get_state(req: Request, params: dict[str, str]) -> Response:
        return Response(200, host.state())

    return [
        ("GET", "/health", health),
        ("POST", "/reset", reset),
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
