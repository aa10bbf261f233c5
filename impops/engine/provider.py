"""The seam between the engine and a provider: what one provider does in one command run.

The CLI opens one `ProviderSession` per provider the project uses (impCentral always, Mnubo
when the manifests have a `mnubo:` section) and composes them; the engine only ever talks to
this protocol, so it imports no provider and providers never import each other.
"""

from __future__ import annotations

from collections.abc import Mapping
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

    def close(self) -> None: ...
