"""Builder's built-in expression functions: ``base64``, ``escape``, ``min``/``max``/``abs`` and
the ``S.*`` string helpers (each calls the JavaScript string method on its first argument).

``defined()`` is a syntactic form (see the evaluator) and ``include()`` needs the interpreter,
so neither lives here.
"""

from __future__ import annotations

import base64 as _b64
import math
from collections.abc import Callable
from typing import Any

from impops.builder.jsvalue import (
    UNDEFINED,
    JsFunction,
    JsTypeError,
    JsValue,
    js_trim,
    js_trim_end,
    js_trim_start,
    to_number,
    to_string,
)

_MAX_STRING_LENGTH = (1 << 29) - 24  # V8's String::kMaxLength on 64-bit


def _arg(args: list[JsValue], i: int) -> JsValue:
    return args[i] if i < len(args) else UNDEFINED


def _to_integer(value: JsValue) -> float:
    """ToIntegerOrInfinity."""
    number = to_number(value)
    if math.isnan(number):
        return 0.0
    if math.isinf(number):
        return number
    return float(math.trunc(number))


def _clamp(value: float, low: int, high: int) -> int:
    return int(min(max(value, low), high))


def _receiver(name: str, args: list[JsValue]) -> str:
    if not args:
        raise JsTypeError(f"Missing string as required first argument in {name}()")
    value = args[0]
    if value is None or value is UNDEFINED:
        raise JsTypeError(f"Cannot read properties of {to_string(value)} (reading 'toString')")
    return to_string(value)


def _concat(s: str, rest: list[JsValue]) -> JsValue:
    return s + "".join(to_string(v) for v in rest)


def _ends_with(s: str, rest: list[JsValue]) -> JsValue:
    search = to_string(_arg(rest, 0))
    end = len(s) if _arg(rest, 1) is UNDEFINED else _clamp(_to_integer(rest[1]), 0, len(s))
    return s[:end].endswith(search)


def _includes(s: str, rest: list[JsValue]) -> JsValue:
    start = _clamp(_to_integer(_arg(rest, 1)), 0, len(s))
    return to_string(_arg(rest, 0)) in s[start:]


def _starts_with(s: str, rest: list[JsValue]) -> JsValue:
    start = _clamp(_to_integer(_arg(rest, 1)), 0, len(s))
    return s[start:].startswith(to_string(_arg(rest, 0)))


def _repeat(s: str, rest: list[JsValue]) -> JsValue:
    count = _to_integer(_arg(rest, 0))
    if count < 0 or math.isinf(count):
        raise JsTypeError(f"Invalid count value: {to_string(to_number(_arg(rest, 0)))}")
    if s and len(s) * count > _MAX_STRING_LENGTH:
        raise JsTypeError("Invalid string length")
    return s * int(count)


def _split(s: str, rest: list[JsValue]) -> JsValue:
    limit_value = _arg(rest, 1)
    limit = (1 << 32) - 1 if limit_value is UNDEFINED else int(_to_integer(limit_value)) % (1 << 32)
    separator = _arg(rest, 0)
    if limit == 0:
        return []
    if separator is UNDEFINED:
        return [s]
    sep = to_string(separator)
    parts: list[str] = list(s) if sep == "" else s.split(sep)
    return list(parts[:limit])


def _substr(s: str, rest: list[JsValue]) -> JsValue:
    size = len(s)
    start = _to_integer(_arg(rest, 0))
    if start == -math.inf:
        start = 0
    elif start < 0:
        start = max(size + start, 0)
    begin = int(min(start, size))
    length = size - begin if _arg(rest, 1) is UNDEFINED else _clamp(_to_integer(rest[1]), 0, size)
    end = min(begin + length, size)
    return s[begin:end] if end > begin else ""


def _substring(s: str, rest: list[JsValue]) -> JsValue:
    size = len(s)
    start = _clamp(_to_integer(_arg(rest, 0)), 0, size)
    end = size if _arg(rest, 1) is UNDEFINED else _clamp(_to_integer(rest[1]), 0, size)
    return s[min(start, end) : max(start, end)]


_STRING_METHODS: dict[str, Callable[[str, list[JsValue]], JsValue]] = {
    "concat": _concat,
    "endsWith": _ends_with,
    "includes": _includes,
    "repeat": _repeat,
    "split": _split,
    "startsWith": _starts_with,
    "substr": _substr,
    "substring": _substring,
    "toLowerCase": lambda s, _: s.lower(),
    "toUpperCase": lambda s, _: s.upper(),
    "trim": lambda s, _: js_trim(s),
    "trimLeft": lambda s, _: js_trim_start(s),
    "trimRight": lambda s, _: js_trim_end(s),
}


def _string_function(name: str) -> JsFunction:
    method = _STRING_METHODS[name]

    def call(_this: dict[str, Any], args: list[JsValue]) -> JsValue:
        return method(_receiver(name, args), args[1:])

    return JsFunction(name, call)


def _math(name: str) -> JsFunction:
    def call(_this: dict[str, Any], args: list[JsValue]) -> JsValue:
        if not args:
            raise JsTypeError(f"Wrong number of arguments for {name}()")
        numbers = [to_number(a) for a in args]
        if name == "abs":
            return abs(numbers[0])
        if any(math.isnan(n) for n in numbers):
            return math.nan
        return min(numbers) if name == "min" else max(numbers)

    return JsFunction(name, call)


def _escape(_this: dict[str, Any], args: list[JsValue]) -> JsValue:
    table = {'"': '\\"', "'": "\\'", "\\": "\\\\", "\b": "\\b", "\f": "\\f"}
    table.update({"\n": "\\n", "\r": "\\r", "\t": "\\t"})
    return "".join(table.get(ch, ch) for ch in to_string(_arg(args, 0)))


def _base64(_this: dict[str, Any], args: list[JsValue]) -> JsValue:
    data = to_string(_arg(args, 0)).encode("utf-8", "replace")
    return _b64.b64encode(data).decode("ascii")


def builtin_globals() -> dict[str, JsValue]:
    """The library globals every build starts with (Builder's ``libs/`` plus Math helpers)."""
    return {
        "base64": JsFunction("base64", _base64),
        "escape": JsFunction("escape", _escape),
        "S": {name: _string_function(name) for name in _STRING_METHODS},
        "abs": _math("abs"),
        "min": _math("min"),
        "max": _math("max"),
    }
