"""`/webhooks`: events per group type, content types, URL validation; `event` is fixed."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from impops.emulator.impcentral.core import (
    PRODUCTION_LIKE,
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
    invalid_attribute,
    now_iso,
    parse_rel,
    rel,
    relationships_of,
    request_data,
)

EVENTS = ("blessing", "blinkup", "deployment")
CONTENT_TYPES = ("application/json", "application/x-www-form-urlencoded")


def _url(value: Any) -> str:
    parts = urlsplit(value) if isinstance(value, str) else None
    if (
        parts is None
        or parts.scheme not in ("http", "https")
        or not parts.hostname
        or any(c.isspace() for c in value)
        or len(value) > 2048
    ):
        # Exact server text for `invalidurl` (impt spec/MessageHelper.js, O).
        raise ApiError(400, "VX007", "Invalid URL", "The provided URL is invalid.")
    return str(value)


def _content_type(value: Any) -> str:
    if value not in CONTENT_TYPES:
        raise invalid_attribute("content_type", f"must be one of: {', '.join(CONTENT_TYPES)}.")
    return str(value)


def list_webhooks(app: App, req: Request, params: dict[str, str]) -> Response:
    wanted = filters(req, ("devicegroup.id",))
    store = app.store
    if "devicegroup.id" in wanted:
        recs = store.records("webhooks", "group", wanted["devicegroup.id"])
        recs = [r for r in recs if rel_id(r, "owner") == req.caller]
    else:
        recs = store.records("webhooks", "owner", req.caller)
    return list_response(app, req, "webhooks", recs)


def create_webhook(app: App, req: Request, params: dict[str, str]) -> Response:
    data = request_data(req.body)
    attrs = attributes_of(data)
    reject_unknown(attrs, {"url", "event", "content_type"}, "webhook")
    for name in ("url", "event", "content_type"):
        if name not in attrs:
            raise ApiError(400, "VX005", "Missing Attribute", f"{name}: is required.")
    url = _url(attrs["url"])
    event = attrs["event"]
    if event not in EVENTS:
        raise invalid_attribute("event", f"must be one of: {', '.join(EVENTS)}.")
    content_type = _content_type(attrs["content_type"])
    group_ref = parse_rel(relationships_of(data).get("devicegroup"))
    if group_ref is None:
        raise bad_request("A webhook requires a devicegroup relationship.", "Missing Relationship")
    group = related_group(app, req, group_ref)
    if event in ("blessing", "blinkup") and group["type"] not in PRODUCTION_LIKE:
        # Decision from the webhook guide: blessing/blinkup exist only on (pre-)production.
        raise invalid_attribute(
            "event",
            f"{event} webhooks are only available on production and pre-production device groups.",
        )
    now = app.store.created_now()
    me = rel("account", req.caller)
    rec = app.store.add(
        "webhooks",
        {
            "type": "webhook",
            "id": app.store.new_id(),
            "attributes": {
                "url": url,
                "event": event,
                "content_type": content_type,
                "created_at": now,
                "updated_at": now,
            },
            "relationships": {
                "devicegroup": rel(group["type"], group["id"]),
                "product": rel("product", rel_id(group, "product") or ""),
                "owner": me,
                "creator": dict(me),
            },
        },
    )
    return Response(201, {"data": app.doc(req, "webhooks", rec)})


def get_webhook(app: App, req: Request, params: dict[str, str]) -> Response:
    return Response(
        200, {"data": app.doc(req, "webhooks", owned(app, req, "webhooks", params["id"]))}
    )


def update_webhook(app: App, req: Request, params: dict[str, str]) -> Response:
    rec = owned(app, req, "webhooks", params["id"])
    attrs = attributes_of(request_data(req.body))
    if "event" in attrs:
        raise invalid_attribute("event", "cannot be changed; create a new webhook instead.")
    reject_unknown(attrs, {"url", "content_type"}, "webhook")
    updates: Rec = {}
    if "url" in attrs:
        updates["url"] = _url(attrs["url"])
    if "content_type" in attrs:
        updates["content_type"] = _content_type(attrs["content_type"])
    rec["attributes"].update(updates, updated_at=now_iso())
    return Response(200, {"data": app.doc(req, "webhooks", rec)})


def delete_webhook(app: App, req: Request, params: dict[str, str]) -> Response:
    app.store.remove("webhooks", owned(app, req, "webhooks", params["id"]))
    return Response(204)


ROUTES = [
    Route("GET", "/webhooks", list_webhooks),
    Route("POST", "/webhooks", create_webhook),
    Route("GET", "/webhooks/{id}", get_webhook),
    Route("PATCH", "/webhooks/{id}", update_webhook),
    Route("DELETE", "/webhooks/{id}", delete_webhook),
]
