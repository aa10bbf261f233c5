"""`/devicegroups`: the seven group types, targets, attributes, delete guards, restarts,
device assignment and the minimum supported deployment."""

from __future__ import annotations

import re
from typing import Any

from impops.emulator.impcentral.core import (
    GROUP_TYPES,
    PRODUCTION_LIKE,
    App,
    Request,
    Response,
    Route,
    check_string,
    filters,
    list_response,
    owned,
    reject_unknown,
    rel_id,
)
from impops.emulator.impcentral.jsonapi import (
    ApiError,
    Rec,
    attributes_of,
    bad_request,
    conflict,
    error_object,
    invalid_attribute,
    not_found,
    now_iso,
    parse_rel,
    permission_denied,
    rel,
    relationships_of,
    request_data,
)
from impops.emulator.impcentral.resources_devices import (
    assign_device,
    restart_device,
    unassign_device,
)

FIXTURE_TARGETS = {
    "pre_factoryfixture_devicegroup": ("pre_production_devicegroup", "pre_dut_devicegroup"),
    "factoryfixture_devicegroup": ("production_devicegroup", "dut_devicegroup"),
}
ENV_KEY = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


def _duplicate() -> ApiError:
    # Exact server text (impt spec/MessageHelper.js, O).
    return conflict("Duplicate Resource", "Devicegroups must have unique names.", "CX002")


def _env_vars(value: Any) -> Rec:
    if not isinstance(value, dict):
        raise invalid_attribute("env_vars", "must be a JSON object.")
    for key, item in value.items():
        if not ENV_KEY.match(key):
            raise invalid_attribute(
                "env_vars",
                f"key '{key}' must start with a letter and contain only letters, "
                "digits and underscores.",
            )
        if isinstance(item, bool) or not isinstance(item, str | int | float):
            raise invalid_attribute("env_vars", f"value of '{key}' must be a string or a number.")
    return dict(value)


def _targets(app: App, req: Request, gtype: str, product_id: str, rels: Rec) -> Rec:
    """Validated production/DUT targets: fixture types need both, of the paired types, in the
    same product; every other type may have none."""
    given = {name: parse_rel(rels.get(name)) for name in ("production_target", "dut_target")}
    if gtype not in FIXTURE_TARGETS:
        if any(given.values()):
            raise bad_request(
                "Only factory fixture device groups can have a production_target or dut_target.",
                "Invalid Relationship",
            )
        return {}
    out: Rec = {}
    for name, expected in zip(
        ("production_target", "dut_target"), FIXTURE_TARGETS[gtype], strict=True
    ):
        target = given[name]
        if target is None:
            raise bad_request(f"A {gtype} requires a {name}.", "Missing Relationship")
        group = owned(app, req, "devicegroups", target[1])
        if group["type"] != expected:
            raise bad_request(
                f"The {name} of a {gtype} must be a {expected}.", "Invalid Relationship"
            )
        if rel_id(group, "product") != product_id:
            raise bad_request(
                f"The {name} must belong to the same product.", "Invalid Relationship"
            )
        out[name] = rel(group["type"], group["id"])
    return out


def list_groups(app: App, req: Request, params: dict[str, str]) -> Response:
    wanted = filters(req, ("owner.id", "product.id", "type"))
    if "type" in wanted and wanted["type"] not in GROUP_TYPES:
        raise bad_request(
            f"filter[type] must be one of: {', '.join(GROUP_TYPES)}.", "Invalid Filter"
        )
    store = app.store
    if wanted.get("owner.id", req.caller) != req.caller:
        recs: list[Rec] = []
    elif "product.id" in wanted:
        recs = [
            r
            for r in store.records("devicegroups", "product", wanted["product.id"])
            if rel_id(r, "owner") == req.caller
        ]
    else:
        recs = store.records("devicegroups", "owner", req.caller)
    if "type" in wanted:
        recs = [r for r in recs if r["type"] == wanted["type"]]
    return list_response(app, req, "devicegroups", recs)


def create_group(app: App, req: Request, params: dict[str, str]) -> Response:
    data = request_data(req.body)
    gtype = data.get("type")
    if gtype not in GROUP_TYPES:
        raise bad_request(f"data.type must be one of: {', '.join(GROUP_TYPES)}.", "Invalid Type")
    attrs = attributes_of(data)
    rels = relationships_of(data)
    allowed = {"name", "description", "env_vars"}
    if gtype in PRODUCTION_LIKE:
        allowed |= {"region", "load_code_after_blessing"}
    reject_unknown(attrs, allowed, gtype)
    name = check_string(attrs, "name", min_len=1, max_len=80)
    if name is None:
        raise ApiError(400, "VX005", "Missing Attribute", "name: is required.")
    description = check_string(attrs, "description", max_len=255) or ""
    region = check_string(attrs, "region", min_len=1, max_len=80) or ""
    load = attrs.get("load_code_after_blessing", True)
    if not isinstance(load, bool):
        raise invalid_attribute("load_code_after_blessing", "must be a boolean.")
    env_vars = _env_vars(attrs.get("env_vars") or {})
    product_rel = parse_rel(rels.get("product"))
    if product_rel is None:
        raise bad_request("A device group requires a product relationship.", "Missing Relationship")
    product = owned(app, req, "products", product_rel[1])
    store = app.store
    if gtype != "development_devicegroup" and not store.account_auth[req.caller]["production"]:
        raise permission_denied(f"Creating a {gtype} requires a production-enabled account.")
    targets = _targets(app, req, gtype, product["id"], rels)
    if store.ids("devicegroups", "name", (product["id"], name.casefold())):
        raise _duplicate()
    now = store.created_now()
    me = rel("account", req.caller)
    attributes: Rec = {"name": name, "description": description, "region": region}
    if gtype in PRODUCTION_LIKE:
        attributes["load_code_after_blessing"] = load
    attributes.update({"env_vars": env_vars, "created_at": now, "updated_at": now})
    rec = store.add(
        "devicegroups",
        {
            "type": gtype,
            "id": store.new_id(),
            "attributes": attributes,
            "relationships": {
                "product": rel("product", product["id"]),
                "owner": me,
                "creator": dict(me),
                **targets,
            },
        },
    )
    return Response(201, {"data": app.doc(req, "devicegroups", rec)})


def get_group(app: App, req: Request, params: dict[str, str]) -> Response:
    rec = owned(app, req, "devicegroups", params["id"])
    return Response(200, {"data": app.doc(req, "devicegroups", rec)})


def update_group(app: App, req: Request, params: dict[str, str]) -> Response:
    rec = owned(app, req, "devicegroups", params["id"])
    data = request_data(req.body)
    gtype = rec["type"]
    if data.get("type") is not None and data["type"] != gtype:
        # Decision: the type is immutable; clients always send the current one.
        raise conflict(
            "Immutable Attribute",
            f"The type of a device group cannot be changed (it is {gtype}).",
            "CX004",
        )
    attrs = attributes_of(data)
    if "region" in attrs:
        raise invalid_attribute("region", "can only be set when the device group is created.")
    allowed = {"name", "description", "env_vars"}
    if gtype in PRODUCTION_LIKE:
        allowed.add("load_code_after_blessing")
    reject_unknown(attrs, allowed, gtype)
    name = check_string(attrs, "name", min_len=1, max_len=80)
    description = check_string(attrs, "description", max_len=255)
    env_vars = _env_vars(attrs["env_vars"] or {}) if "env_vars" in attrs else None
    load = attrs.get("load_code_after_blessing")
    if load is not None and not isinstance(load, bool):
        raise invalid_attribute("load_code_after_blessing", "must be a boolean.")
    rels = relationships_of(data)
    product_id = rel_id(rec, "product") or ""
    targets: Rec | None = None
    if any(parse_rel(rels.get(n)) for n in ("production_target", "dut_target")):
        targets = _targets(app, req, gtype, product_id, rels)
    store = app.store
    if name is not None:
        clash = store.ids("devicegroups", "name", (product_id, name.casefold()))
        if clash and clash != [rec["id"]]:
            raise _duplicate()
    with store.changing("devicegroups", rec):
        a = rec["attributes"]
        for key, value in (("name", name), ("description", description), ("env_vars", env_vars)):
            if value is not None:
                a[key] = value
        if load is not None:
            a["load_code_after_blessing"] = load
        if targets:
            rec["relationships"].update(targets)
        a["updated_at"] = now_iso()
    return Response(200, {"data": app.doc(req, "devicegroups", rec)})


def delete_group(app: App, req: Request, params: dict[str, str]) -> Response:
    rec = owned(app, req, "devicegroups", params["id"])
    store = app.store
    if store.ids("devices", "group", rec["id"]):
        raise conflict(
            "Dependent Devices Exist",
            "Cannot delete a devicegroup with assigned devices; unassign them first.",
            "CX005",
        )
    if store.ids("devicegroups", "target", rec["id"]):
        raise conflict(
            "Dependent Devicegroups Exist",
            "Cannot delete a devicegroup that is the production_target or dut_target of "
            "another devicegroup.",
            "CX003",
        )
    deployments = store.records("deployments", "group", rec["id"])
    if any(d["attributes"]["flagged"] for d in deployments):
        raise conflict(
            "Resource Flagged",
            "You cannot delete a devicegroup with flagged deployments; set the flagged "
            "attribute to false and try again.",
            "CX006",
        )
    # Decision: by default (--group-delete cascade) a group's deployments go with it, as
    # impCentral does since 2024 (issue 9); with --group-delete keep they outlive it as
    # "zombie" builds with no devicegroup relationship (issue 2; impt's `build cleanup
    # --zombie`). Webhooks belong to the group and always go.
    for dep in deployments:
        if app.group_delete == "cascade":
            store.remove("deployments", dep)
        else:
            with store.changing("deployments", dep) as zombie:
                zombie["relationships"].pop("devicegroup", None)
                zombie["attributes"]["updated_at"] = now_iso()
    for hook in store.records("webhooks", "group", rec["id"]):
        store.remove("webhooks", hook)
    store.remove("devicegroups", rec)
    return Response(204)


def _restart_all(app: App, req: Request, params: dict[str, str], conditional: bool) -> Response:
    rec = owned(app, req, "devicegroups", params["id"])
    for dev in app.store.records("devices", "group", rec["id"]):
        restart_device(app, dev, conditional=conditional)
    return Response(204)


def restart_group(app: App, req: Request, params: dict[str, str]) -> Response:
    return _restart_all(app, req, params, conditional=False)


def conditional_restart_group(app: App, req: Request, params: dict[str, str]) -> Response:
    return _restart_all(app, req, params, conditional=True)


def _device_refs(body: Any) -> list[str]:
    data = body.get("data") if isinstance(body, dict) else None
    if isinstance(data, dict):
        data = [data]
    if not isinstance(data, list) or not data:
        raise bad_request('The body must be {"data": [{"type": "device", "id": ...}, ...]}.')
    refs = [parse_rel(item) for item in data]
    if any(r is None for r in refs):
        raise bad_request("Every element of 'data' needs an 'id'.")
    return [r[1] for r in refs if r is not None]


def _bulk(errors: list[Rec]) -> Response:
    # Assignment is not atomic: the others succeed, and the failures come back as a 400 whose
    # elements carry their own status (impt's isMultipleEntitiesNotFoundError reads "404").
    if errors:
        raise ApiError(400, "VX010", "Bulk Operation Failed", "", errors=errors)
    return Response(204)


def assign_devices(app: App, req: Request, params: dict[str, str]) -> Response:
    group = owned(app, req, "devicegroups", params["id"])
    errors: list[Rec] = []
    for ref in _device_refs(req.body):
        dev = app.store.find_device(ref, req.caller)
        if dev is None:
            errors.append(error_object(404, "NF001", "Resource Not Found", f"No device '{ref}'."))
            continue
        problem = assign_device(app, dev, group, by_hand=True)
        if problem:
            errors.append(error_object(409, "CX007", "Invalid Assignment", problem))
    return _bulk(errors)


def unassign_devices(app: App, req: Request, params: dict[str, str]) -> Response:
    group = owned(app, req, "devicegroups", params["id"])
    if group["type"] == "production_devicegroup":
        key = req.header("x-electricimp-key")
        if key != app.store.account_auth[req.caller]["unbond_key"]:
            raise permission_denied(
                "Removing devices from a production device group needs the account's unbond "
                "key in X-Electricimp-Key."
            )
    errors: list[Rec] = []
    for ref in _device_refs(req.body):
        dev = app.store.find_device(ref, req.caller)
        if dev is None or rel_id(dev, "devicegroup") != group["id"]:
            errors.append(
                error_object(
                    404, "NF001", "Resource Not Found", f"No device '{ref}' in this group."
                )
            )
            continue
        unassign_device(app, dev)
    return _bulk(errors)


def set_min_supported(app: App, req: Request, params: dict[str, str]) -> Response:
    group = owned(app, req, "devicegroups", params["id"])
    target = parse_rel(req.body.get("data") if isinstance(req.body, dict) else None)
    if target is None:
        raise bad_request('The body must be {"data": {"type": "deployment", "id": ...}}.')
    dep = app.store.get("deployments", target[1])
    if dep is None or rel_id(dep, "owner") != req.caller:
        raise not_found("deployment", target[1])
    if rel_id(dep, "devicegroup") != group["id"]:
        raise conflict(
            "Invalid Deployment", "The deployment does not belong to this device group.", "CX008"
        )
    current = rel_id(group, "min_supported_deployment")
    current_rec = app.store.get("deployments", current) if current else None
    if current_rec is not None and dep["_seq"] < current_rec["_seq"]:
        raise conflict(
            "Invalid Deployment",
            "The minimum supported deployment cannot be older than the current one.",
            "CX009",
        )
    group["relationships"]["min_supported_deployment"] = rel("deployment", dep["id"])
    group["attributes"]["updated_at"] = now_iso()
    return Response(204)


ROUTES = [
    Route("GET", "/devicegroups", list_groups),
    Route("POST", "/devicegroups", create_group),
    Route("GET", "/devicegroups/{id}", get_group),
    Route("PATCH", "/devicegroups/{id}", update_group),
    Route("DELETE", "/devicegroups/{id}", delete_group),
    Route("POST", "/devicegroups/{id}/restart", restart_group),
    Route("POST", "/devicegroups/{id}/conditional_restart", conditional_restart_group),
    Route("POST", "/devicegroups/{id}/relationships/devices", assign_devices),
    Route("DELETE", "/devicegroups/{id}/relationships/devices", unassign_devices),
    Route("PUT", "/devicegroups/{id}/relationships/min_supported_deployment", set_min_supported),
]
