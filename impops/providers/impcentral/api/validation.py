"""Client-side request checks, mirroring the official Node client (`imp-central-api` 1.7.0).

Bad requests are rejected before any HTTP call with `ClientValidationError`, which is both a
`ValidationError` (so callers handle it like a server 400) and a `ValueError`. Only cheap,
certain rules are checked: allowed filter/attribute keys, required create attributes, enum
values, device-group target rules, deployment tag syntax. The server stays the authority.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from impops.providers.impcentral.api.errors import ClientValidationError
from impops.providers.impcentral.model import WEBHOOK_CONTENT_TYPES as MODEL_WEBHOOK_CONTENT_TYPES
from impops.providers.impcentral.model import WEBHOOK_EVENTS as MODEL_WEBHOOK_EVENTS
from impops.providers.impcentral.model import GroupType

# Derived from the canonical model so that the client, the manifests and the planner agree on
# one list of types and their target pairing (reference §4).
GROUP_TYPES = frozenset(t.api_type for t in GroupType)
PRODUCTION_TYPES = frozenset(t.api_type for t in GroupType if t.allows_region)
FIXTURE_TARGETS: dict[str, tuple[str, str]] = {
    # fixture type -> (production_target type, dut_target type)
    t.api_type: (prod.api_type, dut.api_type)
    for t in GroupType
    if (prod := t.production_target_type) and (dut := t.dut_target_type)
}
WEBHOOK_EVENTS = frozenset(MODEL_WEBHOOK_EVENTS)
WEBHOOK_CONTENT_TYPES = frozenset(MODEL_WEBHOOK_CONTENT_TYPES)

FILTERS: dict[str, frozenset[str]] = {
    "products": frozenset({"owner.id"}),
    "devicegroups": frozenset({"owner.id", "product.id", "type"}),
    "devices": frozenset(
        {"owner.id", "product.id", "devicegroup.id", "devicegroup.owner.id", "devicegroup.type"}
    ),
    "deployments": frozenset(
        {
            "owner.id",
            "creator.id",
            "product.id",
            "devicegroup.id",
            "sha",
            "flagged",
            "flagger.id",
            "tags",
        }
    ),
    "webhooks": frozenset({"devicegroup.id"}),
}

# (allowed keys, required keys) per resource and operation
PRODUCT_CREATE = (frozenset({"name", "description"}), frozenset({"name"}))
PRODUCT_UPDATE = (frozenset({"name", "description"}), frozenset[str]())
GROUP_CREATE = (
    frozenset({"name", "description", "region", "env_vars", "load_code_after_blessing"}),
    frozenset({"name"}),
)
GROUP_UPDATE = (
    frozenset({"name", "description", "load_code_after_blessing", "env_vars"}),
    frozenset[str](),
)
DEPLOYMENT_CREATE = (
    frozenset({"device_code", "agent_code", "description", "origin", "flagged", "tags"}),
    frozenset({"device_code", "agent_code"}),
)
DEPLOYMENT_UPDATE = (frozenset({"description", "flagged", "tags"}), frozenset[str]())
WEBHOOK_CREATE = (
    frozenset({"url", "event", "content_type"}),
    frozenset({"url", "event", "content_type"}),
)
WEBHOOK_UPDATE = (frozenset({"url", "content_type"}), frozenset[str]())

_TAG = re.compile(r"^[A-Za-z0-9_*.\-]+$")
MAX_TAGS_LENGTH = 500


def fail(detail: str, method: str = "", path: str = "") -> ClientValidationError:
    """The error to raise for a request rejected on the client side."""
    return ClientValidationError(detail, method=method, path=path)


def check_id(value: object, what: str) -> str:
    """A non-empty id without characters that would change the URL path."""
    if not isinstance(value, str) or not value.strip():
        raise fail(f"{what} must be a non-empty string")
    if any(c in value for c in "/?#") or value in (".", ".."):
        raise fail(f"{what} contains characters not allowed in an id: {value!r}")
    return value


def check_filters(resource: str, filters: Mapping[str, object] | None) -> dict[str, str]:
    """Validate filter keys (and the group-type values) and stringify the values."""
    allowed = FILTERS[resource]
    result: dict[str, str] = {}
    for key, value in (filters or {}).items():
        if key not in allowed:
            raise fail(
                f"invalid filter {key!r} for {resource}; allowed: {', '.join(sorted(allowed))}"
            )
        if isinstance(value, bool):
            text = "true" if value else "false"
        elif isinstance(value, list | tuple):
            text = ",".join(str(v) for v in value)
        else:
            text = str(value)
        if key in ("type", "devicegroup.type"):
            check_group_type(text)
        result[key] = text
    return result


def check_attributes(
    attributes: Mapping[str, Any], rules: tuple[frozenset[str], frozenset[str]], what: str
) -> None:
    """Unknown keys and missing required keys are errors."""
    if not isinstance(attributes, Mapping):
        raise fail(f"{what} attributes must be a mapping")
    allowed, required = rules
    unknown = sorted(set(attributes) - allowed)
    if unknown:
        raise fail(f"invalid {what} attribute(s): {', '.join(unknown)}")
    missing = sorted(required - set(attributes))
    if missing:
        raise fail(f"missing required {what} attribute(s): {', '.join(missing)}")


def check_group_type(group_type: object) -> str:
    """One of the seven API device-group types."""
    if group_type not in GROUP_TYPES:
        raise fail(
            f"invalid device group type {group_type!r}; one of {', '.join(sorted(GROUP_TYPES))}"
        )
    return str(group_type)


def check_targets(
    group_type: str,
    production_target: Mapping[str, Any] | None,
    dut_target: Mapping[str, Any] | None,
    creating: bool,
) -> None:
    """Fixture groups need both targets on create, of the paired types; others have none."""
    pairing = FIXTURE_TARGETS.get(group_type)
    for name, target, index in (
        ("production_target", production_target, 0),
        ("dut_target", dut_target, 1),
    ):
        if target is None:
            if pairing is not None and creating:
                raise fail(f"{name} is required for {group_type} groups")
            continue
        if pairing is None:
            raise fail(f"{name} may be given for factory fixture groups only, not {group_type}")
        if not isinstance(target, Mapping) or set(target) != {"type", "id"}:
            raise fail(f"{name} must be {{'type': <group type>, 'id': <group id>}}")
        check_id(target["id"], f"{name}.id")
        if target["type"] != pairing[index]:
            raise fail(f"{name} of a {group_type} group must be a {pairing[index]}")


def check_group_attributes(group_type: str, attributes: Mapping[str, Any], creating: bool) -> None:
    """Attribute keys plus the region / load_code_after_blessing type rules."""
    check_attributes(attributes, GROUP_CREATE if creating else GROUP_UPDATE, "device group")
    if creating or "name" in attributes:
        check_name(attributes.get("name"), "device group name")
    for key in ("region", "load_code_after_blessing"):
        if key in attributes and group_type not in PRODUCTION_TYPES:
            raise fail(f"{key} may be given for (pre-)production device groups only")
    env_vars = attributes.get("env_vars")
    if env_vars is not None and not isinstance(env_vars, Mapping):
        raise fail("env_vars must be a mapping")


def check_name(name: object, what: str) -> None:
    """Names are required, non-blank strings of at most 80 characters (reference §10)."""
    if not isinstance(name, str) or not name.strip():
        raise fail(f"{what} must be a non-empty string")
    if len(name) > 80:
        raise fail(f"{what} is longer than 80 characters")


def check_deployment_attributes(attributes: Mapping[str, Any], creating: bool) -> None:
    """Keys, code types and tag syntax (letters, digits, `_-*.`; 500 characters in total)."""
    check_attributes(attributes, DEPLOYMENT_CREATE if creating else DEPLOYMENT_UPDATE, "deployment")
    for key in ("device_code", "agent_code"):
        if key in attributes and not isinstance(attributes[key], str):
            raise fail(f"{key} must be a string")
    if "tags" in attributes:
        tags = attributes["tags"]
        if not isinstance(tags, list | tuple) or not all(isinstance(t, str) for t in tags):
            raise fail("tags must be a list of strings")
        bad = [t for t in tags if not _TAG.match(t)]
        if bad:
            raise fail(f"invalid tag(s) {bad!r}: letters, digits, '_', '-', '*' and '.' only")
        if sum(len(t) for t in tags) > MAX_TAGS_LENGTH:
            raise fail(f"tags exceed {MAX_TAGS_LENGTH} characters in total")


def check_webhook_attributes(attributes: Mapping[str, Any], creating: bool) -> None:
    """Keys and the `event` / `content_type` enums."""
    check_attributes(attributes, WEBHOOK_CREATE if creating else WEBHOOK_UPDATE, "webhook")
    if "event" in attributes and attributes["event"] not in WEBHOOK_EVENTS:
        raise fail(
            f"invalid webhook event {attributes['event']!r}; one of "
            f"{', '.join(sorted(WEBHOOK_EVENTS))}"
        )
    if "content_type" in attributes and attributes["content_type"] not in WEBHOOK_CONTENT_TYPES:
        raise fail(
            f"invalid webhook content_type {attributes['content_type']!r}; one of "
            f"{', '.join(sorted(WEBHOOK_CONTENT_TYPES))}"
        )
    if "url" in attributes and (not isinstance(attributes["url"], str) or not attributes["url"]):
        raise fail("webhook url must be a non-empty string")


def check_device_ids(device_ids: object) -> list[str]:
    """A list of device identifiers (id, MAC or agent id)."""
    if isinstance(device_ids, str) or not isinstance(device_ids, list | tuple):
        raise fail("device_ids must be a list of device identifiers")
    return [check_id(d, "device id") for d in device_ids]


def check_page(number: object, size: object) -> None:
    """Pagination values must be positive integers (size at most 100)."""
    for name, value in (("page number", number), ("page size", size)):
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise fail(f"{name} must be a positive integer")
    if isinstance(size, int) and size > 100:
        raise fail("page size must be at most 100")
