"""Typed shapes of impCentral answers, checked at the client boundary before anything uses them.

Every 2xx body the client returns passes through here first (issue 9: a list answered with
`{"data": {"id": 5}}` once read as an empty list and planned the fleet's re-creation). The
shapes are pydantic v2 models in strict mode (no coercion: `"5"` is not `5`), so a body that
passes is, for every field checked, exactly what the reader will see; the client then returns
the original dicts, not model dumps, which keeps the callers' plain-dict contract and the cost
to one pass of pydantic-core per page.

What is checked (the reference's §3.0 and §7, and the attributes `live.py` relies on):

* a list answer is an object with `data` a list of resource objects and `links` an object
  (`next`/`last` strings when present); `meta`, when present, is an object;
* a single answer is an object whose `data` is a resource object;
* a resource object has a non-empty string `type` of the collection's kind and `id`, an
  object `attributes` whose fields have the reader's types (`name` a string, `tags` a list of
  strings, ...), and relationships that are bare `{type, id}` objects (the JSON:API
  `{data: ...}` wrapper and lists of them are accepted too).

Code strings are checked for their type only: their size is the fleet's and must not cost CPU.
Unknown extra fields are ignored, so a server that adds attributes does not break the client.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, field_validator
from pydantic import ValidationError as PydanticError

from impops.providers.impcentral.api.validation import GROUP_TYPES

NonEmpty = Annotated[str, Field(min_length=1)]


class _Shape(BaseModel):
    model_config = ConfigDict(strict=True, extra="ignore", frozen=True)


class _Ref(_Shape):
    type: NonEmpty | None = None
    id: NonEmpty


class _Attributes(_Shape):
    created_at: str | None = None
    updated_at: str | None = None


class ProductAttributes(_Attributes):
    name: str
    description: str | None = None


class GroupAttributes(_Attributes):
    name: str
    description: str | None = None
    region: str | None = None
    env_vars: dict[str, Any] | None = None
    load_code_after_blessing: bool | None = None


class DeploymentAttributes(_Attributes):
    device_code: str  # type only: see the module docstring
    agent_code: str
    description: str | None = None
    origin: str | None = None
    sha: str | None = None
    flagged: bool | None = None
    tags: list[str] | None = None


class WebhookAttributes(_Attributes):
    url: str
    event: str
    content_type: str | None = None


class DeviceAttributes(_Attributes):
    name: str | None = None  # null for unnamed devices
    mac_address: str | None = None
    agent_id: str | None = None
    device_online: bool | None = None


class ResourceObject(_Shape):
    """Any JSON:API resource object as impCentral sends it."""

    type: NonEmpty
    id: NonEmpty
    attributes: dict[str, Any] = Field(default_factory=dict)
    relationships: dict[str, Any] = Field(default_factory=dict)
    links: dict[str, Any] | None = None

    @field_validator("relationships")
    @classmethod
    def _relationship_shapes(cls, value: dict[str, Any]) -> dict[str, Any]:
        for name, rel in value.items():
            _check_relationship(name, rel)
        return value


def _check_relationship(name: str, rel: object) -> None:
    """Bare `{type, id}` (impCentral), `{data: <ref or list or null>}` (JSON:API) or a list."""
    if rel is None:
        return
    if isinstance(rel, Mapping) and "id" not in rel and "data" in rel:
        rel = rel["data"]
        if rel is None:
            return
    refs = rel if isinstance(rel, list) else [rel]
    for ref in refs:
        if not isinstance(ref, Mapping):
            raise ValueError(f"relationship `{name}` is not a {{type, id}} object")
        ident, kind = ref.get("id"), ref.get("type")
        if not isinstance(ident, str) or not ident:
            raise ValueError(f"relationship `{name}` has no string `id`")
        if kind is not None and not isinstance(kind, str):
            raise ValueError(f"relationship `{name}` has a `type` that is not a string")


class Product(ResourceObject):
    type: Literal["product"]
    attributes: ProductAttributes  # type: ignore[assignment]


GroupType = Literal[tuple(sorted(GROUP_TYPES))]  # type: ignore[valid-type]


class DeviceGroup(ResourceObject):
    type: GroupType  # type: ignore[valid-type]
    attributes: GroupAttributes  # type: ignore[assignment]


class DeploymentObject(ResourceObject):
    type: Literal["deployment"]
    attributes: DeploymentAttributes  # type: ignore[assignment]


class Webhook(ResourceObject):
    type: Literal["webhook"]
    attributes: WebhookAttributes  # type: ignore[assignment]


class Device(ResourceObject):
    type: Literal["device"]
    attributes: DeviceAttributes = Field(default_factory=DeviceAttributes)  # type: ignore[assignment]


class Account(ResourceObject):
    type: Literal["account"]


R = TypeVar("R", bound=ResourceObject)


class Links(_Shape):
    next: str | None = None
    last: str | None = None


class ListAnswer(_Shape, Generic[R]):
    data: list[R]
    links: Links
    meta: dict[str, Any] | None = None


class SingleAnswer(_Shape, Generic[R]):
    data: R


class TokenAnswer(_Shape):
    """`POST /auth` and `POST /auth/token` answers: a plain object, not JSON:API (§2.1)."""

    access_token: NonEmpty
    refresh_token: str | None = None
    expires_in: Any = None  # tolerated in any form: a bad value falls back to one hour


# The resource kind of each collection; anything else is checked as a generic resource.
KINDS: dict[str, type[ResourceObject]] = {
    "products": Product,
    "devicegroups": DeviceGroup,
    "deployments": DeploymentObject,
    "webhooks": Webhook,
    "devices": Device,
    "accounts": Account,
}

_LISTS: dict[type[ResourceObject], TypeAdapter[Any]] = {}
_SINGLES: dict[type[ResourceObject], TypeAdapter[Any]] = {}
_TOKEN = TypeAdapter(TokenAnswer)


def kind_of(path: str) -> type[ResourceObject]:
    """The resource model for an API path: `/devicegroups/x/...` -> `DeviceGroup`."""
    first = path.lstrip("/").split("/", 1)[0].split("?", 1)[0]
    return KINDS.get(first, ResourceObject)


def _adapter(cache: dict[type[ResourceObject], TypeAdapter[Any]], generic: Any, kind: Any) -> Any:
    adapter = cache.get(kind)
    if adapter is None:
        adapter = cache[kind] = TypeAdapter(generic[kind])
    return adapter


def check_list(body: Any, path: str) -> str | None:
    """None when `body` is a valid list page for `path`, else what is wrong with it."""
    return _problem(_adapter(_LISTS, ListAnswer, kind_of(path)), body)


def check_single(body: Any, path: str) -> str | None:
    """None when `body` is a valid single-resource answer for `path`, else the problem."""
    return _problem(_adapter(_SINGLES, SingleAnswer, kind_of(path)), body)


def check_token(body: Any) -> str | None:
    """None when `body` is a usable auth answer, else the problem."""
    return _problem(_TOKEN, body)


def _problem(adapter: TypeAdapter[Any], body: Any) -> str | None:
    if not isinstance(body, Mapping):
        return f"the body is not a JSON object (got {_kind(body)})"
    try:
        adapter.validate_python(body)
    except PydanticError as exc:
        errors = exc.errors(include_url=False)
        first = describe(errors[0])
        more = len(errors) - 1
        return first + (f" (and {more} more problem{'s' if more > 1 else ''})" if more else "")
    return None


_TYPE_WORDS = {
    "string_type": "a string",
    "list_type": "a list",
    "dict_type": "an object",
    "model_type": "an object",
    "model_attributes_type": "an object",
    "bool_type": "a boolean",
    "int_type": "a number",
    "float_type": "a number",
}


def describe(error: Mapping[str, Any]) -> str:
    """One pydantic error in the client's words: "`data[3].attributes.name` is not a string"."""
    where = f"`{_location(error.get('loc', ()))}`"
    kind = str(error.get("type", ""))
    value = error.get("input")
    if kind == "missing":
        return f"{where} is missing"
    if kind in _TYPE_WORDS:
        return f"{where} is not {_TYPE_WORDS[kind]} (got {_kind(value)})"
    if kind == "string_too_short":
        return f"{where} is empty"
    if kind == "literal_error":
        shown = repr(value)[:40] if isinstance(value, str) else _kind(value)
        expected = str((error.get("ctx") or {}).get("expected", ""))
        expected = expected if len(expected) <= 60 else "a device group type"
        return f"{where} is {shown}, expected {expected}"
    if kind == "value_error":
        message = str(error.get("msg", "")).removeprefix("Value error, ")
        return f"{where}: {message}"
    return f"{where}: {error.get('msg', 'invalid')}"


def _location(loc: Sequence[Any]) -> str:
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        elif isinstance(part, str) and not _is_tag(part):
            text += f".{part}" if text else part
    return text or "(body)"


def _is_tag(part: str) -> bool:
    """Union/validator tags pydantic puts in a location (`function-after[...]`, `list[...]`)."""
    return "[" in part or "(" in part or part[:1].isupper()


def _kind(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, Mapping):
        return "an object"
    return type(value).__name__
