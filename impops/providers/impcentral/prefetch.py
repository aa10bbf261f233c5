"""The account-wide lists of a live read, started while the manifests are still loading.

A plan's first seconds are CPU (composing the YAML of the product files) and its next ones are
network (the live read, paced by the rate limit). The account-wide lists the live reader makes
for a large fleet (`live.py`) do not depend on what the manifests say, only on whether they
will be used: so, as soon as `impops.yaml` tells how many product files there are, a
`Prefetch` sends those exact calls in the background, and the live read is answered from them
once the manifests are loaded. Plan time becomes about max(load, read) instead of load + read.

Decisions:

* **Only where the reader would use them.** After `list_products()`, the lists are prefetched
  only when the product files would make the read account-wide (`live.use_account_wide`,
  counting every product file as a managed product). A project managing 1 product of 20 (one CI
  job per product) sends only the product list early: the per-product reads it needs depend on
  the manifests, and an unneeded account-wide read would spend the account's shared rate limit.
* **Exactly the reader's calls.** `list_device_groups()`, `list_devices()`, `list_webhooks()`
  and `list_deployments()` with no filters, as the account-wide read makes them; the deployment
  list keeps the current deployments of every group of the account (the reader, asking later
  with its own `keep` for its managed groups, gets the subset it asked for). Answers and
  errors are the API's own, handed over as if the call were made then.
* **Once, and only to the first read.** Each answer is served at most once, and only to the
  read it was started for (`ImpCentralSession` drops the prefetch after that read): a read under
  the apply lock is never answered from before the lock.
* **Nothing left running.** `close()` cancels what has not started and waits for what is in
  flight, so no request of a finished command reaches the API afterwards (a manifest error
  ends the run before the prefetch is used).
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from threading import Lock

from impops.providers.impcentral.api.client import ImpCentralClient
from impops.providers.impcentral.live import AUTO_GET_MAX, Doc, LiveReader, use_account_wide
from impops.providers.impcentral.lock import is_lock_group
from impops.providers.impcentral.settings import Settings
from impops.providers.impcentral.translate import rel_id

LISTS = ("list_device_groups", "list_devices", "list_webhooks", "list_deployments")


class Prefetch:
    """Background account-wide reads for one live read (see the module docstring)."""

    def __init__(self, client: LiveReader, product_files: int) -> None:
        self.client = client
        self.product_files = product_files
        self._pool = ThreadPoolExecutor(len(LISTS), "impcentral-prefetch")
        self._lock = Lock()
        self._answers: dict[str, Future[list[Doc]]] = {}
        self._started = self._answers["list_products"] = self._pool.submit(self._start)

    def _start(self) -> list[Doc]:
        products = self.client.list_products()
        if use_account_wide(self.product_files, len(products)):
            with self._lock:
                groups = self._submit("list_device_groups", self.client.list_device_groups)
                self._submit("list_devices", self.client.list_devices)
                self._submit("list_webhooks", self.client.list_webhooks)
                self._submit("list_deployments", lambda: self._deployments(groups))
        return products

    def _submit(self, name: str, call: Callable[[], list[Doc]]) -> Future[list[Doc]]:
        future = self._pool.submit(call)
        self._answers[name] = future
        return future

    def _deployments(self, groups: Future[list[Doc]]) -> list[Doc]:
        """Current deployments of every group, history dropped page by page; `_NotListed`
        where the reader GETs them one by one (`live.AUTO_GET_MAX`), so nothing is listed."""
        current = {
            cid
            for g in groups.result()
            if not is_lock_group(g) and (cid := rel_id(g, "current_deployment"))
        }
        if len(current) <= AUTO_GET_MAX:
            raise _NotListed
        return self.client.list_deployments(None, lambda d: str(d.get("id")) in current)

    def take(self, name: str) -> list[Doc] | None:
        """The prefetched answer of the unfiltered call `name`, once; None when there is none
        (not prefetched, or already served). A prefetched error is raised here."""
        if name != "list_products" and self._started.exception() is not None:
            return None  # nothing else was started; the product list's error is the answer
        with self._lock:
            future = self._answers.pop(name, None)
        if future is None:
            return None
        try:
            return future.result()
        except _NotListed:
            return None

    def close(self) -> None:
        """Cancel what has not started and wait for what is in flight."""
        with self._lock:
            self._answers.clear()
        self._pool.shutdown(wait=True, cancel_futures=True)


class _NotListed(Exception):
    """The reader reads these deployments one by one: there is no prefetched list."""


class PrefetchedReader:
    """A `LiveReader` whose unfiltered lists come from a `Prefetch` when it has them."""

    def __init__(self, client: LiveReader, prefetch: Prefetch) -> None:
        self.client = client
        self.prefetch = prefetch

    def list_products(self, filters: dict[str, str] | None = None) -> list[Doc]:
        return self._list("list_products", filters, self.client.list_products)

    def list_device_groups(self, filters: dict[str, str] | None = None) -> list[Doc]:
        return self._list("list_device_groups", filters, self.client.list_device_groups)

    def list_devices(self, filters: dict[str, str] | None = None) -> list[Doc]:
        return self._list("list_devices", filters, self.client.list_devices)

    def list_webhooks(self, filters: dict[str, str] | None = None) -> list[Doc]:
        return self._list("list_webhooks", filters, self.client.list_webhooks)

    def list_deployments(
        self, filters: dict[str, str] | None = None, keep: Callable[[Doc], bool] | None = None
    ) -> list[Doc]:
        if not filters and keep is not None:  # the prefetch holds current deployments only
            found = self.prefetch.take("list_deployments")
            if found is not None:
                return [d for d in found if keep(d)]
        return self.client.list_deployments(filters, keep)

    def get_deployment(self, deployment_id: str) -> Doc:
        return self.client.get_deployment(deployment_id)

    def _list(
        self, name: str, filters: dict[str, str] | None, call: Callable[..., list[Doc]]
    ) -> list[Doc]:
        if not filters:
            found = self.prefetch.take(name)
            if found is not None:
                return found
        return call(filters)


class EarlyRead:
    """A client opened from `impops.yaml` alone, and the prefetch it started; handed to
    `ImpCentralSession`, which keeps both if the loaded project gives the same settings."""

    def __init__(self, settings: Settings, product_files: int) -> None:
        self.settings = settings
        self.client = ImpCentralClient(settings)
        self.prefetch = Prefetch(self.client, product_files)

    def close(self) -> None:
        self.prefetch.close()
        self.client.close()
