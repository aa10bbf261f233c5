"""Turn pydantic validation errors into `ManifestProblem`s at file:line:column.

pydantic reports a location tuple such as `("device_groups", "dev", "env_vars", "K", "str")`;
we follow it through the data to the deepest real path (trailing parts name union members or
`[key]`), look that path up in the file's `PositionMap`, and rewrite the message in manifest
terms ("unknown key `descriptin` (did you mean `description`?)"). Values are never echoed:
they may be secrets.
"""

from __future__ import annotations

import difflib
import re
import types
import typing
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from impops.errors import ManifestProblem
from impops.manifest.models import PATTERN_MESSAGES, UNION_TAGS
from impops.manifest.yaml import PathKey, PositionMap, dotted

_QUOTED = re.compile(r"'([^']*)'")
_TYPE_MESSAGES = {
    "string_type": "expected a string",
    "int_type": "expected an integer",
    "int_from_float": "expected an integer",
    "float_type": "expected a number",
    "bool_type": "expected true or false",
    "dict_type": "expected a map",
    "model_type": "expected a map",
    "model_attributes_type": "expected a map",
    "list_type": "expected a list",
    "literal_error": "",
}


def describe(value: Any) -> str:
    """A value's YAML kind, for messages (never the value itself)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a map"
    return type(value).__name__


def _resolve(data: Any, loc: tuple[int | str, ...]) -> tuple[PathKey, tuple[Any, ...], bool]:
    """Follow `loc` through `data`: (real path, leftover loc parts, whether the last part was
    reached)."""
    path: list[str | int] = []
    current = data
    for index, part in enumerate(loc):
        if part in UNION_TAGS and isinstance(current, dict) and part not in current:
            continue  # a tagged union's member name, not a key of the data
        in_map = isinstance(current, dict) and isinstance(part, str) and part in current
        in_list = isinstance(current, list) and isinstance(part, int) and 0 <= part < len(current)
        if not (in_map or in_list):
            return tuple(path), tuple(loc[index:]), False
        current = current[part]
        path.append(part)
    return tuple(path), (), True


def _unwrap(annotation: Any) -> Any:
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(annotation) if a is not type(None)]
            models = [
                a for a in map(_unwrap, args) if isinstance(a, type) and issubclass(a, BaseModel)
            ]
            args = models if len(models) == 1 else args
            annotation = args[0] if len(args) == 1 else annotation
            if len(args) != 1:
                return annotation
        else:
            return annotation


def fields_at(model: type[BaseModel], path: PathKey) -> list[str]:
    """The keys the schema allows in the map at `path` (empty when it is not a model)."""
    current: Any = model
    for part in path:
        current = _unwrap(current)
        if isinstance(current, type) and issubclass(current, BaseModel):
            info = current.model_fields.get(str(part))
            if info is None:
                return []
            current = info.annotation
        elif typing.get_origin(current) is list:
            current = typing.get_args(current)[0]
        elif typing.get_origin(current) is dict:
            current = typing.get_args(current)[1]
        else:
            return []
    current = _unwrap(current)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return list(current.model_fields)
    return []


def did_you_mean(word: str, choices: list[str]) -> str:
    """` (did you mean `x`?)` when a close match exists."""
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return f" (did you mean `{close[0]}`?)" if close else ""


def _message(error: ErrorDetails, model: type[BaseModel], path: PathKey, data: Any) -> str:
    kind = error["type"]
    ctx = error.get("ctx") or {}
    if kind == "extra_forbidden":
        if path[-1] == "":
            return "empty key"
        allowed = fields_at(model, path[:-1])
        hint = did_you_mean(str(path[-1]), allowed)
        if not hint and allowed:
            hint = f" (allowed: {', '.join(allowed)})"
        return f"unknown key{hint}"
    if kind == "string_pattern_mismatch":
        return str(PATTERN_MESSAGES.get(str(ctx.get("pattern")), error["msg"]))
    if kind == "literal_error":
        expected = str(ctx.get("expected", ""))
        given = error.get("input")
        # The hint names a choice, never the value given (it might be a secret).
        hint = did_you_mean(given, _QUOTED.findall(expected)) if isinstance(given, str) else ""
        if " or " in expected:
            return f"must be one of {expected}{hint}"
        return f"must be {expected}{hint}"
    if kind == "string_too_long":
        return f"too long: at most {ctx.get('max_length')} characters"
    if kind == "string_too_short":
        return "must not be empty"
    if kind == "too_short":
        return "must not be empty"
    if kind in ("less_than_equal", "less_than"):
        return f"must be at most {ctx.get('le', ctx.get('lt'))}"
    if kind in ("greater_than_equal", "greater_than"):
        return f"must be at least {ctx.get('ge', ctx.get('gt'))}"
    if kind in _TYPE_MESSAGES:
        return f"{_TYPE_MESSAGES[kind]}, got {describe(error.get('input'))}"
    return str(error["msg"])


def problems_from(
    exc: ValidationError,
    model: type[BaseModel],
    data: Any,
    positions: PositionMap,
    prefix: PathKey = (),
) -> list[ManifestProblem]:
    """Map every error of `exc` (validating `data` at `prefix` of the file) to a problem."""
    by_path: dict[tuple[PathKey, bool], list[tuple[ErrorDetails, tuple[Any, ...]]]] = {}
    order: list[tuple[PathKey, bool]] = []
    for error in exc.errors(include_url=False):
        path, leftover, _ = _resolve(data, tuple(error["loc"]))
        if error["type"] == "missing":
            slot = ((*path, *leftover[:1]), False)
        else:
            slot = (path, leftover == ("[key]",) or error["type"] == "extra_forbidden")
        if slot not in by_path:
            order.append(slot)
            by_path[slot] = []
        by_path[slot].append((error, leftover))
    problems: list[ManifestProblem] = []
    for slot in order:
        path, on_key = slot
        errors = by_path[slot]
        full = (*prefix, *path)
        first, leftover = errors[0]
        if first["type"] == "missing":
            position = positions.key(full[:-1]) if len(full) > 1 else positions.value(())
            message = "missing required key"
        else:
            position = positions.key(full) if on_key else positions.value(full)
            if len(errors) > 1 and leftover and leftover != ("[key]",):
                got = describe(first.get("input"))
                message = f"expected a string or a number, got {got}"
            else:
                message = _message(first, model, path, data)
        problems.append(ManifestProblem(position, dotted(full), message))
    return problems
