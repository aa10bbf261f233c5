"""The seam between the engine and a provider: what one provider does in one command run.

The CLI opens one `ProviderSession` per provider the project uses (impCentral always, Mnubo
when the manifests have a `mnubo:` section) and composes them; the engine only ever talks to
this protocol, so it imports no provider and providers never import each other.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from contextlib import AbstractContextManager
from typing import Protocol

from impops.engine.apply import Writer
from impops.engine.drift import DriftInput
from impops.engine.plan import PlanInput
from impops.engine.state import State

# provider name -> its live state, as read in one run
LiveStates = Mapping[str, State]


class ProviderSession(Protocol):
    """One provider, authenticated, for the length of a command."""

    @property
    def name(self) -> str: ...

    @property
    def desired(self) -> State: ...

    @property
    def endpoint(self) -> str:
        """Shown in plans and drift reports (never carries credentials)."""
        ...

    def read_live(self, *, readonly: bool = False) -> State:
        """Live state of the scopes the manifests manage; `readonly` reads through a view
        with no write methods (drift)."""
        ...

    def plan_input(self, live: State) -> PlanInput: ...

    def drift_input(self, live: State) -> DriftInput: ...

    def writer(self, live: State, *, git_sha: str | None) -> Writer: ...

    def lock(self, *, timeout: float, scopes: Collection[str]) -> AbstractContextManager[None]:
        """Hold this provider's apply lock on `scopes` (the scopes a plan changes) for the
        block; exit 5 when another apply holds one past `timeout` seconds. apply reads live
        again under it, so a waiting apply plans against what the other one left."""
        ...

    def unlock(self, *, force: bool) -> list[str]:
        """Remove stale locks (fresh ones only with `force`); a line per lock found."""
        ...

    def close(self) -> None: ...
