"""The impCentral v5 API as a mount of the shared HTTP core: its state, routes and error shape.

Everything impCentral-specific that used to sit in the server lives here: JSON bodies are
mandatory-valid (400 otherwise), every request holds the store lock, bearer tokens are checked
for `auth=True` routes, resource answers are `application/vnd.api+json`, and errors (including
injected faults and 429s) are JSON:API `errors` documents.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from impops.emulator.http.admin import AdminHandler
from impops.emulator.http.bodies import BodyError, parse_json
from impops.emulator.http.messages import HttpError, Request, Response
from impops.emulator.http.routing import Router
from impops.emulator.impcentral import admin, auth, logstream
from impops.emulator.impcentral import resources_deployments as deployments
from impops.emulator.impcentral import resources_devices as devices
from impops.emulator.impcentral import resources_groups as groups
from impops.emulator.impcentral import resources_products as products
from impops.emulator.impcentral import resources_webhooks as webhooks
from impops.emulator.impcentral.core import App, Route
from impops.emulator.impcentral.jsonapi import ApiError, Rec, bad_request
from impops.emulator.impcentral.logstream import LogStreamHub
from impops.emulator.impcentral.seed import apply_seed
from impops.emulator.impcentral.store import Store

PREFIX = "/v5"
GROUP_DELETE_MODES = ("cascade", "keep")
VND = "application/vnd.api+json"

API_ROUTES: list[Route] = [
    *auth.ROUTES,
    *products.ROUTES,
    *groups.ROUTES,
    *devices.ROUTES,
    *deployments.ROUTES,
    *webhooks.ROUTES,
    *logstream.ROUTES,
]

_LOGIN_KEY_PATH = re.compile(r"(/login_keys/)[^/]+")


def missing_route(status: int, method: str, path: str) -> ApiError:
    """impCentral's answer for an unknown endpoint (404) or method (405)."""
    if status == 405:
        return ApiError(405, "VX405", "Method Not Allowed", f"{method} is not supported on {path}.")
    return ApiError(404, "NF002", "Resource Not Found", f"No such endpoint: {path}")


def error_response(exc: ApiError, path: str = "/") -> Response:
    return Response(exc.status, exc.document(), exc.headers, content_type=_content_type(path))


def _content_type(path: str) -> str:
    # Auth answers are plain JSON objects (reference 2.1); every other v5 answer is JSON:API.
    return "application/json" if path.startswith("/auth") else VND


class ImpCentral:
    """The impCentral mount: store, log-stream hub, application object and router."""

    prefix = PREFIX
    rate_limited = True

    def __init__(
        self,
        seed: dict[str, Any],
        token_lifetime: int,
        group_delete: str,
        on_change: Callable[[], None],
    ) -> None:
        if group_delete not in GROUP_DELETE_MODES:
            raise ValueError(f"group_delete must be one of {', '.join(GROUP_DELETE_MODES)}")
        self.seed = seed
        self.store = Store()
        self.hub = LogStreamHub()
        self.on_change = on_change
        self.app = App(self.store, self.hub, token_lifetime, on_change, group_delete)
        self.router = Router([(r.method, r.pattern, r) for r in API_ROUTES], missing_route)

    def reset(self) -> None:
        """Back to the seed; open log streams are closed."""
        self.hub.close_all()
        with self.store.lock:
            apply_seed(self.store, self.seed)

    # --- Mount ---------------------------------------------------------------------------

    def handle(self, req: Request) -> Response:
        try:
            try:
                # Clients send the literal `null` as the body of GET/DELETE/actions: fine.
                req.body = parse_json(req.raw)
            except BodyError as exc:
                raise bad_request(str(exc)) from None
            route, params = self.router.match(req.method, req.path)
            with self.store.lock:
                if route.auth:
                    req.account = auth.authenticate(self.app, req)
                resp: Response = route.handler(self.app, req, params)
        except ApiError as exc:
            raise HttpError(error_response(exc, req.path)) from None
        if req.method != "GET" and resp.status < 400:
            self.on_change()
        if resp.body is not None and resp.content_type is None:
            resp.content_type = _content_type(req.path)
        return resp

    def error(self, status: int, title: str, detail: str) -> Response:
        code = "XX429" if status == 429 else "XX500"
        return error_response(ApiError(status, code, title, detail))

    def log_path(self, path: str) -> str:
        # A login key's id is the key itself: never put it in a log.
        return _LOGIN_KEY_PATH.sub(r"\1(redacted)", path)

    # --- admin ---------------------------------------------------------------------------

    def admin_routes(self) -> list[tuple[str, str, AdminHandler]]:
        """impCentral's own admin routes, run under the store lock like API requests."""

        def bind(handler: admin.AdminHandler) -> AdminHandler:
            def run(req: Request, params: dict[str, str]) -> Response:
                try:
                    with self.store.lock:
                        return handler(self, req, params)
                except ApiError as exc:
                    raise HttpError(Response(exc.status, exc.document(), exc.headers)) from None

            return run

        return [(method, pattern, bind(handler)) for method, pattern, handler in admin.ROUTES]

    def expire_tokens(self) -> int:
        with self.store.lock:
            for entry in self.store.access_tokens.values():
                entry["expires"] = 0
            return len(self.store.access_tokens)

    def dump(self) -> Rec:
        """The state for `GET /_emulator/state`: token values and the RNG left out."""
        snapshot = dict(self.snapshot())
        # Token values are credentials: the dump shows how many there are, not what they are.
        snapshot["access_tokens"] = len(snapshot["access_tokens"])
        snapshot.pop("rng", None)
        return snapshot

    # --- persistence ---------------------------------------------------------------------

    def snapshot(self) -> Rec:
        with self.store.lock:
            return self.store.snapshot()

    def restore(self, state: Rec) -> None:
        with self.store.lock:
            self.store.restore(state)
