"""JSON:API building blocks of the emulator: errors, documents, relationships and pagination.

impCentral is JSON:API-shaped with a few quirks every client depends on (see the reference,
section 11.1): relationships are a bare `{type, id}` (no `data` wrapper), absent relationships
are omitted rather than `null`, lists always carry absolute top-level `links`, and `next` is
absent on the last page. Everything that builds a response document lives here so that the
quirks are implemented once.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

Rec = dict[str, Any]

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100  # decision: larger sizes are clamped, not rejected


class ApiError(Exception):
    """An impCentral error response: HTTP status plus one or more JSON:API error objects."""

    def __init__(
        self,
        status: int,
        code: str,
        title: str,
        detail: str,
        meta: Any = None,
        *,
        errors: list[Rec] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(f"{title}: {detail}")
        self.status = status
        self.headers = headers or {}
        if errors is not None:
            self.errors = errors
        else:
            err: Rec = {"status": str(status), "code": code, "title": title, "detail": detail}
            if meta is not None:
                err["meta"] = meta
            self.errors = [err]

    def document(self) -> Rec:
        return {"errors": self.errors}


def error_object(status: int, code: str, title: str, detail: str) -> Rec:
    """One element of an `errors` array (used for multi-device partial failures)."""
    return {"status": str(status), "code": code, "title": title, "detail": detail}


def bad_request(detail: str, title: str = "Invalid Request", code: str = "VX001") -> ApiError:
    return ApiError(400, code, title, detail)


def invalid_attribute(name: str, detail: str) -> ApiError:
    return ApiError(400, "VX002", "Invalid Attribute", f"{name}: {detail}")


def not_found(kind: str, ident: str) -> ApiError:
    return ApiError(404, "NF001", "Resource Not Found", f"No {kind} with id '{ident}' was found.")


def conflict(title: str, detail: str, code: str = "CX001") -> ApiError:
    return ApiError(409, code, title, detail)


def permission_denied(detail: str) -> ApiError:
    # The real server's text contains "Invalid Permission" (reference 4, [SPEC] O).
    return ApiError(403, "PX001", "Invalid Permission", detail)


def unauthorized(detail: str = "The access token is missing, invalid or expired.") -> ApiError:
    return ApiError(401, "PX401", "Unauthorized", detail)


def now_iso(ts: float | None = None) -> str:
    """ISO-8601 UTC with milliseconds, like `2018-07-22T11:27:49.633Z`."""
    moment = datetime.now(UTC) if ts is None else datetime.fromtimestamp(ts, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def rel(type_: str, id_: str) -> Rec:
    """A relationship in impCentral's bare form."""
    return {"type": type_, "id": id_}


def parse_rel(value: Any) -> tuple[str | None, str] | None:
    """Read a relationship sent as bare `{type, id}` or standard `{data: {type, id}}`."""
    if isinstance(value, dict) and isinstance(value.get("data"), dict):
        value = value["data"]
    if not isinstance(value, dict):
        return None
    ident = value.get("id")
    if not isinstance(ident, str) or not ident:
        return None
    type_ = value.get("type")
    return (type_ if isinstance(type_, str) else None), ident


def request_data(body: Any, *, required: bool = True) -> Rec:
    """The `data` object of a request body; `null` bodies are tolerated when not required."""
    data = body.get("data") if isinstance(body, dict) else None
    if isinstance(data, dict):
        return data
    if required:
        raise bad_request("The request body must be a JSON:API document with a 'data' object.")
    return {}


def attributes_of(data: Rec) -> Rec:
    attrs = data.get("attributes")
    if attrs is None:
        return {}
    if not isinstance(attrs, dict):
        raise bad_request("'data.attributes' must be an object.")
    return attrs


def relationships_of(data: Rec) -> Rec:
    rels = data.get("relationships")
    if rels is None:
        return {}
    if not isinstance(rels, dict):
        raise bad_request("'data.relationships' must be an object.")
    return rels


def resource(rec: Rec, self_url: str, extra_attrs: Rec | None = None) -> Rec:
    """A stored record as a JSON:API resource object (absent relationships omitted)."""
    attrs = dict(rec["attributes"])
    if extra_attrs:
        attrs.update(extra_attrs)
    out: Rec = {
        "type": rec["type"],
        "id": rec["id"],
        "links": {"self": self_url},
        "attributes": attrs,
    }
    rels = {k: dict(v) for k, v in rec.get("relationships", {}).items() if v}
    if rels or "relationships" in rec:
        out["relationships"] = rels
    return out


@dataclass
class Page:
    """A validated page request."""

    number: int = 1
    size: int = DEFAULT_PAGE_SIZE
    params: list[tuple[str, str]] = field(default_factory=list)  # other query params to echo


def parse_page(query: dict[str, str]) -> Page:
    """`page[number]`/`page[size]`: positive integers; size clamped to MAX_PAGE_SIZE."""
    page = Page()
    for key, attr in (("page[number]", "number"), ("page[size]", "size")):
        raw = query.get(key)
        if raw is None:
            continue
        try:
            value = int(raw)
        except ValueError:
            raise bad_request(f"{key} must be a positive integer.", "Invalid Pagination") from None
        if value < 1:
            raise bad_request(f"{key} must be a positive integer.", "Invalid Pagination")
        setattr(page, attr, value)
    page.size = min(page.size, MAX_PAGE_SIZE)
    page.params = [(k, v) for k, v in query.items() if not k.startswith("page[")]
    return page


def paginate(items: list[Any], page: Page, list_url: str) -> tuple[list[Any], Rec]:
    """Slice `items` and build absolute top-level links; `next`/`prev` only when they exist."""
    last = max(1, math.ceil(len(items) / page.size))
    start = (page.number - 1) * page.size
    chunk = items[start : start + page.size]

    def link(number: int) -> str:
        params = [*page.params, ("page[number]", str(number)), ("page[size]", str(page.size))]
        return f"{list_url}?{urlencode(params)}"

    links: Rec = {"self": link(page.number), "first": link(1), "last": link(last)}
    if page.number > 1:
        links["prev"] = link(min(page.number - 1, last))
    if page.number < last:
        links["next"] = link(page.number + 1)
    return chunk, links
