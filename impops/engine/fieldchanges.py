"""Field-level explanations of a change: which leaves differ, before and after, and whether
each is secret. deepdiff finds the differences; this module shapes them for reviewers."""

from __future__ import annotations

from typing import Any

from deepdiff import DeepDiff

from impops.engine.change import FieldChange
from impops.engine.resource import Resource


def is_sensitive(path: str, *resources: Resource | None) -> bool:
    """True when `path` is, contains or lies inside a sensitive path of either resource."""
    for resource in resources:
        if resource is None:
            continue
        for secret in resource.sensitive:
            if path == secret or secret.startswith(path + ".") or path.startswith(secret + "."):
                return True
    return False


def _lookup(data: dict[str, Any], path: list[str]) -> Any:
    value: Any = data
    for part in path:
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


def field_changes(
    before: Resource, after: Resource, old: dict[str, Any], new: dict[str, Any]
) -> tuple[FieldChange, ...]:
    """Explain differences between two comparable dicts, one FieldChange per leaf.

    deepdiff finds the differences; nested dicts (env_vars) are reported per key, lists (tags,
    devices) as a whole field so that a reviewer sees the before and after list.
    """
    if old == new:  # the common case of a no-change plan: nothing for deepdiff to find
        return ()
    paths: set[tuple[str, ...]] = set()
    for levels in DeepDiff(old, new, view="tree").values():
        for level in levels:
            parts = [str(p) for p in level.path(output_format="list")]
            if not parts:
                continue
            top = parts[0]
            nested = isinstance(old.get(top), dict) or isinstance(new.get(top), dict)
            paths.add(tuple(parts[:2]) if nested and len(parts) > 1 else (top,))
    return tuple(
        FieldChange(
            path=".".join(path),
            before=_lookup(old, list(path)),
            after=_lookup(new, list(path)),
            sensitive=is_sensitive(".".join(path), before, after),
        )
        for path in sorted(paths)
    )
