"""JavaScript value semantics that Builder expressions follow.

Builder evaluates expressions with JavaScript's rules (coercion, loose equality, number
formatting), so a byte-identical port needs the same conversions. Values are modelled as:
``None`` (null), :data:`UNDEFINED`, ``bool``, ``float`` (every number), ``str``, ``list``
(array), ``dict`` (object) and :class:`JsFunction`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final, TypeAlias


class _Undefined:
    """JavaScript ``undefined`` (distinct from ``null``, which is ``None``)."""

    _instance: _Undefined | None = None

    def __new__(cls) -> _Undefined:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "undefined"


UNDEFINED: Final = _Undefined()

JsValue: TypeAlias = Any  # None | _Undefined | bool | float | str | list | dict | JsFunction


@dataclass(frozen=True)
class JsFunction:
    """A callable value: ``call(this_context, args)``; ``name`` is used in messages."""

    name: str
    call: Callable[[dict[str, Any], list[Any]], Any]


class JsTypeError(Exception):
    """A JavaScript TypeError/RangeError: the message is what Node would print."""


# JavaScript's WhiteSpace + LineTerminator set, as used by String.prototype.trim and \s.
JS_WHITESPACE: Final = (
    "\t\n\x0b\x0c\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008"
    "\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
)
JS_WS_CLASS: Final = "[" + re.escape(JS_WHITESPACE) + "]"


def js_trim(text: str) -> str:
    """``String.prototype.trim``."""
    return text.strip(JS_WHITESPACE)


def js_trim_start(text: str) -> str:
    return text.lstrip(JS_WHITESPACE)


def js_trim_end(text: str) -> str:
    return text.rstrip(JS_WHITESPACE)


def normalize(value: object) -> JsValue:
    """Convert a caller-supplied Python value to the JS model (ints become floats)."""
    if value is None or isinstance(value, bool | str | float | JsFunction | _Undefined):
        return value
    if isinstance(value, int):
        return float(value)
    if isinstance(value, list | tuple):
        return [normalize(v) for v in value]
    if isinstance(value, dict):
        return {str(k): normalize(v) for k, v in value.items()}
    return str(value)


def truthy(value: JsValue) -> bool:
    """JavaScript ToBoolean."""
    if value is None or value is UNDEFINED:
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, float):
        return not (value == 0 or math.isnan(value))
    if isinstance(value, str):
        return value != ""
    return True


_MANTISSA = re.compile(r"^(\d+)(?:\.(\d+))?(?:e([+-]?\d+))?$")


def number_to_string(number: float) -> str:
    """JavaScript ``Number.prototype.toString()`` (radix 10), shortest round-trip digits."""
    if math.isnan(number):
        return "NaN"
    if number == 0:
        return "0"
    if math.isinf(number):
        return "Infinity" if number > 0 else "-Infinity"
    sign = "-" if number < 0 else ""
    match = _MANTISSA.match(repr(abs(number)))
    if match is None:  # pragma: no cover - repr of a finite float always matches
        return repr(number)
    int_part, frac_part, exp_part = match.group(1), match.group(2) or "", match.group(3)
    digits = (int_part + frac_part).lstrip("0")
    point = len(int_part) + (int(exp_part) if exp_part else 0)  # decimal point position
    point -= len(int_part + frac_part) - len((int_part + frac_part).lstrip("0"))
    digits = digits.rstrip("0") or "0"
    k, n = len(digits), point
    if k <= n <= 21:
        text = digits + "0" * (n - k)
    elif 0 < n <= 21:
        text = digits[:n] + "." + digits[n:]
    elif -6 < n <= 0:
        text = "0." + "0" * (-n) + digits
    else:
        exponent = n - 1
        exp_text = ("+" if exponent >= 0 else "-") + str(abs(exponent))
        text = digits + "e" + exp_text if k == 1 else digits[0] + "." + digits[1:] + "e" + exp_text
    return sign + text


def to_string(value: JsValue) -> str:
    """JavaScript ``String(value)``."""
    if value is None:
        return "null"
    if value is UNDEFINED:
        return "undefined"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return number_to_string(value)
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return ",".join("" if v is None or v is UNDEFINED else to_string(v) for v in value)
    if isinstance(value, JsFunction):
        return f"function {value.name}() {{ [native code] }}"
    return "[object Object]"


def to_primitive(value: JsValue) -> JsValue:
    """ToPrimitive: arrays, objects and functions become their string form."""
    if isinstance(value, list | dict | JsFunction):
        return to_string(value)
    return value


_DECIMAL = re.compile(r"^[+-]?(?:\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)$")
_RADIX = {"0x": 16, "0X": 16, "0o": 8, "0O": 8, "0b": 2, "0B": 2}


def string_to_number(text: str) -> float:
    """JavaScript ToNumber applied to a string."""
    stripped = js_trim(text)
    if stripped == "":
        return 0.0
    if _DECIMAL.match(stripped):
        return float(stripped)
    if stripped in ("Infinity", "+Infinity"):
        return math.inf
    if stripped == "-Infinity":
        return -math.inf
    radix = _RADIX.get(stripped[:2])
    if radix is not None and len(stripped) > 2:
        try:
            return float(int(stripped[2:], radix))
        except ValueError:
            return math.nan
    return math.nan


def to_number(value: JsValue) -> float:
    """JavaScript ToNumber."""
    if value is None:
        return 0.0
    if value is UNDEFINED:
        return math.nan
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, float):
        return value
    if isinstance(value, str):
        return string_to_number(value)
    return to_number(to_primitive(value))


def loose_equals(left: JsValue, right: JsValue) -> bool:
    """JavaScript ``==`` (IsLooselyEqual)."""
    nullish = (None, UNDEFINED)
    if left in nullish or right in nullish:
        return left in nullish and right in nullish
    left_obj = isinstance(left, list | dict | JsFunction)
    right_obj = isinstance(right, list | dict | JsFunction)
    if left_obj and right_obj:
        return left is right
    if left_obj:
        return loose_equals(to_primitive(left), right)
    if right_obj:
        return loose_equals(left, to_primitive(right))
    if isinstance(left, str) and isinstance(right, str):
        return left == right
    if isinstance(left, bool) and isinstance(right, bool):
        return left == right
    return to_number(left) == to_number(right)


def add(left: JsValue, right: JsValue) -> JsValue:
    """JavaScript binary ``+``."""
    left, right = to_primitive(left), to_primitive(right)
    if isinstance(left, str) or isinstance(right, str):
        return to_string(left) + to_string(right)
    return to_number(left) + to_number(right)


def less_than(left: JsValue, right: JsValue) -> bool | None:
    """Abstract relational comparison ``left < right``; ``None`` means undefined (NaN)."""
    left, right = to_primitive(left), to_primitive(right)
    if isinstance(left, str) and isinstance(right, str):
        return _utf16(left) < _utf16(right)
    lnum, rnum = to_number(left), to_number(right)
    if math.isnan(lnum) or math.isnan(rnum):
        return None
    return lnum < rnum


def _utf16(text: str) -> bytes:
    """Strings compare by UTF-16 code units in JavaScript."""
    return text.encode("utf-16-be", "surrogatepass")


def modulo(left: float, right: float) -> float:
    """JavaScript ``%``: the sign of the dividend, NaN for infinite dividends."""
    if math.isnan(left) or math.isnan(right) or math.isinf(left) or right == 0:
        return math.nan
    if math.isinf(right):
        return left
    return math.fmod(left, right)


def divide(left: float, right: float) -> float:
    """JavaScript ``/`` (IEEE 754: x/0 is ±Infinity or NaN)."""
    if right == 0:
        if left == 0 or math.isnan(left):
            return math.nan
        negative = (left < 0) != (math.copysign(1.0, right) < 0)
        return -math.inf if negative else math.inf
    return left / right


def to_property_key(value: JsValue) -> str:
    """ToPropertyKey for member access."""
    return to_string(value)
