"""The two-step challenge-code flows: deploying an entity to production, resetting the sandbox.

Step one (`POST .../deploy`, `POST /model/reset`) answers `{"code": ...}`; step two posts the
code back. Codes are opaque, single-use, valid `CODE_LIFETIME` seconds and bound to what they
were issued for; any other code gets 400 (decision M4).

How types reach production (reference §9.1, decision M1): deploying a timeseries or object
attribute copies it to production together with every type it is linked to in the sandbox at
that moment (created there when missing, otherwise given the sandbox's displayName,
description and origin) and those links. Links removed in the sandbox stay in production;
links added later reach production when the entity is deployed again, which is allowed at any
time. Owner attributes have no types and are copied alone.

Reset (decision M5) makes the sandbox model a copy of the production model and deletes the
sandbox's ingested objects, owners and events ("wipe all data not pushed to production").
"""

from __future__ import annotations

import copy
import secrets
import time
from typing import Any

from impops.emulator.http.messages import Request, Response
from impops.emulator.mnubo.errors import bad
from impops.emulator.mnubo.model_writes import ENTITY_TYPE_KIND, find, link
from impops.emulator.mnubo.state import CODE_LIFETIME, Ctx, Zone
from impops.emulator.mnubo.vocabulary import KINDS, RELATIONS

Rec = dict[str, Any]


def _issue(ctx: Ctx, purpose: Rec) -> Response:
    now = time.time()
    codes = ctx.state.codes
    for code in [c for c, entry in codes.items() if entry["expires"] <= now]:
        del codes[code]
    code = secrets.token_hex(8)
    codes[code] = {**purpose, "expires": now + CODE_LIFETIME}
    return Response(200, {"code": code})


def _redeem(ctx: Ctx, code: str, purpose: Rec, what: str) -> None:
    entry = ctx.state.codes.get(code)
    if entry is None or entry["expires"] <= time.time():
        raise bad(f"Invalid or expired {what} code.")
    if {k: entry.get(k) for k in purpose} != purpose:
        raise bad(f"The {what} code was issued for something else.")
    del ctx.state.codes[code]  # single use


def deploy_code(kind: str) -> Any:
    def handler(ctx: Ctx, req: Request, params: dict[str, str]) -> Response:
        rec = find(ctx.zone, kind, params["key"])
        return _issue(ctx, {"action": "deploy", "kind": kind, "key": rec["key"]})

    return handler


def apply_deploy_code(kind: str) -> Any:
    def handler(ctx: Ctx, req: Request, params: dict[str, str]) -> Response:
        rec = find(ctx.zone, kind, params["key"])
        _redeem(
            ctx, params["code"], {"action": "deploy", "kind": kind, "key": rec["key"]}, "deploy"
        )
        promote(ctx.zone, ctx.state.zone("production"), kind, rec["key"])
        return Response(200)

    return handler


def promote(sandbox: Zone, production: Zone, kind: str, key: str) -> None:
    """Copy an entity, its current types and its current links from sandbox to production."""
    entity = copy.deepcopy(sandbox.model[kind][key])
    kept = production.model[kind].get(key)
    if kept is None:
        production.model[kind][key] = entity
    else:  # the type never differs: it is immutable and deployed keys survive a reset
        kept.update(displayName=entity["displayName"], description=entity["description"])
    type_kind = ENTITY_TYPE_KIND.get(kind)
    if type_kind is None:
        return
    for type_key in sandbox.types_of(type_kind, key):
        source = copy.deepcopy(sandbox.model[type_kind][type_key])
        target = production.model[type_kind].setdefault(type_key, source)
        target.update(source)
        production.links[type_kind].setdefault(type_key, [])
        link(production, type_kind, type_key, key)


def reset_code(ctx: Ctx, req: Request, params: dict[str, str]) -> Response:
    return _issue(ctx, {"action": "reset"})


def apply_reset_code(ctx: Ctx, req: Request, params: dict[str, str]) -> Response:
    _redeem(ctx, params["code"], {"action": "reset"}, "reset")
    production = ctx.state.zone("production")
    sandbox = ctx.zone
    sandbox.model = {k: copy.deepcopy(production.model[k]) for k in KINDS}
    sandbox.links = {k: copy.deepcopy(production.links[k]) for k in RELATIONS}
    sandbox.objects.clear()
    sandbox.owners.clear()
    sandbox.events.clear()
    return Response(200)
