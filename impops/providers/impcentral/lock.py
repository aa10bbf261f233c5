"""An apply lock impCentral itself enforces: one device group named `impops-lock` per product.

impCentral has no compare-and-set, but it refuses a second device group with the same name in
a product (409 "Devicegroups must have unique names."). Creating that group is therefore an
atomic test-and-set: whoever creates it holds the lock for that product, and applies to other
products run in parallel (one CI job per product is how large fleets scale out). The group is
an empty development group; its description records the holder as JSON:

    {"impops_lock": 1, "owner": "<random token>", "holder": "ci@runner pid 42 (<job url>)",
     "since": "2026-12-01T18:00:00Z", "expires": "2026-12-01T19:00:00Z"}

A lock whose `expires` has passed is stale: a waiting apply deletes and retakes it (if two try
at once, uniqueness again lets one win). `impops unlock` removes locks by hand. The live
reader skips the group, so plans, drift and export never see it; the manifests may not
declare a group of that name.
"""

from __future__ import annotations

import getpass
import json
import os
import socket
import time
import uuid
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from impops.errors import ConfigError, ExitCode, ImpopsError
from impops.providers.impcentral.api.client import ImpCentralClient
from impops.providers.impcentral.api.errors import ConflictError, NotFoundError

LOCK_GROUP = "impops-lock"
LOCK_TYPE = "development_devicegroup"
DEFAULT_TTL = 3600.0  # an apply that runs longer than an hour should say so (IMPOPS_LOCK_TTL)
POLL_SECONDS = 2.0

T = TypeVar("T")


class LockHeldError(ImpopsError):
    """Another apply holds the lock of a product (exit 5)."""

    exit_code = ExitCode.LOCKED


@dataclass(frozen=True)
class LockInfo:
    """A lock as read back from its group."""

    product: str
    group_id: str
    owner: str
    holder: str
    since: str
    expires: str

    def expired(self, now: datetime) -> bool:
        try:
            return datetime.fromisoformat(self.expires.replace("Z", "+00:00")) <= now
        except ValueError:
            return True  # unreadable expiry: a lock nobody can renew is stale

    def describe(self) -> str:
        return f"held by {self.holder or 'unknown'} since {self.since or '(unknown)'}"


def lock_ttl(env: Mapping[str, str]) -> float:
    """`IMPOPS_LOCK_TTL` in seconds (default an hour); a bad value is a ConfigError."""
    raw = env.get("IMPOPS_LOCK_TTL", "").strip()
    if not raw:
        return DEFAULT_TTL
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if value <= 0:
        raise ConfigError(f"IMPOPS_LOCK_TTL must be a positive number of seconds, not {raw!r}")
    return value


def is_lock_group(doc: Mapping[str, Any]) -> bool:
    """True for the lock's device group (the live reader leaves it out)."""
    return (doc.get("attributes") or {}).get("name") == LOCK_GROUP


def default_holder(env: Mapping[str, str] | None = None) -> str:
    """Who is applying, for the person who finds the lock held: user, host, pid, CI job."""
    env = os.environ if env is None else env
    try:
        user = getpass.getuser()
    except (OSError, KeyError):
        user = "unknown"
    job = env.get("CI_JOB_URL", "")
    if not job and env.get("GITHUB_RUN_ID"):
        server = env.get("GITHUB_SERVER_URL", "https://github.com")
        job = f"{server}/{env.get('GITHUB_REPOSITORY', '')}/actions/runs/{env['GITHUB_RUN_ID']}"
    text = f"{user}@{socket.gethostname()} pid {os.getpid()}"
    return f"{text} ({job})" if job else text


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse(product: str, doc: Mapping[str, Any]) -> LockInfo:
    try:
        data = json.loads(str((doc.get("attributes") or {}).get("description") or ""))
    except json.JSONDecodeError:
        data = {}
    if not isinstance(data, dict):
        data = {}
    return LockInfo(
        product=product,
        group_id=str(doc.get("id", "")),
        owner=str(data.get("owner", "")),
        holder=str(data.get("holder", "")),
        since=str(data.get("since", "")),
        expires=str(data.get("expires", "")),
    )


class ApplyLock:
    """The locks of one apply: acquire per product (all at once, waiting in sorted order so
    two applies never deadlock), release all at the end."""

    def __init__(
        self,
        client: ImpCentralClient,
        *,
        holder: str | None = None,
        ttl: float = DEFAULT_TTL,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        sleep: Callable[[float], None] = time.sleep,
        workers: int = 8,
    ) -> None:
        self.client = client
        self.workers = max(1, workers)
        self.holder = holder or default_holder()
        self.owner = uuid.uuid4().hex
        self.ttl = ttl
        self.clock = clock
        self.sleep = sleep
        self.held: dict[str, str] = {}  # product -> lock group id
        self._since: dict[str, float] = {}  # product -> time.monotonic() when taken

    def _hold(self, product: str, group_id: str) -> None:
        self._since[product] = time.monotonic()
        self.held[product] = group_id

    def held_since(self, product: str) -> float | None:
        """When (`time.monotonic()`) this apply took `product`'s lock; None if it holds none."""
        return self._since.get(product) if product in self.held else None

    def find(self, product: str, product_id: str) -> LockInfo | None:
        for doc in self.client.list_device_groups({"product.id": product_id}):
            if is_lock_group(doc):
                return _parse(product, doc)
        return None

    def _try(self, product: str, product_id: str) -> LockInfo | None:
        """One attempt: None when we now hold the lock, else the holder's lock."""
        now = self.clock()
        description = json.dumps(
            {
                "impops_lock": 1,
                "owner": self.owner,
                "holder": self.holder,
                "since": _iso(now),
                "expires": _iso(now + timedelta(seconds=self.ttl)),
            },
            sort_keys=True,
        )
        try:
            doc = self.client.create_device_group(
                product_id, LOCK_TYPE, {"name": LOCK_GROUP, "description": description}
            )
        except ConflictError:
            doc = None
        if doc is not None:
            info = _parse(product, doc)
            if info.owner == self.owner:  # after an ambiguous create the client may hand
                self._hold(product, info.group_id)  # back someone else's group: check
                return None
            return info
        found = self.find(product, product_id)
        if found is None:
            return LockInfo(product, "", "", "", "", "")  # released meanwhile: try again
        if found.owner == self.owner:
            self._hold(product, found.group_id)
            return None
        if found.expired(now):
            self._delete(found.group_id)  # stale: take it over on the next attempt
        return found

    def acquire(self, products: Mapping[str, str], *, timeout: float = 0.0) -> None:
        """Lock every product (name -> id); wait up to `timeout` seconds for each held one.

        All products are tried at once first: when nobody else holds any (the usual case)
        that is one round of concurrent creates, not one create after another. Waiting keeps
        the rule that rules out deadlock between two applies: a product is waited for only
        while this apply holds nothing that sorts after it, so the locks taken in the first
        round past the first held product are given back before waiting.

        Raises LockHeldError naming the holder and since when; locks taken so far are
        released first, so a failed acquire leaves nothing behind.
        """
        deadline = time.monotonic() + max(0.0, timeout)
        order = sorted(products)
        try:
            first = self._each(lambda p: self._try(p, products[p]), order)
            waiting = [p for p, info in zip(order, first, strict=True) if info is not None]
            if not waiting:
                return
            self._give_back([p for p in self.held if p > waiting[0]])
            for product in order[order.index(waiting[0]) :]:
                while product not in self.held:
                    info = self._try(product, products[product])
                    if info is None:
                        break
                    if time.monotonic() >= deadline:
                        raise LockHeldError(
                            f"product {product!r} is locked by another apply: "
                            f"{info.describe()}. Wait for it (--lock-timeout SECONDS), or, "
                            "if that apply is gone, run `impops unlock`."
                        )
                    self.sleep(min(POLL_SECONDS, max(0.05, deadline - time.monotonic())))
        except BaseException:
            self.release()
            raise

    def _each(self, fn: Callable[[str], T], products: list[str]) -> list[T]:
        """`fn` over `products` concurrently (the client's limiter paces the calls); every
        call finishes before the first error, if any, is raised."""
        if len(products) <= 1:
            return [fn(p) for p in products]
        with ThreadPoolExecutor(min(self.workers, len(products)), "impops-lock") as pool:
            futures = [pool.submit(fn, p) for p in products]
            wait(futures)
        return [f.result() for f in futures]

    def _give_back(self, products: list[str]) -> None:
        ids = [self.held.pop(p) for p in sorted(products)]
        self._each(self._delete, ids)

    def adopt_new_product(self, product: str, product_id: str) -> None:
        """Lock a product this apply just created, before anything is written into it."""
        if self._try(product, product_id) is not None:
            raise LockHeldError(f"product {product!r} was locked by another apply meanwhile")

    def release(self) -> None:
        """Delete every lock this apply holds, concurrently; each is tried even when another
        delete fails (the first error is raised after)."""
        self._give_back(list(self.held))

    def release_product(self, product: str) -> None:
        """Drop one product's lock early: the product itself is about to be deleted, and
        impCentral refuses to delete a product that still has a device group."""
        group_id = self.held.pop(product, "")
        self._delete(group_id)

    def _delete(self, group_id: str) -> None:
        if not group_id:
            return
        try:
            self.client.delete_device_group(group_id)
        except NotFoundError:
            pass  # already gone: someone else took over a stale lock, or it was unlocked


def unlock(
    client: ImpCentralClient,
    products: Mapping[str, str],
    *,
    force: bool,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> list[tuple[LockInfo, bool]]:
    """Remove the locks of `products` (name -> id): expired ones always, fresh ones only with
    `force`. Returns each lock found and whether it was removed."""
    result = []
    helper = ApplyLock(client, holder="impops unlock")
    for product in sorted(products):
        info = helper.find(product, products[product])
        if info is None:
            continue
        remove = force or info.expired(clock())
        if remove:
            helper._delete(info.group_id)
        result.append((info, remove))
    return result
