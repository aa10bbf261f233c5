"""Change: one planned action on one resource. Immutable values produced by a provider's differ.

`before` is the live resource (None for a create), `after` the desired one (None for a
delete). `fields` explains an update or replacement field by field. `reason` is a stable code
(see REASONS) shown in every plan format so that a reviewer knows *why* each action happens.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from impops.providers.impcentral.model import AnyResource, Kind


class Action(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"
    REPLACE = "replace"  # destroy, then create the replacement (-/+)

    @property
    def symbol(self) -> str:
        return {"create": "+", "update": "~", "delete": "-", "replace": "-/+"}[self.value]

    @property
    def json_actions(self) -> list[str]:
        """Terraform's action vocabulary for plan JSON."""
        return {
            "create": ["create"],
            "update": ["update"],
            "delete": ["delete"],
            "replace": ["delete", "create"],
        }[self.value]


REASONS = {
    "missing_in_live": "declared in the manifests but absent in impCentral",
    "not_in_manifests": "exists in impCentral but not in the manifests (pruning)",
    "fields_changed": "attributes differ",
    "code_changed": "agent or device code differs from the current deployment",
    "no_deployment": "the group has no deployment yet",
    "requires_replacement": "a field impCentral cannot change in place differs",
    "devices_changed": "assigned devices differ",
}


@dataclass(frozen=True)
class FieldChange:
    """One differing field; `path` is dotted (`env_vars.API_KEY`, `tags`)."""

    path: str
    before: Any
    after: Any
    sensitive: bool = False


@dataclass(frozen=True)
class Change:
    action: Action
    before: AnyResource | None
    after: AnyResource | None
    reason: str
    fields: tuple[FieldChange, ...] = ()
    protected: bool = False  # deleting/changing it always needs --force
    devices_affected: int = 0

    @property
    def resource(self) -> AnyResource:
        resource = self.after if self.after is not None else self.before
        assert resource is not None, "a change has a before or an after"
        return resource

    @property
    def address(self) -> str:
        return self.resource.address

    @property
    def kind(self) -> Kind:
        return self.resource.kind

    @property
    def product(self) -> str:
        return self.resource.product
