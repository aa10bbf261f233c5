"""impCentral as a provider session: credentials, client, desired and live state, writer.

Built by the CLI for every project (the manifests always describe impCentral products).
"""

from __future__ import annotations

import os
import time
from collections.abc import Collection, Iterator, Mapping
from contextlib import contextmanager

from impops import redact
from impops.engine.drift import DriftInput
from impops.engine.plan import PlanInput
from impops.engine.state import State
from impops.manifest import Project
from impops.providers.impcentral import undeclared
from impops.providers.impcentral.api.client import ImpCentralClient
from impops.providers.impcentral.desired import build_desired
from impops.providers.impcentral.diff import diff
from impops.providers.impcentral.drift import drift_input, read_live_readonly
from impops.providers.impcentral.live import LiveReader, read_live
from impops.providers.impcentral.lock import ApplyLock, lock_ttl, unlock
from impops.providers.impcentral.model import PROVIDER, ImpCentralState
from impops.providers.impcentral.prefetch import EarlyRead, Prefetch, PrefetchedReader
from impops.providers.impcentral.renames import previous_product_names
from impops.providers.impcentral.settings import Settings
from impops.providers.impcentral.translate import attrs
from impops.providers.impcentral.writer import ChangeWriter


class ImpCentralSession:
    """impCentral for one command run (see `impops.engine.provider.ProviderSession`)."""

    name = PROVIDER

    def __init__(
        self,
        project: Project,
        *,
        env: Mapping[str, str] | None = None,
        parallelism: int = 8,
        desired: ImpCentralState | None = None,
        early: EarlyRead | None = None,
    ) -> None:
        self.project = project
        self.desired: ImpCentralState = desired if desired is not None else build_desired(project)
        self.settings = Settings.from_env(env, default_endpoint=project.endpoint)
        # Secret fingerprints in plans are keyed by the credentials (see impops.redact).
        redact.configure_key(self.settings.fingerprint_material())
        # The client (and its prefetch) opened before the manifests loaded serves this run
        # only if the loaded project gives the same settings (an endpoint from `${VAR}`...).
        self._prefetch: Prefetch | None = None
        if early is not None and early.settings == self.settings:
            self.client, self._prefetch = early.client, early.prefetch
        else:
            if early is not None:
                early.close()
            self.client = ImpCentralClient(self.settings)
        self.endpoint = self.settings.endpoint
        self.parallelism = parallelism
        self.env = env
        self._lock: ApplyLock | None = None

    @property
    def product_names(self) -> list[str]:
        """Managed products plus the previous names of declared ones (renames find them)."""
        return list(self.project.product_names) + previous_product_names(self.project)

    @property
    def managed(self) -> tuple[str, ...]:
        """Declared products plus retired ones: what remains live of those is deleted."""
        return tuple(self.project.product_names)

    def live_product_ids(self) -> dict[str, str]:
        """Managed products that exist live: name -> id (one list call)."""
        wanted = set(self.product_names)
        return {
            str(attrs(p).get("name")): str(p["id"])
            for p in self.client.list_products()
            if attrs(p).get("name") in wanted
        }

    @contextmanager
    def lock(self, *, timeout: float, scopes: Collection[str]) -> Iterator[None]:
        """Hold the apply lock of the live products among `scopes` for the block (see
        `lock`); a product the apply creates is locked when it is created."""
        env = os.environ if self.env is None else self.env
        ttl = lock_ttl(env)
        self._lock = ApplyLock(self.client, ttl=ttl, workers=self.parallelism)
        wanted = set(scopes)
        products = {n: i for n, i in self.live_product_ids().items() if n in wanted}
        self._lock.acquire(products, timeout=timeout)
        try:
            yield
        finally:
            lock, self._lock = self._lock, None
            lock.release()

    def unlock(self, *, force: bool) -> list[str]:
        """Remove the managed products' locks (fresh ones only with `force`); one line each."""
        lines = []
        for info, removed in unlock(self.client, self.live_product_ids(), force=force):
            verb = "removed" if removed else "kept (not expired; --force removes it)"
            lines.append(f"{info.product}: lock {info.describe()}, expires {info.expires}: {verb}")
        return lines

    def read_live(self, *, readonly: bool = False) -> ImpCentralState:
        """Live state; the first read is answered from the prefetch, if any, and only it."""
        reader = read_live_readonly if readonly else read_live
        prefetch, self._prefetch = self._prefetch, None
        source: LiveReader = (
            self.client if prefetch is None else PrefetchedReader(self.client, prefetch)
        )
        started = time.monotonic()
        try:
            client = undeclared.ProductsOnce(source)  # one product list for both reads
            state = reader(client, self.product_names, parallelism=self.parallelism)
            state.read_at = started
            state.undeclared_products = undeclared.find(client, self.product_names)
        finally:
            if prefetch is not None:
                prefetch.close()
        return state

    def plan_input(self, live: State) -> PlanInput:
        return PlanInput(self.desired, live, diff, self.managed)

    def drift_input(self, live: State) -> DriftInput:
        assert isinstance(live, ImpCentralState)
        return drift_input(self.desired, live, self.managed)

    def writer(self, live: State, *, git_sha: str | None) -> ChangeWriter:
        assert isinstance(live, ImpCentralState)
        return ChangeWriter(
            self.client,
            self.desired,
            live,
            git_sha=git_sha,
            unbond_key=self.settings.unbond_key,
            lock=self._lock,
        )

    def close(self) -> None:
        if self._prefetch is not None:
            self._prefetch.close()
        self.client.close()
