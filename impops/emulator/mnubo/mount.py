"""One Mnubo zone as a mount of the shared HTTP core: `/mnubo/sandbox` or `/mnubo/production`.

A client's base URL is the mount's URL (e.g. `http://127.0.0.1:8080/mnubo/sandbox`). Before
routing, repeated slashes collapse and a trailing slash goes (the Python client builds
`/api/v3//model/reset`); `HEAD /` answers 200 (the Python client probes the host first).
Bodies are JSON (gzip is undone by the core); an empty body, `null` and `{}` all mean "no
body" on body-less POSTs, whose handlers ignore them. Model writes are sandbox-only: in
production they answer 404 with a text body (decision M2).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from impops.emulator.http.bodies import BodyError, parse_json
from impops.emulator.http.messages import HttpError, Request, Response
from impops.emulator.http.routing import Router
from impops.emulator.mnubo import auth, deploy, events, model, model_writes, objects, owners
from impops.emulator.mnubo.errors import bad, text_error
from impops.emulator.mnubo.state import Ctx, Handler, MnuboState
from impops.emulator.mnubo.vocabulary import ENTITY_KINDS, KINDS, TYPE_KINDS

PREFIX = "/mnubo"
V3 = "/api/v3"
SANDBOX_ONLY = "This operation is only available in the sandbox."


@dataclass(frozen=True)
class Route:
    method: str
    pattern: str
    handler: Handler
    auth: bool = True
    sandbox_only: bool = False


def _routes() -> list[Route]:
    model_routes: list[Route] = [Route("GET", f"{V3}/model/export", model.get_export)]
    for kind in KINDS:
        base = f"{V3}/model/{kind}"
        model_routes += [
            Route("GET", base, model.list_kind(kind)),
            Route("POST", base, model_writes.create(kind), sandbox_only=True),
            Route("PUT", base + "/{key}", model_writes.update(kind), sandbox_only=True),
        ]
    for kind in TYPE_KINDS:
        entity = "timeseries" if kind == "eventTypes" else "objectAttributes"
        base = f"{V3}/model/{kind}/{{key}}"
        link = f"{base}/{entity}/{{entity}}"
        model_routes += [
            Route("DELETE", base, model_writes.delete_type(kind), sandbox_only=True),
            Route("POST", link, model_writes.relation(kind, True), sandbox_only=True),
            Route("DELETE", link, model_writes.relation(kind, False), sandbox_only=True),
        ]
    for kind in ENTITY_KINDS:
        base = f"{V3}/model/{kind}/{{key}}/deploy"
        model_routes += [
            Route("POST", base, deploy.deploy_code(kind), sandbox_only=True),
            Route("POST", base + "/{code}", deploy.apply_deploy_code(kind), sandbox_only=True),
        ]
    return [
        Route("POST", "/oauth/token", auth.token, auth=False),
        *model_routes,
        Route("POST", f"{V3}/model/reset", deploy.reset_code, sandbox_only=True),
        Route("POST", f"{V3}/model/reset/{{code}}", deploy.apply_reset_code, sandbox_only=True),
        # objects ("exists" routes first: `/objects/exists` is not an object id)
        Route("GET", f"{V3}/objects/exists/{{id}}", objects.exists_one),
        Route("POST", f"{V3}/objects/exists", objects.exists_many),
        Route("POST", f"{V3}/objects", objects.create_one),
        Route("PUT", f"{V3}/objects", objects.create_update),
        Route("PUT", f"{V3}/objects/{{id}}", objects.update_one),
        Route("DELETE", f"{V3}/objects/{{id}}", objects.delete_one),
        Route("POST", f"{V3}/objects/{{id}}/events", events.send_from_device),
        # events
        Route("POST", f"{V3}/events", events.send),
        Route("GET", f"{V3}/events/exists/{{id}}", events.exists_one),
        Route("POST", f"{V3}/events/exists", events.exists_many),
        # owners
        Route("GET", f"{V3}/owners/exists/{{username}}", owners.exists_one),
        Route("POST", f"{V3}/owners/exists", owners.exists_many),
        Route("POST", f"{V3}/owners/claim", owners.claim_many(True)),
        Route("POST", f"{V3}/owners/unclaim", owners.claim_many(False)),
        Route("POST", f"{V3}/owners", owners.create_one),
        Route("PUT", f"{V3}/owners", owners.create_update),
        Route("PUT", f"{V3}/owners/{{username}}", owners.update_one),
        Route("DELETE", f"{V3}/owners/{{username}}", owners.delete_one),
        # PUT per the Go client and its documentation anchor; POST as the Python mock uses it.
        Route("PUT", f"{V3}/owners/{{username}}/password", owners.password),
        Route("POST", f"{V3}/owners/{{username}}/password", owners.password),
        Route("POST", f"{V3}/owners/{{username}}/objects/{{id}}/claim", owners.claim_one(True)),
        Route("POST", f"{V3}/owners/{{username}}/objects/{{id}}/unclaim", owners.claim_one(False)),
    ]


ROUTES = _routes()
_SLASHES = re.compile(r"/{2,}")


def missing_route(status: int, method: str, path: str) -> HttpError:
    if status == 405:
        return text_error(405, f"Method {method} is not supported on {path}.")
    return text_error(404, f"Not found: {path}")


class MnuboZone:
    """The mount of one zone; both zones share one `MnuboState`."""

    rate_limited = False  # no rate limit is documented for Mnubo (reference §5)

    def __init__(self, state: MnuboState, zone: str, on_change: Callable[[], None]) -> None:
        self.state = state
        self.zone = zone
        self.prefix = f"{PREFIX}/{zone}"
        self.on_change = on_change
        self.router = Router([(r.method, r.pattern, r) for r in ROUTES], missing_route)

    def handle(self, req: Request) -> Response:
        path = _SLASHES.sub("/", req.path).rstrip("/") or "/"
        req.path = path
        if path == "/" and req.method in ("HEAD", "GET"):
            return Response(200)
        route, params = self.router.match(req.method, path)
        if route.sandbox_only and self.zone != "sandbox":
            raise text_error(404, SANDBOX_ONLY)
        if route.auth or (req.header("content-type") or "").startswith("application/json"):
            try:
                req.body = parse_json(req.raw)
            except BodyError as exc:
                raise bad(str(exc)) from None
        with self.state.lock:
            ctx = Ctx(self.state, self.state.zone(self.zone))
            if route.auth:
                req.account = auth.authenticate(ctx, req)
            resp: Response = route.handler(ctx, req, params)
        if req.method != "GET":
            self.on_change()
        return resp

    def error(self, status: int, title: str, detail: str) -> Response:
        return Response(status, f"{title}: {detail}")

    def log_path(self, path: str) -> str:
        return path  # Mnubo paths carry no credentials (deploy codes are single-use)
