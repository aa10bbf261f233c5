"""Change: one planned action on one resource. Immutable values produced by a provider's differ.

`before` is the live resource (None for a create), `after` the desired one (None for a
delete); both are resources of the same provider. `fields` explains an update or
replacement field by field. `reason` is a stable code (see `reason_text`) shown in every
plan format so that a reviewer knows *why* each action happens.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from impops.engine.resource import Resource


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
    "missing_in_live": "declared in the manifests but absent live",
    "not_in_manifests": "exists live but not in the manifests (pruning)",
    "fields_changed": "attributes differ",
    "requires_replacement": "a field the API cannot change in place differs",
}
# Provider-specific wording and reason codes: provider -> code -> text.
PROVIDER_REASONS: dict[str, dict[str, str]] = {}


def register_reasons(provider: str, reasons: dict[str, str]) -> None:
    """A provider names its own reason codes (and words the generic ones its own way)."""
    PROVIDER_REASONS.setdefault(provider, {}).update(reasons)


def reason_text(provider: str, code: str) -> str:
    return PROVIDER_REASONS.get(provider, {}).get(code) or REASONS.get(code, code)


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
    before: Resource | None
    after: Resource | None
    reason: str
    fields: tuple[FieldChange, ...] = ()
    protected: bool = False  # deleting/changing it always needs --force (or --allow ADDRESS)
    protected_reason: str = ""  # why it is protected, in words a reviewer can judge
    devices_affected: int = 0
    impossible: str = ""  # the API cannot make this change: why, and the way out
    note: str = ""  # what a reviewer should know beyond the reason (a rename, a move, a hint)

    @property
    def resource(self) -> Resource:
        resource = self.after if self.after is not None else self.before
        assert resource is not None, "a change has a before or an after"
        return resource

    @property
    def address(self) -> str:
        return self.resource.address

    @property
    def kind(self) -> str:
        return self.resource.kind

    @property
    def provider(self) -> str:
        return self.resource.PROVIDER

    @property
    def scope(self) -> str:
        return self.resource.scope

    @property
    def product(self) -> str:
        """The scope under its impCentral name (plan JSON and renderers call it product)."""
        return self.resource.scope

    @property
    def reason_text(self) -> str:
        return reason_text(self.provider, self.reason)
