"""`State`: resources by address, as one provider's manifests or live API describe them.

The engine needs only the resources, the server ids and the live fingerprints (a value that
changes whenever the live object changes, used by saved plans to detect staleness). Providers
subclass it to keep facts their differ and writer need beside the resources (impCentral keeps
the account's devices and deployment history); those facts are never compared.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from impops.engine.resource import Resource


@dataclass
class State:
    resources: dict[str, Resource] = field(default_factory=dict)
    ids: dict[str, str] = field(default_factory=dict)
    fingerprints: dict[str, str] = field(default_factory=dict)

    def add(self, resource: Resource) -> None:
        """Add a resource; a second one at the same address is a programming error."""
        if resource.address in self.resources:
            raise ValueError(f"duplicate resource address {resource.address}")
        self.resources[resource.address] = resource

    def of_kind(self, kind: str) -> list[Resource]:
        return [r for r in self.resources.values() if r.kind == kind]

    def scopes(self) -> set[str]:
        return {r.scope for r in self.resources.values()}
