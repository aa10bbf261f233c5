"""The composition root: one emulator instance's mounts, shared controls, admin API and state.

`Runtime` is the `Site` the HTTP core serves and the `AdminHost` of the shared admin routes.
It builds one mount per emulated API from the seed, combines their admin routes with the
shared ones, and combines their state into one `--state` file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from impops.emulator.http import admin as shared_admin
from impops.emulator.http.bodies import BodyError, parse_json
from impops.emulator.http.faults import Controls
from impops.emulator.http.messages import Request, Response
from impops.emulator.http.persistence import Persister
from impops.emulator.http.routing import Router
from impops.emulator.http.server import Mount
from impops.emulator.impcentral.mount import ImpCentral, missing_route
from impops.emulator.impcentral.seed import apply_seed, load_seed
from impops.emulator.mnubo import admin as mnubo_admin
from impops.emulator.mnubo.mount import MnuboZone
from impops.emulator.mnubo.state import ZONES, MnuboState

Rec = dict[str, Any]


class Runtime:
    """Everything one emulator instance holds: mounts, controls, admin routes, persistence."""

    def __init__(
        self,
        seed: str | Path | dict[str, Any] | None,
        state_file: str | Path | None,
        latency_ms: int,
        rate_limit: int | None,
        token_lifetime: int,
        group_delete: str = "cascade",
        mnubo: dict[str, Any] | None = None,
    ) -> None:
        loaded = load_seed(seed)
        # The seed's `mnubo:` section (or the `mnubo` argument, which wins) is Mnubo's; the
        # rest is impCentral's seed format, unchanged.
        self.seed = {k: v for k, v in loaded.items() if k != "mnubo"}
        self.controls = Controls(latency_ms, rate_limit)
        self.impcentral = ImpCentral(self.seed, token_lifetime, group_delete, self.changed)
        self.mnubo = MnuboState(mnubo if mnubo is not None else loaded.get("mnubo"), token_lifetime)
        self.mounts: list[Mount] = [
            self.impcentral,
            *(MnuboZone(self.mnubo, zone, self.changed) for zone in ZONES),
        ]
        self.persister = (
            Persister(self.snapshot, self.restore, Path(state_file)) if state_file else None
        )
        self.admin = Router(
            [
                *shared_admin.routes(self),
                *self.impcentral.admin_routes(),
                *mnubo_admin.routes(self.mnubo),
            ],
            shared_admin.missing_admin_route,
        )
        if self.persister is None or not self.persister.load():
            with self.impcentral.store.lock:
                apply_seed(self.impcentral.store, self.seed)

    # --- Site ----------------------------------------------------------------------------

    def handle_admin(self, req: Request) -> Response:
        try:
            req.body = parse_json(req.raw)
        except BodyError as exc:
            raise shared_admin.admin_error(400, str(exc)) from None
        handler, params = self.admin.match(req.method, req.path)
        resp: Response = handler(req, params)
        if req.method != "GET":
            self.changed()
        return resp

    def not_found(self, path: str) -> Response:
        exc = missing_route(404, "GET", path)
        return Response(exc.status, exc.document())

    # --- AdminHost -----------------------------------------------------------------------

    def changed(self) -> None:
        if self.persister is not None:
            self.persister.mark_dirty()

    def reset(self) -> None:
        """Back to the seed: every API's state, faults, request log, latency and rate limit."""
        self.impcentral.reset()
        self.mnubo.reset()
        self.controls.reset()
        self.changed()

    def state(self) -> Rec:
        return {**self.impcentral.dump(), "mnubo": self.mnubo.dump()}

    def expire_tokens(self) -> int:
        return self.impcentral.expire_tokens() + self.mnubo.expire_tokens()

    def urls(self, base_url: str) -> Rec:
        return {"v5": f"{base_url}/v5", **{f"mnubo_{z}": f"{base_url}/mnubo/{z}" for z in ZONES}}

    # --- persistence ---------------------------------------------------------------------

    def snapshot(self) -> Rec:
        """The `--state` file: impCentral's snapshot at the top level (format 1, as before
        Mnubo existed) plus Mnubo's under `mnubo`; a file without it restores Mnubo's seed."""
        return {**self.impcentral.snapshot(), "mnubo": self.mnubo.snapshot()}

    def restore(self, state: Rec) -> None:
        self.impcentral.restore(state)
        if "mnubo" in state:
            self.mnubo.restore(state["mnubo"])
