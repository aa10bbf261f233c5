"""`/devices`: seeded devices addressed by id, MAC or agent id; assignment and restart rules;
historical logs (newest first)."""

from __future__ import annotations

import re

from impops.emulator.impcentral.core import (
    FACTORY_TYPES,
    PRODUCTION_LIKE,
    App,
    Request,
    Response,
    Route,
    device,
    filters,
    list_response,
    reject_unknown,
    rel_id,
)
from impops.emulator.impcentral.jsonapi import (
    Rec,
    bad_request,
    conflict,
    invalid_attribute,
    now_iso,
    paginate,
    parse_page,
    rel,
    request_data,
)

AGENT_URL = "https://agent.electricimp.com/"


def log_type(app: App, dev: Rec) -> str:
    """`production` for devices in a production group, else `development` (reference 9)."""
    group_id = rel_id(dev, "devicegroup")
    group = app.store.get("devicegroups", group_id) if group_id else None
    return "production" if group and group["type"] == "production_devicegroup" else "development"


def append_log(app: App, dev: Rec, entry: Rec) -> None:
    """Record a log line for a device and push it to the log streams that watch it."""
    app.store.device_logs.setdefault(dev["id"], []).append(entry)
    app.hub.publish(dev["id"], {**entry, "log_type": log_type(app, dev)})


def assign_device(app: App, dev: Rec, group: Rec, *, by_hand: bool) -> str | None:
    """Put `dev` into `group`; returns the reason when the rules forbid it.

    Rules (reference 3.4, ProductionGuide): devices reach (pre-)production groups by blessing,
    so by hand they can only move between (pre-)production groups of the same product; a
    production device leaves its group only through unassign with the unbond key; imp001
    devices are not allowed in factory fixture groups.
    """
    store = app.store
    current_id = rel_id(dev, "devicegroup")
    if current_id == group["id"]:
        return None
    current = store.get("devicegroups", current_id) if current_id else None
    gtype = group["type"]
    if gtype in FACTORY_TYPES and dev["attributes"]["imp_type"] == "imp001":
        return f"imp001 devices cannot be assigned to a {gtype}."
    if by_hand and gtype in PRODUCTION_LIKE:
        same_product = current is not None and rel_id(current, "product") == rel_id(
            group, "product"
        )
        if current is None or current["type"] not in PRODUCTION_LIKE or not same_product:
            return (
                f"Devices cannot be assigned by hand to a {gtype}: blessing assigns them. They "
                "can only be moved between (pre-)production groups of the same product."
            )
    leaving_production = current is not None and current["type"] == "production_devicegroup"
    if by_hand and leaving_production and gtype not in PRODUCTION_LIKE:
        return "Production devices must first be removed from their group with the unbond key."
    now = now_iso()
    with store.changing("devices", dev):
        attrs = dev["attributes"]
        if not dev.get("_agent_id"):
            dev["_agent_id"] = store.new_agent_id()  # first assignment: for the device's life
        attrs["agent_id"] = dev["_agent_id"]
        attrs["agent_state_changed_at"] = now
        attrs["agent_url"] = AGENT_URL + attrs["agent_id"]
        attrs["agent_running"] = True
        attrs["updated_at"] = now
        dev["relationships"]["devicegroup"] = rel(gtype, group["id"])
        dev["relationships"]["product"] = rel("product", rel_id(group, "product") or "")
        dev.pop("_running", None)
    return None


def unassign_device(app: App, dev: Rec) -> None:
    """Make `dev` unassigned again: no group, no product, no running agent.

    The agent id is kept (and still resolves) for when the device joins a group again.
    """
    now = now_iso()
    with app.store.changing("devices", dev):
        attrs = dev["attributes"]
        attrs.update(agent_id="", agent_url="", agent_running=False)
        attrs["agent_state_changed_at"] = attrs["updated_at"] = now
        dev["relationships"].pop("devicegroup", None)
        dev["relationships"].pop("product", None)
        dev.pop("_running", None)


def restart_device(app: App, dev: Rec, *, conditional: bool) -> None:
    """Restart (picks up the group's current deployment) or conditionally restart a device.

    Conditional (reference 3.4): a device already running the min supported deployment or
    newer only gets SHUTDOWN_NEWSQUIRREL; one on an older deployment is restarted.
    """
    store = app.store
    group = store.get("devicegroups", rel_id(dev, "devicegroup") or "")
    if group is None:
        return
    current = rel_id(group, "current_deployment")
    if conditional:
        running = store.get("deployments", dev.get("_running") or "")
        minimum = store.get("deployments", rel_id(group, "min_supported_deployment") or "")
        if running is not None and (minimum is None or running["_seq"] >= minimum["_seq"]):
            append_log(
                app, dev, {"ts": now_iso(), "type": "status", "msg": "SHUTDOWN_NEWSQUIRREL sent"}
            )
            return
    dev["_running"] = current
    dev["attributes"]["agent_state_changed_at"] = now_iso()
    append_log(app, dev, {"ts": now_iso(), "type": "status", "msg": "Agent restarted: reload."})
    code = store.get("deployments", current or "")
    if code is not None and dev["attributes"].get("device_online"):
        _run(app, dev, code["attributes"]["agent_code"], "agent")
        _run(app, dev, code["attributes"]["device_code"], "server")


# A string-literal argument of server.log(...) / server.error(...), with Squirrel escapes.
_LOG_CALL = re.compile(r'server\.(log|error)\(\s*"((?:[^"\\\n]|\\.)*)"\s*\)')
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\", "'": "'", "0": ""}


def _run(app: App, dev: Rec, code: str, side: str) -> None:
    """Emit the literal server.log/server.error lines of deployed code, as the device and agent
    would after a restart ([SPEC] logstreams.spec.js expects them). No Squirrel is executed."""
    for level, literal in _LOG_CALL.findall(code):
        msg = re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), m.group(1)), literal)
        append_log(app, dev, {"ts": now_iso(), "type": f"{side}.{level}", "msg": msg})


def list_devices(app: App, req: Request, params: dict[str, str]) -> Response:
    wanted = filters(
        req,
        ("owner.id", "product.id", "devicegroup.id", "devicegroup.owner.id", "devicegroup.type"),
    )
    store = app.store
    if wanted.get("owner.id", req.caller) != req.caller:
        recs: list[Rec] = []
    elif "devicegroup.id" in wanted:
        recs = store.records("devices", "group", wanted["devicegroup.id"])
    elif wanted.get("devicegroup.owner.id") == "null":
        # The literal value null selects unassigned devices (reference 3.4).
        recs = store.records("devices", "group", None)
    elif "product.id" in wanted:
        recs = [
            d
            for gid in store.ids("devicegroups", "product", wanted["product.id"])
            for d in store.records("devices", "group", gid)
        ]
    else:
        recs = store.records("devices", "owner", req.caller)
    recs = [d for d in recs if rel_id(d, "owner") == req.caller]
    group_owner = wanted.get("devicegroup.owner.id")
    if group_owner == "null":
        recs = [d for d in recs if rel_id(d, "devicegroup") is None]
    elif group_owner is not None:
        recs = [d for d in recs if rel_id(d, "devicegroup") and group_owner == req.caller]
    if "product.id" in wanted:
        recs = [d for d in recs if rel_id(d, "product") == wanted["product.id"]]
    if "devicegroup.type" in wanted:
        recs = [
            d
            for d in recs
            if (d["relationships"].get("devicegroup") or {}).get("type")
            == wanted["devicegroup.type"]
        ]
    return list_response(app, req, "devices", recs)


def get_device(app: App, req: Request, params: dict[str, str]) -> Response:
    return Response(200, {"data": app.doc(req, "devices", device(app, req, params["id"]))})


def update_device(app: App, req: Request, params: dict[str, str]) -> Response:
    dev = device(app, req, params["id"])
    # data.id may be the MAC or agent id the client addressed the device by: not checked.
    attrs = request_data(req.body).get("attributes") or {}
    reject_unknown(attrs, {"name"}, "device")
    if "name" in attrs:
        name = attrs["name"]
        if name is not None and (not isinstance(name, str) or len(name) > 80):
            raise invalid_attribute("name", "must be a string of at most 80 characters.")
        dev["attributes"]["name"] = name or None  # "" clears the name
        dev["attributes"]["updated_at"] = now_iso()
    return Response(200, {"data": app.doc(req, "devices", dev)})


def delete_device(app: App, req: Request, params: dict[str, str]) -> Response:
    dev = device(app, req, params["id"])
    group = app.store.get("devicegroups", rel_id(dev, "devicegroup") or "")
    if group is not None and group["type"] == "production_devicegroup":
        raise conflict("Production Device", "Production devices cannot be deleted.", "CX011")
    app.hub.forget_device(dev["id"])
    app.store.remove("devices", dev)
    app.store.device_logs.pop(dev["id"], None)
    return Response(204)


def _restart(app: App, req: Request, params: dict[str, str], conditional: bool) -> Response:
    dev = device(app, req, params["id"])
    if rel_id(dev, "devicegroup") is None:
        raise conflict("Device Not Assigned", "Unassigned devices cannot be restarted.", "CX012")
    restart_device(app, dev, conditional=conditional)
    return Response(204)


def restart(app: App, req: Request, params: dict[str, str]) -> Response:
    return _restart(app, req, params, conditional=False)


def conditional_restart(app: App, req: Request, params: dict[str, str]) -> Response:
    return _restart(app, req, params, conditional=True)


def get_logs(app: App, req: Request, params: dict[str, str]) -> Response:
    dev = device(app, req, params["id"])
    if any(k.startswith("filter") for k in req.query):
        raise bad_request("Device logs support no filters.", "Invalid Filter")
    logs = list(reversed(app.store.device_logs.get(dev["id"], [])))  # newest first
    page = parse_page(req.query)
    chunk, links = paginate(logs, page, app.url(req, f"/devices/{params['id']}/logs"))
    return Response(200, {"data": [dict(entry) for entry in chunk], "links": links})


ROUTES = [
    Route("GET", "/devices", list_devices),
    Route("GET", "/devices/{id}", get_device),
    Route("PATCH", "/devices/{id}", update_device),
    Route("DELETE", "/devices/{id}", delete_device),
    Route("POST", "/devices/{id}/restart", restart),
    Route("POST", "/devices/{id}/conditional_restart", conditional_restart),
    Route("GET", "/devices/{id}/logs", get_logs),
]
