"""impCentral JSON:API documents -> impops resources, and the fingerprints of live objects.

Normalisation of API quirks happens here, each with a comment saying why: the `_devicegroup`
suffix of group types, relationships omitted rather than null, `env_vars` null vs `{}`,
`region` "" vs unset, tags as a sorted set, target group ids translated to names.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from typing import Any

from impops.providers.impcentral.api.client import strip_op_marker
from impops.providers.impcentral.model import (
    Deployment,
    DeploymentInfo,
    DeviceGroup,
    GroupType,
    LiveDevice,
    Product,
    Webhook,
)

Doc = dict[str, Any]


# --- small JSON:API helpers -------------------------------------------------------------------


def attrs(doc: Mapping[str, Any]) -> dict[str, Any]:
    """`attributes` of a resource object ({} when absent)."""
    value = doc.get("attributes") or {}
    return dict(value)


def rel_id(doc: Mapping[str, Any], name: str) -> str | None:
    """Id of a relationship. impCentral uses bare `{type, id}` and omits absent relationships;
    the standard JSON:API `{data: {type, id}}` form and `null` are accepted too."""
    rel = (doc.get("relationships") or {}).get(name)
    if not isinstance(rel, Mapping):
        return None
    if "data" in rel and "id" not in rel:
        rel = rel.get("data")
        if not isinstance(rel, Mapping):
            return None
    value = rel.get("id")
    return str(value) if value else None


def fingerprint_of(doc: Mapping[str, Any]) -> str:
    """`<id>@<updated_at>`: changes whenever the object is written."""
    a = attrs(doc)
    return f"{doc.get('id')}@{a.get('updated_at') or a.get('created_at') or ''}"


def devices_fingerprint(device_ids: Iterable[str]) -> str:
    """A fingerprint of a device set (no server object carries one)."""
    joined = ",".join(sorted(device_ids))
    return "devices:" + hashlib.sha256(joined.encode()).hexdigest()[:16]


def group_type_of(doc: Mapping[str, Any]) -> GroupType:
    # The API's type carries a `_devicegroup` suffix; the model uses the short name.
    return GroupType.from_api(str(doc.get("type", "")))


# --- translation: API documents -> canonical resources ----------------------------------------


def to_product(doc: Mapping[str, Any]) -> Product:
    a = attrs(doc)
    return Product(product=str(a.get("name", "")), description=a.get("description") or "")


def to_device_group(product: str, doc: Mapping[str, Any], names: Mapping[str, str]) -> DeviceGroup:
    """`names` maps group id -> group name within the product (targets become names)."""
    a = attrs(doc)
    gtype = group_type_of(doc)

    def target(rel: str) -> str | None:
        tid = rel_id(doc, rel)
        if tid is None:
            return None
        # A target outside the product (the API does not forbid it) shows as its id.
        return names.get(tid, f"id:{tid}")

    region = a.get("region")
    lcab = a.get("load_code_after_blessing")
    return DeviceGroup(
        product=product,
        name=str(a.get("name", "")),
        type=gtype,
        description=a.get("description") or "",
        production_target=target("production_target") if gtype.is_fixture else None,
        dut_target=target("dut_target") if gtype.is_fixture else None,
        # The API returns null or omits env_vars when none are set; the model says {}.
        env_vars=dict(a.get("env_vars") or {}),
        # Non-production groups report region as "" (impt shows a blank region): same as unset.
        region=(region or None) if gtype.allows_region else None,
        # Only (pre-)production groups have the flag; others may echo a meaningless value.
        load_code_after_blessing=bool(lcab) if gtype.allows_region and lcab is not None else None,
    )


def to_deployment(
    product: str, group: str, doc: Mapping[str, Any], min_supported_id: str | None
) -> Deployment:
    a = attrs(doc)
    agent = a.get("agent_code") or ""
    device = a.get("device_code") or ""
    return Deployment(
        product=product,
        group=group,
        agent_code=agent,
        device_code=device,
        description=a.get("description") or "",
        # Tags come back in creation order; the model compares them as a sorted set.
        tags=tuple(sorted(set(a.get("tags") or ()))),
        flagged=bool(a.get("flagged")),
        min_supported=min_supported_id == doc.get("id") if min_supported_id else False,
        # The client appends an `op:<nonce>` idempotency marker to origins it creates.
        origin=strip_op_marker(a.get("origin") or ""),
    )


def to_deployment_info(doc: Mapping[str, Any]) -> DeploymentInfo:
    a = attrs(doc)
    return DeploymentInfo(
        id=str(doc.get("id", "")),
        created_at=a.get("created_at") or "",
        updated_at=a.get("updated_at") or "",
        creator_id=rel_id(doc, "creator") or "",
        origin=strip_op_marker(a.get("origin") or ""),
        tags=tuple(sorted(set(a.get("tags") or ()))),
        sha=a.get("sha") or "",
    )


def to_webhook(product: str, group: str, doc: Mapping[str, Any]) -> Webhook:
    a = attrs(doc)
    return Webhook(
        product=product,
        group=group,
        event=str(a.get("event", "")),
        url=str(a.get("url", "")),
        content_type=a.get("content_type") or "application/json",
    )


def to_live_device(doc: Mapping[str, Any], group_address: str | None) -> LiveDevice:
    a = attrs(doc)
    return LiveDevice(
        id=str(doc.get("id", "")),
        mac_address=a.get("mac_address") or "",
        agent_id=a.get("agent_id") or "",
        name=a.get("name") or "",  # the API returns null for unnamed devices
        group_address=group_address,
        online=bool(a.get("device_online")),
    )


# --- reading -----------------------------------------------------------------------------------
