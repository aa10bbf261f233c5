"""The impCentral application object, routes and the helpers every impCentral handler uses.

`Request` and `Response` come from the shared HTTP core and are re-exported here because
every handler module imports them with the rest of its toolkit.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from operator import itemgetter
from typing import TYPE_CHECKING

from impops.emulator.http.messages import Request, Response
from impops.emulator.impcentral.jsonapi import (
    ApiError,
    Rec,
    bad_request,
    not_found,
    paginate,
    parse_page,
    resource,
)
from impops.emulator.impcentral.store import Store

__all__ = ["App", "Handler", "Request", "Response", "Route"]

if TYPE_CHECKING:
    from impops.emulator.impcentral.logstream import LogStreamHub

# The emulator spells the API's vocabulary out itself rather than importing impops.model: it is
# the oracle impops is tested against, so it must not inherit impops' mistakes.
GROUP_TYPES = (
    "development_devicegroup",
    "pre_factoryfixture_devicegroup",
    "pre_dut_devicegroup",
    "pre_production_devicegroup",
    "factoryfixture_devicegroup",
    "dut_devicegroup",
    "production_devicegroup",
)
PRODUCTION_LIKE = ("pre_production_devicegroup", "production_devicegroup")
FACTORY_TYPES = ("pre_factoryfixture_devicegroup", "factoryfixture_devicegroup")

# Resource kind (store collection) -> URL collection under /v5.
COLLECTION_PATHS = {
    "products": "/products",
    "devicegroups": "/devicegroups",
    "devices": "/devices",
    "deployments": "/deployments",
    "webhooks": "/webhooks",
    "accounts": "/accounts",
    "login_keys": "/accounts/me/login_keys",
    "refresh_tokens": "/accounts/me/refresh_tokens",
}
KIND_LABELS = {
    "products": "product",
    "devicegroups": "devicegroup",
    "devices": "device",
    "deployments": "deployment",
    "webhooks": "webhook",
    "accounts": "account",
    "login_keys": "login key",
    "refresh_tokens": "refresh token",
}


class App:
    """What handlers operate on: the store, configuration and the log-stream hub."""

    def __init__(
        self,
        store: Store,
        hub: LogStreamHub,
        token_lifetime: int,
        on_change: Callable[[], None],
        group_delete: str = "cascade",
    ) -> None:
        self.store = store
        self.hub = hub
        self.token_lifetime = token_lifetime
        # "cascade" (default): a deleted group's deployments go with it (impCentral since
        # 2024); "keep": they outlive it (impt's zombie builds). See docs/emulator.md.
        self.group_delete = group_delete
        self.on_change = on_change

    def url(self, req: Request, path: str) -> str:
        return f"{req.base_url}/v5{path}"

    def doc(self, req: Request, kind: str, rec: Rec) -> Rec:
        """The JSON:API resource object of a stored record."""
        return resource(rec, self.url(req, f"{COLLECTION_PATHS[kind]}/{rec['id']}"))


Handler = Callable[[App, Request, dict[str, str]], Response]


@dataclass(frozen=True)
class Route:
    method: str
    pattern: str  # e.g. "/products/{id}"; {name} matches one path segment
    handler: Handler
    auth: bool = True


def owned(app: App, req: Request, kind: str, ident: str) -> Rec:
    """A record of `kind` owned by the caller, else 404 (ids are scoped by type)."""
    rec = app.store.get(kind, ident)
    if rec is None or rec.get("relationships", {}).get("owner", {}).get("id") != req.account:
        raise not_found(KIND_LABELS[kind], ident)
    return rec


def related_group(app: App, req: Request, ref: tuple[str | None, str]) -> Rec:
    """The caller's device group a `devicegroup` relationship names (404), whose `type`, when
    given, must be the group's concrete type (400), as the official client always sends it."""
    group = owned(app, req, "devicegroups", ref[1])
    if ref[0] is not None and ref[0] != group["type"]:
        raise bad_request(
            f"The devicegroup relationship has type '{ref[0]}' but the device group is a "
            f"{group['type']}.",
            "Invalid Relationship",
        )
    return group


def device(app: App, req: Request, ident: str) -> Rec:
    """A device of the caller by id, MAC address or agent id, else 404."""
    rec = app.store.find_device(ident, req.account)
    if rec is None:
        raise not_found("device", ident)
    return rec


def filters(req: Request, allowed: tuple[str, ...]) -> dict[str, str]:
    """The `filter[...]` parameters; an unknown filter is a 400 (it would otherwise be ignored
    silently, and a client would act on an unfiltered list)."""
    out: dict[str, str] = {}
    for key, value in req.query.items():
        if not key.startswith("filter"):
            continue
        name = key[len("filter[") : -1] if key.startswith("filter[") and key.endswith("]") else ""
        if name not in allowed:
            raise bad_request(
                f"Unknown filter '{key}'. Supported: "
                + ", ".join(f"filter[{a}]" for a in allowed)
                + ".",
                "Invalid Filter",
            )
        out[name] = value
    return out


sort_key = itemgetter("_sort")  # "created_at|id", see store.set_sort_key


def list_response(
    app: App,
    req: Request,
    kind: str,
    recs: list[Rec],
    list_path: str | None = None,
    to_doc: Callable[[Rec], Rec] | None = None,
) -> Response:
    """A paginated list document: stable order (created_at, id) and absolute links."""
    page = parse_page(req.query)
    recs = sorted(recs, key=sort_key)
    chunk, links = paginate(recs, page, app.url(req, list_path or COLLECTION_PATHS[kind]))
    render = to_doc or (lambda rec: app.doc(req, kind, rec))
    return Response(200, {"data": [render(rec) for rec in chunk], "links": links})


def rel_id(rec: Rec, name: str) -> str | None:
    value = rec.get("relationships", {}).get(name)
    return value["id"] if value else None


def check_string(attrs: Rec, name: str, *, max_len: int, min_len: int = 0) -> str | None:
    """Validate an optional string attribute's type and length; None when absent."""
    if name not in attrs:
        return None
    value = attrs[name]
    if value is None and min_len == 0:
        return ""
    if not isinstance(value, str):
        raise ApiError(400, "VX002", "Invalid Attribute", f"{name}: must be a string.")
    if not min_len <= len(value) <= max_len:
        raise ApiError(
            400,
            "VX003",
            "Invalid Attribute",
            f"{name}: must be between {min_len} and {max_len} characters long.",
        )
    return value


def reject_unknown(attrs: Rec, allowed: set[str], what: str) -> None:
    unknown = sorted(set(attrs) - allowed)
    if unknown:
        raise ApiError(
            400,
            "VX004",
            "Invalid Attribute",
            f"{', '.join(unknown)}: not a writable attribute of a {what} here.",
        )
