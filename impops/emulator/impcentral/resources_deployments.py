"""`/deployments`: immutable code, sha, tags, flagging, current/min-supported bookkeeping and
the delete rules."""

from __future__ import annotations

import hashlib
import re
from typing import Any

from impops.emulator.impcentral.core import (
    App,
    Request,
    Response,
    Route,
    filters,
    list_response,
    owned,
    reject_unknown,
    rel_id,
    related_group,
)
from impops.emulator.impcentral.jsonapi import (
    ApiError,
    Rec,
    attributes_of,
    bad_request,
    conflict,
    invalid_attribute,
    now_iso,
    parse_rel,
    rel,
    relationships_of,
    request_data,
)
from impops.emulator.impcentral.store import Store

TAG = re.compile(r"^[A-Za-z0-9_\-*.]+$")
MAX_TAG_CHARS = 500
CREATE_ATTRS = {"device_code", "agent_code", "description", "origin", "flagged", "tags"}
UPDATE_ATTRS = {"description", "flagged", "tags"}
IMMUTABLE = {"device_code", "agent_code", "origin", "sha", "created_at", "updated_at"}


def sha_of(device_code: str, agent_code: str) -> str:
    """Decision: SHA-256 over the UTF-8 bytes of device_code followed by agent_code."""
    return hashlib.sha256((device_code + agent_code).encode("utf-8")).hexdigest()


def _tags(value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(t, str) for t in value):
        raise invalid_attribute("tags", "must be an array of strings.")
    for tag in value:
        if not TAG.match(tag):
            raise invalid_attribute(
                "tags", f"'{tag}' may contain only letters, digits, '_', '-', '*' and '.'."
            )
    if sum(len(t) for t in value) > MAX_TAG_CHARS:
        raise invalid_attribute("tags", f"may not exceed {MAX_TAG_CHARS} characters in total.")
    return list(value)


def _string(attrs: Rec, name: str, default: str = "") -> str:
    value = attrs.get(name, default)
    if value is None:
        return default
    if not isinstance(value, str):
        raise invalid_attribute(name, "must be a string.")
    return value


def new_deployment(
    store: Store, account: str, product_id: str, group: Rec | None, attrs: Rec
) -> Rec:
    """Validate create attributes and store a deployment (group None: a seeded zombie)."""
    for name in ("device_code", "agent_code"):
        if not isinstance(attrs.get(name), str):
            raise ApiError(400, "VX005", "Missing Attribute", f"{name}: is required (a string).")
        if "\u0000" in attrs[name]:
            # Real server text (electricimp/Builder issue #76).
            raise ApiError(
                400,
                "VX006",
                "Invalid Character",
                "The value may not contain embedded NUL (\\u0000).",
            )
    flagged = attrs.get("flagged", False)
    if not isinstance(flagged, bool):
        raise invalid_attribute("flagged", "must be a boolean.")
    now = store.created_now()
    me = rel("account", account)
    rels: Rec = {"owner": me, "creator": dict(me), "product": rel("product", product_id)}
    if group is not None:
        rels["devicegroup"] = rel(group["type"], group["id"])
    if flagged:
        rels["flagger"] = dict(me)
    return store.add(
        "deployments",
        {
            "type": "deployment",
            "id": store.new_id(),
            "attributes": {
                "device_code": attrs["device_code"],
                "agent_code": attrs["agent_code"],
                "sha": sha_of(attrs["device_code"], attrs["agent_code"]),
                "description": _string(attrs, "description"),
                "origin": _string(attrs, "origin"),
                "flagged": flagged,
                "tags": _tags(attrs.get("tags") or []),
                "created_at": now,
                "updated_at": now,
            },
            "relationships": rels,
        },
    )


def list_deployments(app: App, req: Request, params: dict[str, str]) -> Response:
    wanted = filters(
        req,
        (
            "owner.id",
            "creator.id",
            "product.id",
            "devicegroup.id",
            "sha",
            "flagged",
            "flagger.id",
            "tags",
        ),
    )
    flagged = wanted.get("flagged", "any")
    if flagged not in ("true", "false", "any"):
        raise bad_request("filter[flagged] must be true, false or any.", "Invalid Filter")
    store = app.store
    if wanted.get("owner.id", req.caller) != req.caller:
        recs: list[Rec] = []
    elif "devicegroup.id" in wanted:
        recs = store.records("deployments", "group", wanted["devicegroup.id"])
    elif "product.id" in wanted:
        recs = store.records("deployments", "product", wanted["product.id"])
    else:
        recs = store.records("deployments", "owner", req.caller)
    recs = [d for d in recs if rel_id(d, "owner") == req.caller]
    for name in ("creator", "product", "devicegroup", "flagger"):
        if f"{name}.id" in wanted:
            recs = [d for d in recs if rel_id(d, name) == wanted[f"{name}.id"]]
    if "sha" in wanted:
        recs = [d for d in recs if d["attributes"]["sha"] == wanted["sha"]]
    if flagged != "any":
        recs = [d for d in recs if d["attributes"]["flagged"] == (flagged == "true")]
    if wanted.get("tags"):
        required = {t for t in wanted["tags"].split(",") if t}  # a deployment needs all of them
        recs = [d for d in recs if required <= set(d["attributes"]["tags"])]
    return list_response(app, req, "deployments", recs)


def create_deployment(app: App, req: Request, params: dict[str, str]) -> Response:
    data = request_data(req.body)
    attrs = attributes_of(data)
    reject_unknown(attrs, CREATE_ATTRS, "deployment")
    group_ref = parse_rel(relationships_of(data).get("devicegroup"))
    if group_ref is None:
        raise bad_request(
            "A deployment requires a devicegroup relationship.", "Missing Relationship"
        )
    group = related_group(app, req, group_ref)
    rec = new_deployment(app.store, req.caller, rel_id(group, "product") or "", group, attrs)
    # The newest deployment is the group's current one; the first also becomes the minimum
    # supported (decision, see docs/emulator.md).
    group["relationships"]["current_deployment"] = rel("deployment", rec["id"])
    group["relationships"].setdefault("min_supported_deployment", rel("deployment", rec["id"]))
    return Response(201, {"data": app.doc(req, "deployments", rec)})


def get_deployment(app: App, req: Request, params: dict[str, str]) -> Response:
    rec = owned(app, req, "deployments", params["id"])
    return Response(200, {"data": app.doc(req, "deployments", rec)})


def update_deployment(app: App, req: Request, params: dict[str, str]) -> Response:
    rec = owned(app, req, "deployments", params["id"])
    attrs = attributes_of(request_data(req.body))
    for name in sorted(IMMUTABLE & set(attrs)):
        raise invalid_attribute(name, "can only be set at Deployment creation.")
    reject_unknown(attrs, UPDATE_ATTRS, "deployment")
    a = rec["attributes"]
    if "description" in attrs:
        a["description"] = _string(attrs, "description")
    if "tags" in attrs:
        a["tags"] = _tags(attrs["tags"] or [])  # the whole array is replaced
    if "flagged" in attrs:
        if not isinstance(attrs["flagged"], bool):
            raise invalid_attribute("flagged", "must be a boolean.")
        a["flagged"] = attrs["flagged"]
        if attrs["flagged"]:
            rec["relationships"]["flagger"] = rel("account", req.caller)
        else:
            rec["relationships"].pop("flagger", None)
    a["updated_at"] = now_iso()
    return Response(200, {"data": app.doc(req, "deployments", rec)})


def delete_deployment(app: App, req: Request, params: dict[str, str]) -> Response:
    rec = owned(app, req, "deployments", params["id"])
    store = app.store
    if rec["attributes"]["flagged"]:
        # Exact server text (impt spec/MessageHelper.js, O).
        raise conflict(
            "Resource Flagged",
            "You cannot delete flagged deployments; set the flagged attribute to false and "
            "try again.",
            "CX013",
        )
    group = store.get("devicegroups", rel_id(rec, "devicegroup") or "")
    if group is not None:
        minimum = store.get("deployments", rel_id(group, "min_supported_deployment") or "")
        if minimum is not None and rec["_seq"] >= minimum["_seq"]:
            raise conflict(
                "Deployment In Use",
                "You cannot delete a device group's min_supported_deployment or a newer "
                "deployment.",
                "CX014",
            )
    store.remove("deployments", rec)
    return Response(204)


ROUTES = [
    Route("GET", "/deployments", list_deployments),
    Route("POST", "/deployments", create_deployment),
    Route("GET", "/deployments/{id}", get_deployment),
    Route("PATCH", "/deployments/{id}", update_deployment),
    Route("DELETE", "/deployments/{id}", delete_deployment),
]
