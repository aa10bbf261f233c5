"""Mnubo's admin endpoints under `/_emulator/mnubo/{zone}` (no auth), for tests and demos.

They read a zone's model and data without OAuth, and put a zone's model into any state (a
drifted production, say) without the sandbox-only rules. Owners never show their password.
"""

from __future__ import annotations

from impops.emulator.http.admin import AdminHandler, admin_error
from impops.emulator.http.messages import Request, Response
from impops.emulator.mnubo.model import export, load_export
from impops.emulator.mnubo.state import ZONES, MnuboState, Zone, public_owner


def routes(state: MnuboState) -> list[tuple[str, str, AdminHandler]]:
    def zone(params: dict[str, str]) -> Zone:
        if params["zone"] not in ZONES:
            raise admin_error(404, f"No Mnubo zone '{params['zone']}'.", "Resource Not Found")
        return state.zone(params["zone"])

    def dump(req: Request, params: dict[str, str]) -> Response:
        with state.lock:
            z = zone(params)
            return Response(
                200,
                {
                    "model": export(z),
                    "objects": list(z.objects.values()),
                    "owners": [public_owner(o) for o in z.owners.values()],
                    "events": list(z.events.values()),
                },
            )

    def part(name: str) -> AdminHandler:
        def handler(req: Request, params: dict[str, str]) -> Response:
            with state.lock:
                body = dump(req, params).body
                return Response(200, body[name])

        return handler

    def put_model(req: Request, params: dict[str, str]) -> Response:
        with state.lock:
            z = zone(params)
            try:
                load_export(z, req.body)
            except (ValueError, TypeError, KeyError, AttributeError) as exc:
                raise admin_error(400, f"Not a Mnubo export: {exc}", "Invalid Model") from None
            return Response(200, export(z))

    return [
        ("GET", "/mnubo/{zone}", dump),
        ("GET", "/mnubo/{zone}/model", part("model")),
        ("PUT", "/mnubo/{zone}/model", put_model),
        ("GET", "/mnubo/{zone}/objects", part("objects")),
        ("GET", "/mnubo/{zone}/owners", part("owners")),
        ("GET", "/mnubo/{zone}/events", part("events")),
    ]
