"""Mnubo as a provider session: credentials per zone, clients, desired and live state.

Opened by the CLI when `impops.yaml` names a Mnubo model file. The sandbox is always read;
production only when something is promoted or production devices are registered (a project
with a sandbox alone needs no production credentials). The device registry's entries come
from the CLI (`use_registry`), because only it may look at impCentral's state.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from contextlib import AbstractContextManager, nullcontext

from impops.engine.drift import DriftInput
from impops.engine.plan import PlanInput
from impops.engine.state import State
from impops.manifest.mnubo import MnuboModel
from impops.providers.mnubo.client import MnuboClient
from impops.providers.mnubo.desired import build_desired
from impops.providers.mnubo.diff import diff
from impops.providers.mnubo.drift import ReadOnlyMnubo, drift_input
from impops.providers.mnubo.live import LiveReader, read_live
from impops.providers.mnubo.model import PROVIDER, SANDBOX, DeviceObjects, MnuboState
from impops.providers.mnubo.registry import RegistryEntry
from impops.providers.mnubo.settings import ZONES, load_zones
from impops.providers.mnubo.transport import RetryOptions
from impops.providers.mnubo.writer import MnuboWriter


class MnuboSession:
    """Mnubo for one command run (see `impops.engine.provider.ProviderSession`)."""

    name = PROVIDER

    def __init__(
        self,
        model: MnuboModel,
        *,
        env: Mapping[str, str] | None = None,
        registry: Iterable[RegistryEntry] = (),
        retry: RetryOptions | None = None,
        production: bool = False,
    ) -> None:
        self.model = model
        self._env = env
        self._retry = retry
        self._always_production = production
        self.clients: dict[str, MnuboClient] = {}
        self.use_registry(registry)

    def use_registry(self, entries: Iterable[RegistryEntry]) -> None:
        """Set the devices to register and (re)open the clients of the zones now needed."""
        self.registry = tuple(sorted(set(entries)))
        self._desired = build_desired(self.model, self.registry)
        zones = set(self._desired.zones) | ({"production"} if self._always_production else set())
        settings = load_zones(zones, self._env)
        for zone in ZONES:
            if zone in settings and zone not in self.clients:
                self.clients[zone] = MnuboClient(settings[zone], self._retry)

    @property
    def desired(self) -> MnuboState:
        return self._desired

    @property
    def endpoint(self) -> str:
        return self.clients[SANDBOX].settings.url

    def _wanted(self) -> dict[str, dict[str, list[str]]]:
        wanted: dict[str, dict[str, list[str]]] = {}
        for r in self._desired.of_kind(DeviceObjects.kind):
            assert isinstance(r, DeviceObjects)
            wanted.setdefault(r.zone, {})[r.key] = list(r.devices)
        return wanted

    def read_live(self, *, readonly: bool = False) -> MnuboState:
        readers: dict[str, LiveReader] = {
            zone: (ReadOnlyMnubo(c) if readonly else c) for zone, c in self.clients.items()
        }
        return read_live(readers, self._wanted())

    def plan_input(self, live: State) -> PlanInput:
        return PlanInput(self._desired, live, diff)

    def drift_input(self, live: State) -> DriftInput:
        assert isinstance(live, MnuboState)
        return drift_input(self._desired, live)

    def writer(self, live: State, *, git_sha: str | None) -> MnuboWriter:
        assert isinstance(live, MnuboState)
        return MnuboWriter(self.clients, live)

    def lock(self, *, timeout: float, scopes: Collection[str]) -> AbstractContextManager[None]:
        """No lock of its own: Mnubo refuses a second entity with the same key (409) and the
        registry's upserts are idempotent, so two applies cannot double anything here. The
        impCentral product locks, taken first, serialise applies of one project anyway."""
        return nullcontext()

    def unlock(self, *, force: bool) -> list[str]:
        return []

    def close(self) -> None:
        for client in self.clients.values():
            client.close()
