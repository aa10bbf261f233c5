"""`${VAR}` substitution and secret tracking for product manifests.

A reference is resolved from the environment first, then from the project's `vars:` map; `$${`
writes a literal `${`. Variables (and `!secret`) are only allowed in the value fields listed in
`SECRET_CAPABLE`: names, types, targets and code paths are identities and must be literal.
Every value that used a variable, and every `!secret` value, is sensitive: its path is returned
so that `impops.desired` can mark the resource field, and its text is registered with
`impops.redact` so it is scrubbed from every output.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from impops import redact
from impops.errors import ManifestProblem
from impops.manifest.yaml import PathKey, PositionMap, dotted

VAR_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
VAR_NAME_RE = re.compile(rf"^{VAR_NAME}$")
_TOKEN_RE = re.compile(r"\$\$\{|\$\{([^}]*)\}|\$\{")

_ANY = object()  # wildcard: any map key
_INDEX = -1  # wildcard: any list index

# Paths (within a product file) whose values may use variables or `!secret`.
SECRET_CAPABLE: tuple[tuple[object, ...], ...] = (
    ("description",),
    ("device_groups", _ANY, "description"),
    ("device_groups", _ANY, "env_vars", _ANY),
    ("device_groups", _ANY, "region"),
    ("device_groups", _ANY, "deployment", "description"),
    ("device_groups", _ANY, "deployment", "tags", _INDEX),
    ("device_groups", _ANY, "webhooks", _INDEX, "url"),
    ("device_groups", _ANY, "devices", _INDEX),
    ("device_groups", _ANY, "code", "builder", "variables", _ANY),
)


def secret_capable(path: PathKey) -> bool:
    """Whether the value at `path` may come from a variable or be tagged `!secret`."""
    for pattern in SECRET_CAPABLE:
        if len(pattern) == len(path) and all(
            want is _ANY
            or (want == _INDEX and isinstance(got, int))
            or (want == got and not isinstance(got, int))
            for want, got in zip(pattern, path, strict=True)
        ):
            return True
    return False


@dataclass
class Substituted:
    """The data with variables resolved, the sensitive paths, and the problems met."""

    data: Any
    sensitive: set[PathKey] = field(default_factory=set)
    unresolved: set[PathKey] = field(default_factory=set)  # values with a bad reference
    problems: list[ManifestProblem] = field(default_factory=list)


class _Resolver:
    def __init__(
        self, env: Mapping[str, str], defaults: Mapping[str, str], positions: PositionMap
    ) -> None:
        self.env = env
        self.defaults = defaults
        self.positions = positions
        self.result = Substituted(None)

    def problem(self, path: PathKey, message: str) -> None:
        position = self.positions.value(path)
        self.result.problems.append(ManifestProblem(position, dotted(path), message))

    def walk(self, value: Any, path: PathKey) -> Any:
        if isinstance(value, dict):
            return {k: self.walk(v, (*path, k)) for k, v in value.items()}
        if isinstance(value, list):
            return [self.walk(v, (*path, i)) for i, v in enumerate(value)]
        if isinstance(value, str):
            return self.string(value, path)
        return value

    def string(self, text: str, path: PathKey) -> str:
        if "${" not in text:  # every token (`${...}`, `${`, `$${`) holds it: nothing to do
            return text
        matches = list(_TOKEN_RE.finditer(text))
        if not matches:
            return text
        references = [m for m in matches if m.group(0) != "$${"]
        if references and not secret_capable(path):
            self.problem(
                path,
                "variables are not allowed here (names, types, targets, code paths, events "
                "and modes must be written literally; `$${` writes a literal `${`)",
            )
            self.result.unresolved.add(path)
            return text
        out: list[str] = []
        used: list[str] = []
        last = 0
        for match in matches:
            out.append(text[last : match.start()])
            last = match.end()
            token = match.group(0)
            if token == "$${":
                out.append("${")
                continue
            name = match.group(1)
            value: str | None = None
            if name is None:
                self.problem(path, "unterminated `${` (write `$${` for a literal `${`)")
            elif not VAR_NAME_RE.match(name):
                self.problem(path, f"bad variable name `{name}` (letters, digits, `_`)")
            elif name in self.env:
                value = self.env[name]
            elif name in self.defaults:
                value = self.defaults[name]
            else:
                self.problem(path, f"variable `{name}` is not set (environment or `vars:`)")
            if value is None:
                out.append(token)
                self.result.unresolved.add(path)
            else:
                out.append(value)
                used.append(value)
        out.append(text[last:])
        resolved = "".join(out)
        if used:
            self.result.sensitive.add(path)
            for value in used:
                redact.register(value)
            redact.register(resolved)
        return resolved


def substitute(
    data: Any,
    positions: PositionMap,
    secret_paths: set[PathKey],
    env: Mapping[str, str],
    defaults: Mapping[str, str],
) -> Substituted:
    """Resolve `${VAR}` in every string of `data`; mark variable and `!secret` values sensitive."""
    resolver = _Resolver(env, defaults, positions)
    resolver.result.data = resolver.walk(data, ())
    for path in sorted(secret_paths, key=dotted):
        if not secret_capable(path):
            resolver.problem(
                path,
                "`!secret` is not allowed here (only descriptions, env_vars "
                "values, region, deployment tags, webhook URLs, devices and Builder "
                "variables)",
            )
            # Blank the value: later checks quote names, types and targets in their messages
            # (and a value shorter than redact's minimum would not be scrubbed).
            _blank(resolver.result.data, path)
            resolver.result.unresolved.add(path)
            continue
        resolver.result.sensitive.add(path)
        value = _get(resolver.result.data, path)
        if value is not None:
            redact.register(value)
    return resolver.result


def _blank(data: Any, path: PathKey) -> None:
    """Set the value at `path` to None (the path exists: the builder recorded it)."""
    parent = _get(data, path[:-1])
    if isinstance(parent, dict | list):
        try:
            parent[path[-1]] = None  # type: ignore[index]
        except (KeyError, IndexError, TypeError):
            return


def _get(data: Any, path: PathKey) -> Any:
    for part in path:
        try:
            data = data[part]
        except (KeyError, IndexError, TypeError):
            return None
    return data
