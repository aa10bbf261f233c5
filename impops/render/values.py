"""Value formatting and structural redaction shared by the plan file and every renderer.

Sensitive values (paths in `Resource.sensitive`) are replaced by `{"redacted": <hmac>}` in
JSON and by `(sensitive value)` in human output; code bodies are summarised by digest and
line count (the unified diffs live in `codediff`, human formats only).
"""

from __future__ import annotations

import json
from typing import Any

from impops import redact
from impops.engine.change import FieldChange
from impops.engine.resource import Resource


def redacted(value: Any) -> dict[str, str]:
    """The JSON stand-in for a secret value: stable for a given fingerprint key."""
    return {"redacted": redact.fingerprint(value)}


def _replace_path(data: dict[str, Any], path: str) -> None:
    parts = path.split(".")
    node: Any = data
    for part in parts[:-1]:
        if not isinstance(node, dict) or part not in node:
            return
        node = node[part]
    if isinstance(node, dict) and parts[-1] in node:
        node[parts[-1]] = redacted(node[parts[-1]])


def resource_json(
    resource: Resource | None, extra_sensitive: frozenset[str] = frozenset()
) -> dict[str, Any] | None:
    """The resource as plan JSON: comparable and policy fields, secrets fingerprinted.

    Code bodies (`CODE_FIELDS`) are left out; the resource's `json_extras` summarise them
    (digests and line counts). `extra_sensitive` adds paths marked on the other side of a
    change (live objects do not know what is secret).
    """
    if resource is None:
        return None
    exclude = {"sensitive", "source", *resource.CODE_FIELDS}
    data: dict[str, Any] = resource.model_dump(mode="json", exclude=exclude)
    data |= resource.json_extras()
    for path in sorted(resource.sensitive | extra_sensitive):
        _replace_path(data, path)
    return data


def sensitive_mask(
    resource: Resource | None, extra_sensitive: frozenset[str] = frozenset()
) -> dict[str, bool]:
    """TF-style mask of sensitive paths (flat, dotted)."""
    if resource is None:
        return {}
    return {path: True for path in sorted(resource.sensitive | extra_sensitive)}


def field_json(change: FieldChange) -> dict[str, Any]:
    if change.sensitive:
        before = None if change.before is None else redacted(change.before)
        after = None if change.after is None else redacted(change.after)
    else:
        before, after = change.before, change.after
    return {"path": change.path, "before": before, "after": after, "sensitive": change.sensitive}


def display(value: Any, sensitive: bool = False, limit: int = 0) -> str:
    """A value for human output: JSON-ish literal, `(sensitive value)` for secrets."""
    if sensitive and value is not None:
        return redact.REDACTED
    if value is None:
        return "null"
    text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    if limit and len(text) > limit:
        text = text[: max(limit - 1, 1)] + "…"
    return text


def short_sha(digest: str | None) -> str:
    return (digest or "")[:7] or "none"
