"""Read live impCentral into an `ImpCentralState`: managed products only, lists first, concurrently.

Calls are what the rate limit charges (40/s advertised), so the reader makes the fewest list
calls the fleet's shape allows and runs independent lists at once (the client's shared limiter
paces them; pages after the first are fetched concurrently by the client). For P managed
products out of A in the account (figures: `benchmarks/bench_fleet.py`, benchmarks/README.md):

* `list_products()` once; products are matched by name.
* **Account-wide lists** when more than one product is managed and the managed ones are at
  least `ACCOUNT_WIDE_SHARE` of the account's products: one `list_device_groups()`, one
  `list_devices()` (assigned and unassigned devices alike) and, for deployments, one
  `list_deployments()`, each ceil(n / 100) calls for the whole fleet instead of at least one
  call per product (20 products x 50 groups: 10 group pages instead of 20 calls). Objects of
  unmanaged products are dropped by product id. Otherwise the lists are per product
  (`{"product.id"}`) plus one `list_devices({"devicegroup.owner.id": "null"})` for the
  unassigned devices, as the API documents.
* Devices are always read: the diff counts the devices a change affects (safety's
  `max_devices_affected`), manifests may assign unassigned devices, and the Mnubo registry is
  built from the live devices of its groups. Account-wide that is one call for a fleet of up
  to 100 devices.
* webhooks: the API's only webhook filter is `devicegroup.id`, so per-group listing costs one
  call per group, while one account-wide `list_webhooks()` costs ceil(W_account / 100). It is
  started together with the group list whenever account-wide lists are used, and otherwise
  chosen once the groups are known (`WEBHOOK_PER_GROUP_MAX`).
* current deployments ("auto", the default): more than `AUTO_GET_MAX` current deployments in
  one list scope (the account, or a product) are read by listing that scope's deployments;
  fewer by one `get_deployment(id)` each. The list carries every historical deployment with
  its full code, so the reader hands the client a `keep` test that drops non-current
  deployments as each page is parsed: a plan holds one page of history at a time, not the
  fleet's whole history (10 deployments of 8 KB per group: 80 MB). "get"/"list" force one
  strategy.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Literal, Protocol, TypeVar

from impops.providers.impcentral.lock import is_lock_group
from impops.providers.impcentral.model import (
    DeviceAssignment,
    ImpCentralState,
)
from impops.providers.impcentral.translate import (
    attrs,
    devices_fingerprint,
    fingerprint_of,
    rel_id,
    to_deployment,
    to_deployment_info,
    to_device_group,
    to_live_device,
    to_product,
    to_webhook,
)

Doc = dict[str, Any]
T = TypeVar("T")

# At or below this many managed groups, per-group webhook listing is cheaper than paging
# through every webhook of the account.
WEBHOOK_PER_GROUP_MAX = 3

DeploymentStrategy = Literal["auto", "get", "list"]
# "auto": a list scope with more current deployments than this is read with one paginated list.
AUTO_GET_MAX = 8
# Account-wide lists when the managed products are at least this share of the account's.
ACCOUNT_WIDE_SHARE = 0.5


class LiveReader(Protocol):
    """The read-only subset of `ImpCentralClient` that reading live state needs.

    `providers.impcentral.drift` hands `read_live` an object with exactly these methods and no
    others, so a drift run has no write path at all.
    """

    def list_products(self, filters: dict[str, str] | None = None) -> list[Doc]: ...
    def list_device_groups(self, filters: dict[str, str] | None = None) -> list[Doc]: ...
    def list_devices(self, filters: dict[str, str] | None = None) -> list[Doc]: ...
    def list_webhooks(self, filters: dict[str, str] | None = None) -> list[Doc]: ...
    def list_deployments(
        self, filters: dict[str, str] | None = None, keep: Callable[[Doc], bool] | None = None
    ) -> list[Doc]: ...
    def get_deployment(self, deployment_id: str) -> Doc: ...


def _pmap(pool: ThreadPoolExecutor, fn: Callable[[Any], T], items: Sequence[Any]) -> list[T]:
    """Run `fn` over `items` in the pool; the first exception propagates."""
    return list(pool.map(fn, items))


def use_account_wide(managed: int, in_account: int) -> bool:
    """Whether account-wide lists beat per-product ones (module docstring)."""
    return managed > 1 and managed >= ACCOUNT_WIDE_SHARE * in_account


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
    every_product = client.list_products()
    products = [p for p in every_product if attrs(p).get("name") in wanted]
    products.sort(key=lambda p: str(attrs(p).get("name")))
    if not products:
        _read_unassigned(client, state)
        return state
    account_wide = use_account_wide(len(products), len(every_product))
    pids = [str(p["id"]) for p in products]

    with ThreadPoolExecutor(max_workers=max(1, parallelism)) as pool:
        # Independent lists at once: groups, devices and (account-wide) webhooks.
        if account_wide:
            all_groups = pool.submit(client.list_device_groups)
            all_devices = pool.submit(client.list_devices)
            all_webhooks = pool.submit(client.list_webhooks)
            groups_by_product = _by_product(all_groups.result(), pids)
        else:
            device_lists = [
                pool.submit(client.list_devices, {"product.id": pid}) for pid in pids
            ] + [pool.submit(client.list_devices, {"devicegroup.owner.id": "null"})]
            groups_by_product = _pmap(
                pool, lambda pid: client.list_device_groups({"product.id": pid}), pids
            )
        # The apply lock's group is impops' own bookkeeping, never a managed object.
        groups_by_product = [[g for g in gs if not is_lock_group(g)] for gs in groups_by_product]

        group_index: dict[str, tuple[str, str, Doc]] = {}  # group id -> (product, name, doc)
        for pdoc, groups in zip(products, groups_by_product, strict=True):
            pname = str(attrs(pdoc)["name"])
            for g in groups:
                group_index[str(g["id"])] = (pname, str(attrs(g).get("name", "")), g)

        scopes = [None] if account_wide else pids
        current = _read_current_deployments(client, pool, scopes, groups_by_product, deployments)
        if account_wide:
            webhooks = _bucket_webhooks(all_webhooks.result(), list(group_index))
            device_docs = all_devices.result()
        else:
            webhooks = _read_webhooks(client, pool, list(group_index))
            device_docs = [d for f in device_lists for d in f.result()]

    devices_by_product = _devices_by_product(device_docs, group_index, products)
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
    for d in device_docs:
        if rel_id(d, "devicegroup") is None:
            state.devices.setdefault(str(d["id"]), to_live_device(d, None))
    return state


def _by_product(docs: list[Doc], pids: list[str]) -> list[list[Doc]]:
    """`docs` bucketed by their `product` relationship, in the order of `pids` (others dropped)."""
    buckets: dict[str, list[Doc]] = {pid: [] for pid in pids}
    for d in docs:
        pid = rel_id(d, "product")
        if pid in buckets:
            buckets[pid].append(d)
    return [buckets[pid] for pid in pids]


def _devices_by_product(
    docs: list[Doc], group_index: Mapping[str, tuple[str, str, Doc]], products: list[Doc]
) -> list[list[Doc]]:
    """Devices in managed groups, bucketed by product (through their group; the API does not
    document a device's `product` relationship). Unassigned devices are added separately."""
    buckets: dict[str, list[Doc]] = {str(attrs(p)["name"]): [] for p in products}
    for d in docs:
        entry = group_index.get(rel_id(d, "devicegroup") or "")
        if entry is not None:
            buckets[entry[0]].append(d)
    return [buckets[str(attrs(p)["name"])] for p in products]


def _read_unassigned(client: LiveReader, state: ImpCentralState) -> None:
    for d in client.list_devices({"devicegroup.owner.id": "null"}):
        if rel_id(d, "devicegroup") is None:
            state.devices[str(d["id"])] = to_live_device(d, None)


def _read_webhooks(
    client: LiveReader, pool: ThreadPoolExecutor, group_ids: list[str]
) -> dict[str, list[Doc]]:
    """Webhooks of the managed groups, by group id: per group for a few groups, else all."""
    if not group_ids:
        return {}
    if len(group_ids) <= WEBHOOK_PER_GROUP_MAX:
        lists = _pmap(pool, lambda g: client.list_webhooks({"devicegroup.id": g}), group_ids)
        return _bucket_webhooks([w for hooks in lists for w in hooks], group_ids)
    return _bucket_webhooks(client.list_webhooks(), group_ids)


def _bucket_webhooks(docs: list[Doc], group_ids: list[str]) -> dict[str, list[Doc]]:
    buckets: dict[str, list[Doc]] = {gid: [] for gid in group_ids}
    for w in docs:
        gid = rel_id(w, "devicegroup")
        if gid in buckets:
            buckets[gid].append(w)
    return buckets


def _read_current_deployments(
    client: LiveReader,
    pool: ThreadPoolExecutor,
    scopes: Sequence[str | None],
    groups_by_product: list[list[Doc]],
    strategy: DeploymentStrategy,
) -> dict[str, Doc]:
    """Current deployment documents by id, per list scope by list or by get (module docstring).

    `scopes` is `[None]` (the account) or the product ids, aligned with `groups_by_product`.
    """
    if scopes == [None]:
        per_scope: dict[str | None, set[str]] = {None: _current_ids(sum(groups_by_product, []))}
    else:
        per_scope = {
            pid: _current_ids(groups) for pid, groups in zip(scopes, groups_by_product, strict=True)
        }
    wanted = {cid for ids in per_scope.values() for cid in ids}
    listed = [
        scope
        for scope, ids in per_scope.items()
        if ids and (strategy == "list" or (strategy == "auto" and len(ids) > AUTO_GET_MAX))
    ]

    def keep(doc: Doc) -> bool:
        return str(doc.get("id")) in wanted  # history is dropped page by page

    def list_scope(scope: str | None) -> list[Doc]:
        filters = None if scope is None else {"product.id": scope}
        return client.list_deployments(filters, keep)

    found: dict[str, Doc] = {}
    for docs in _pmap(pool, list_scope, listed):
        found.update((str(d["id"]), d) for d in docs)
    # Scopes read one by one, and anything a list missed (e.g. a moved deployment).
    missing = sorted(wanted - set(found))
    found.update((str(d["id"]), d) for d in _pmap(pool, client.get_deployment, missing))
    return {cid: found[cid] for cid in wanted}


def _current_ids(groups: list[Doc]) -> set[str]:
    return {cid for cid in (rel_id(g, "current_deployment") for g in groups) if cid}


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
