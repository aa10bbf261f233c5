"""Read live impCentral into an `ImpCentralState`: managed products only, lists first, concurrently.

Call pattern for P managed products holding G device groups (W webhooks, D devices in total):

* `list_products()` once; products are matched by name.
* per product, concurrently: `list_device_groups({"product.id"})` and
  `list_devices({"product.id"})`.
* webhooks: the API's only webhook filter is `devicegroup.id`, so per-group listing costs one
  call per group (G calls), while one unfiltered, paginated `list_webhooks()` costs
  ceil(W_account / page size) calls. Above `WEBHOOK_PER_GROUP_MAX` groups the account-wide list
  wins by far (1,000 groups with two webhooks each: ~20 pages instead of 1,000 calls), so that is
  what we use; webhooks of unmanaged groups are dropped after bucketing by group id.
* current deployments ("auto", the default): a product with more than `AUTO_GET_MAX` groups
  that have a deployment is read with one paginated `list_deployments({"product.id"})`; a
  smaller one with one `get_deployment(id)` per group, concurrently. The list returns the
  product's whole history with full code, so its size grows with every deploy, but it costs
  ceil(deployments / 100) calls instead of one per group, and calls are what the rate limit
  (20/s client default, 40/s server) charges: measured with `benchmarks/bench_live_read.py`,
  1,000 groups take 1,042 calls by "get" vs 52 (history 1) to 242 (history 20) by "list"
  (figures in `benchmarks/README.md`). "get"/"list" force one strategy.

Unassigned devices have no product, so they are read with one extra
`list_devices({"devicegroup.owner.id": "null"})` call (the API's documented "unassigned" filter);
a manifest may assign them to a group.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Literal, Protocol, TypeVar

from impops.providers.impcentral.api.client import strip_op_marker
from impops.providers.impcentral.lock import is_lock_group
from impops.providers.impcentral.model import (
    Deployment,
    DeploymentInfo,
    DeviceAssignment,
    DeviceGroup,
    GroupType,
    ImpCentralState,
    LiveDevice,
    Product,
    Webhook,
)

Doc = dict[str, Any]
T = TypeVar("T")

# At or below this many managed groups, per-group webhook listing is cheaper than paging
# through every webhook of the account.
WEBHOOK_PER_GROUP_MAX = 3

DeploymentStrategy = Literal["auto", "get", "list"]
# "auto": a product with more current deployments than this is read with one paginated list.
AUTO_GET_MAX = 8


class LiveReader(Protocol):
    """The read-only subset of `ImpCentralClient` that reading live state needs.

    `impops.engine.drift` hands `read_live` an object with exactly these methods and no others, so a
    drift run has no write path at all.
    """

    def list_products(self, filters: dict[str, str] | None = None) -> list[Doc]: ...
    def list_device_groups(self, filters: dict[str, str] | None = None) -> list[Doc]: ...
    def list_devices(self, filters: dict[str, str] | None = None) -> list[Doc]: ...
    def list_webhooks(self, filters: dict[str, str] | None = None) -> list[Doc]: ...
    def list_deployments(self, filters: dict[str, str] | None = None) -> list[Doc]: ...
    def get_deployment(self, deployment_id: str) -> Doc: ...


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


def _pmap(pool: ThreadPoolExecutor, fn: Callable[[Any], T], items: Sequence[Any]) -> list[T]:
    """Run `fn` over `items` in the pool; the first exception propagates."""
    return list(pool.map(fn, items))


def read_live(
    client: LiveReader,
    product_names: Sequence[str],
    *,
    parallelism: int = 8,
    deployments: DeploymentStrategy = "auto",
) -> ImpCentralState:
    """Read the account's managed products into a live `ImpCentralState` (see module docstring)."""
    state = ImpCentralState()
    wanted = set(product_names)
    products = [p for p in client.list_products() if attrs(p).get("name") in wanted]
    products.sort(key=lambda p: str(attrs(p).get("name")))
    if not products:
        _read_unassigned(client, state)
        return state

    with ThreadPoolExecutor(max_workers=max(1, parallelism)) as pool:
        # Groups and devices of every product, concurrently.
        group_lists = pool.map(
            lambda p: client.list_device_groups({"product.id": p["id"]}), products
        )
        device_lists = pool.map(lambda p: client.list_devices({"product.id": p["id"]}), products)
        unassigned = pool.submit(client.list_devices, {"devicegroup.owner.id": "null"})
        # The apply lock's group is impops' own bookkeeping, never a managed object.
        groups_by_product = [[g for g in gs if not is_lock_group(g)] for gs in group_lists]
        devices_by_product = list(device_lists)

        group_index: dict[str, tuple[str, str, Doc]] = {}  # group id -> (product, name, doc)
        for pdoc, groups in zip(products, groups_by_product, strict=True):
            pname = str(attrs(pdoc)["name"])
            for g in groups:
                group_index[str(g["id"])] = (pname, str(attrs(g).get("name", "")), g)

        webhooks = _read_webhooks(client, pool, list(group_index))
        current = _read_current_deployments(client, pool, products, groups_by_product, deployments)
        unassigned_docs = unassigned.result()

    for pdoc, groups, devices in zip(products, groups_by_product, devices_by_product, strict=True):
        _add_product(state, pdoc, groups, devices, current)
    for gid, hooks in webhooks.items():
        pname, gname, _ = group_index[gid]
        for w in hooks:
            hook = to_webhook(pname, gname, w)
            if hook.address in state.resources:
                continue  # an exact duplicate (same event and url) cannot be told apart
            state.add(hook)
            state.ids[hook.address] = str(w["id"])
            state.fingerprints[hook.address] = fingerprint_of(w)
    for d in unassigned_docs:
        if rel_id(d, "devicegroup") is None:
            state.devices.setdefault(str(d["id"]), to_live_device(d, None))
    return state


def _read_unassigned(client: LiveReader, state: ImpCentralState) -> None:
    for d in client.list_devices({"devicegroup.owner.id": "null"}):
        if rel_id(d, "devicegroup") is None:
            state.devices[str(d["id"])] = to_live_device(d, None)


def _read_webhooks(
    client: LiveReader, pool: ThreadPoolExecutor, group_ids: list[str]
) -> dict[str, list[Doc]]:
    """Webhooks of the managed groups, bucketed by group id (see module docstring)."""
    buckets: dict[str, list[Doc]] = {gid: [] for gid in group_ids}
    if not group_ids:
        return buckets
    if len(group_ids) <= WEBHOOK_PER_GROUP_MAX:
        docs = [
            w
            for hooks in _pmap(
                pool, lambda g: client.list_webhooks({"devicegroup.id": g}), group_ids
            )
            for w in hooks
        ]
    else:
        docs = client.list_webhooks()
    for w in docs:
        gid = rel_id(w, "devicegroup")
        if gid in buckets:
            buckets[gid].append(w)
    return buckets


def _read_current_deployments(
    client: LiveReader,
    pool: ThreadPoolExecutor,
    products: list[Doc],
    groups_by_product: list[list[Doc]],
    strategy: DeploymentStrategy,
) -> dict[str, Doc]:
    """Current deployment documents by id, per product by list or by get (module docstring)."""
    per_product: dict[str, set[str]] = {}
    for pdoc, groups in zip(products, groups_by_product, strict=True):
        current = (rel_id(g, "current_deployment") for g in groups)
        per_product[str(pdoc["id"])] = {cid for cid in current if cid}
    listed = [
        pid
        for pid, ids in per_product.items()
        if ids and (strategy == "list" or (strategy == "auto" and len(ids) > AUTO_GET_MAX))
    ]
    found: dict[str, Doc] = {}
    for docs in _pmap(pool, lambda pid: client.list_deployments({"product.id": pid}), listed):
        found.update((str(d["id"]), d) for d in docs)
    wanted = {cid for ids in per_product.values() for cid in ids}
    # Products read one by one, and anything a list missed (e.g. a moved deployment).
    missing = sorted(wanted - set(found))
    found.update((str(d["id"]), d) for d in _pmap(pool, client.get_deployment, missing))
    return {cid: found[cid] for cid in wanted}


def _add_product(
    state: ImpCentralState,
    pdoc: Doc,
    groups: list[Doc],
    devices: list[Doc],
    current: Mapping[str, Doc],
) -> None:
    product = to_product(pdoc)
    state.add(product)
    state.ids[product.address] = str(pdoc["id"])
    state.fingerprints[product.address] = fingerprint_of(pdoc)

    names = {str(g["id"]): str(attrs(g).get("name", "")) for g in groups}
    members: dict[str, list[str]] = {gid: [] for gid in names}
    addresses: dict[str, str] = {}
    for g in sorted(groups, key=lambda g: str(attrs(g).get("name", ""))):
        group = to_device_group(product.product, g, names)
        state.add(group)
        gid = str(g["id"])
        addresses[gid] = group.address
        state.ids[group.address] = gid
        state.fingerprints[group.address] = fingerprint_of(g)
        min_id = rel_id(g, "min_supported_deployment")
        if min_id:
            state.min_supported_ids[group.address] = min_id
        cid = rel_id(g, "current_deployment")
        if cid and cid in current:
            dep = to_deployment(product.product, group.name, current[cid], min_id)
            state.add(dep)
            state.ids[dep.address] = cid
            # The current deployment's id and write time: a new deployment or a metadata
            # update both change it.
            state.fingerprints[dep.address] = fingerprint_of(current[cid])
            state.deployments[dep.address] = to_deployment_info(current[cid])

    for d in devices:
        gid = rel_id(d, "devicegroup") or ""
        if gid in members:
            members[gid].append(str(d["id"]))
        state.devices[str(d["id"])] = to_live_device(d, addresses.get(gid))

    for gid, gname in names.items():
        assignment = DeviceAssignment(
            product=product.product, group=gname, devices=tuple(sorted(members[gid]))
        )
        state.add(assignment)
        state.fingerprints[assignment.address] = devices_fingerprint(members[gid])
