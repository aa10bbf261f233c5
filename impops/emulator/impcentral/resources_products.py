"""`/products`: create, list (filter `owner.id`), get, update, delete."""

from __future__ import annotations

from impops.emulator.impcentral.core import (
    App,
    Request,
    Response,
    Route,
    check_string,
    filters,
    list_response,
    owned,
    reject_unknown,
)
from impops.emulator.impcentral.jsonapi import (
    ApiError,
    attributes_of,
    conflict,
    now_iso,
    parse_rel,
    permission_denied,
    rel,
    relationships_of,
    request_data,
)

WRITABLE = {"name", "description"}


def _duplicate() -> ApiError:
    # Exact server text (impt spec/MessageHelper.js, O).
    return conflict("Duplicate Resource", "Products must have unique names.", "CX002")


def list_products(app: App, req: Request, params: dict[str, str]) -> Response:
    wanted = filters(req, ("owner.id",))
    owner = wanted.get("owner.id", req.caller)
    recs = app.store.records("products", "owner", req.caller) if owner == req.caller else []
    return list_response(app, req, "products", recs)


def create_product(app: App, req: Request, params: dict[str, str]) -> Response:
    data = request_data(req.body)
    attrs = attributes_of(data)
    reject_unknown(attrs, WRITABLE, "product")
    name = check_string(attrs, "name", min_len=1, max_len=80)
    if name is None:
        raise ApiError(400, "VX005", "Missing Attribute", "name: is required.")
    description = check_string(attrs, "description", max_len=255) or ""
    owner_rel = parse_rel(relationships_of(data).get("owner"))
    if owner_rel is not None and owner_rel[1] not in ("me", req.caller):
        # Collaboration is not modelled: products can only be created for oneself.
        raise permission_denied("You may not create products for another account.")
    store = app.store
    if store.ids("products", "name", (req.caller, name.casefold())):
        raise _duplicate()
    now = store.created_now()
    me = rel("account", req.caller)
    rec = store.add(
        "products",
        {
            "type": "product",
            "id": store.new_id(),
            "attributes": {
                "name": name,
                "description": description,
                "created_at": now,
                "updated_at": now,
            },
            "relationships": {"owner": me, "creator": dict(me)},
        },
    )
    return Response(201, {"data": app.doc(req, "products", rec)})


def get_product(app: App, req: Request, params: dict[str, str]) -> Response:
    return Response(
        200, {"data": app.doc(req, "products", owned(app, req, "products", params["id"]))}
    )


def update_product(app: App, req: Request, params: dict[str, str]) -> Response:
    rec = owned(app, req, "products", params["id"])
    attrs = attributes_of(request_data(req.body))
    reject_unknown(attrs, WRITABLE, "product")
    name = check_string(attrs, "name", min_len=1, max_len=80)
    description = check_string(attrs, "description", max_len=255)
    store = app.store
    if name is not None:
        clash = store.ids("products", "name", (req.caller, name.casefold()))
        if clash and clash != [rec["id"]]:
            raise _duplicate()
    with store.changing("products", rec):
        if name is not None:
            rec["attributes"]["name"] = name
        if description is not None:
            rec["attributes"]["description"] = description
        rec["attributes"]["updated_at"] = now_iso()
    return Response(200, {"data": app.doc(req, "products", rec)})


def delete_product(app: App, req: Request, params: dict[str, str]) -> Response:
    rec = owned(app, req, "products", params["id"])
    store = app.store
    if store.ids("devicegroups", "product", rec["id"]):
        # Exact server text (impt spec, O).
        raise conflict(
            "Dependent Devicegroups Exist",
            "Cannot delete a product with associated devicegroups.",
            "CX003",
        )
    # Decision: zombie deployments (seeded legacy builds) go with their product.
    for dep in store.records("deployments", "product", rec["id"]):
        store.remove("deployments", dep)
    store.remove("products", rec)
    return Response(204)


ROUTES = [
    Route("GET", "/products", list_products),
    Route("POST", "/products", create_product),
    Route("GET", "/products/{id}", get_product),
    Route("PATCH", "/products/{id}", update_product),
    Route("DELETE", "/products/{id}", delete_product),
]
